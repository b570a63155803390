import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compare } from '../../compare/compare.js';
import { ResultsInputError, parseResultsDocument } from '../../compare/input.js';
import { ConfigError, ConfigErrors, UsageError } from '../../config/errors.js';
import { parseYaml } from '../../config/yaml.js';
import { gate } from '../../gate/gate.js';
import { GatePolicySchema, type GatePolicy } from '../../gate/schema.js';
import { VERDICT_SCHEMA_VERSION } from '../../gate/types.js';
import { terminalText } from '../../report/escape.js';
import { renderComparisonMarkdown } from '../../report/markdown.js';
import type { ResultsDocument } from '../../results/types.js';
import { reportError } from '../report-error.js';
import type { CliIO, CommandHandler } from '../types.js';

const USAGE =
  'Usage: evalgate compare --baseline FILE --current FILE [--format markdown|json] [--config FILE]';

const HELP = `${USAGE}

Compares two Results documents case by case and gates on the difference, using the
\`gate:\` policy in evalgate.yml (or the safe defaults when there is none). A change
that improves one dimension or workflow and regresses another is named on stderr as a
trade-off needing a product decision.

  --baseline FILE   Results of the baseline run (e.g. main)
  --current FILE    Results of the run under review
  --format FORMAT   markdown (default): the reviewer's report; json: verdict, reasons and
                    the full comparison, per suite and metric, per dimension and workflow
                    (\`dimensions\`), and the trade-off when there is one (\`tradeOff\`)
  --config FILE     config whose \`gate:\` section holds the policy (default: ./evalgate.yml
                    when it exists)

Exit codes: 0 pass, warn or inconclusive; 1 fail, or error (the run had too many
infrastructure errors to judge: fail closed); 2 usage error, unreadable config, or a
Results file that is missing, corrupt, truncated or of another schema version.
`;

export const compareCommand: CommandHandler = async (argv, io) => {
  try {
    return run(argv, io);
  } catch (e) {
    if (e instanceof ResultsInputError) {
      // The message may quote the corrupt file's bytes (JSON.parse does): never raw.
      io.stderr(`evalgate: ${terminalText(e.message)}\n`);
      return 2;
    }
    return reportError(e, io);
  }
};

function run(argv: string[], io: CliIO): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      baseline: { type: 'string', short: 'b' },
      current: { type: 'string', short: 'c' },
      format: { type: 'string', short: 'f', default: 'markdown' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (!values.baseline) throw new UsageError(`compare: --baseline is required\n${USAGE}`);
  if (!values.current) throw new UsageError(`compare: --current is required\n${USAGE}`);
  if (values.format !== 'markdown' && values.format !== 'json') {
    throw new UsageError(`compare: --format must be markdown or json, not '${values.format}'`);
  }

  const policy = loadPolicy(io, values.config);
  const baseline = readResults(io, values.baseline, 'baseline');
  const current = readResults(io, values.current, 'current');

  const comparison = compare(baseline, current, {
    thresholds: policy,
    staleAfterDays: policy.baseline.maxAgeDays,
  });
  const verdict = gate(comparison, policy);

  if (values.format === 'json') {
    const out = {
      schemaVersion: VERDICT_SCHEMA_VERSION,
      verdict: verdict.verdict,
      reasons: verdict.reasons,
      counts: verdict.counts,
      comparison,
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout(renderComparisonMarkdown(comparison, verdict));
  }
  const top = verdict.reasons.find((r) => r.level !== 'info');
  // Suite ids and messages come from the Results files.
  const why =
    top && verdict.verdict !== 'pass'
      ? ` — ${terminalText(`${top.suite ? `${top.suite}: ` : ''}${top.message}`, { oneLine: true, maxLength: 300 })}`
      : '';
  io.stderr(`evalgate: ${verdict.verdict}${why}\n`);
  // Said apart, whatever the verdict (unless the line above already says it): a trade-off is
  // a product decision, not a number to average.
  if (comparison.tradeOff && !(why && top?.code === 'trade-off'))
    io.stderr(
      `evalgate: trade-off needing a product decision: ${terminalText(comparison.tradeOff.summary, { oneLine: true, maxLength: 400 })}\n`,
    );
  return verdict.verdict === 'fail' || verdict.verdict === 'error' ? 1 : 0;
}

function readResults(io: CliIO, path: string, role: 'baseline' | 'current'): ResultsDocument {
  const label = `${role} ${path}`;
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, path), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message;
    throw new ResultsInputError(label, why);
  }
  return parseResultsDocument(text, label);
}

/** Only the `gate:` section is read: comparing two Results files needs neither suites nor targets on disk. */
function loadPolicy(io: CliIO, configPath: string | undefined): GatePolicy {
  const file = resolve(io.cwd, configPath ?? 'evalgate.yml');
  if (!configPath && !existsSync(file)) return GatePolicySchema.parse(undefined);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'config file not found' : (e as Error).message, { file });
  }
  const doc = parseYaml(text, file);
  const section =
    doc.value && typeof doc.value === 'object' ? (doc.value as Record<string, unknown>).gate : undefined;
  const parsed = GatePolicySchema.safeParse(section ?? undefined);
  if (!parsed.success) {
    throw new ConfigErrors(
      parsed.error.issues.map((issue) =>
        doc.error(['gate', ...(issue.path as (string | number)[])], issue.message),
      ),
    );
  }
  return parsed.data;
}
