import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { loadProject } from '../../config/load.js';
import { CoverageCounter } from '../../production/coverage.js';
import { DriftConfigSchema } from '../../production/drift/config.js';
import { coverageMarkdown, driftMarkdown } from '../../production/drift/report.js';
import { loadDuckDb } from '../../production/drift/duckdb.js';
import { driftOfFiles, type DriftEngine } from '../../production/drift/run.js';
import { loadProductionPolicy } from '../../production/policy.js';
import { terminalText } from '../../report/escape.js';
import { expandGlob, isGlob } from '../../util/glob.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate drift --current GLOB --reference GLOB [--config FILE] [--json] [--out FILE]

Compares the production records of a current window with a reference window, feature by
feature (input/output length and language, route, tool calls, refusal, error and safety
event rates, latency, tokens, cost, feedback), and alarms only on a change that is both
significant (Holm's correction over all features: the chance of any false alarm per
check is at most production.drift.alpha) and large (PSI, or Cohen's h for rates, at
least its threshold). Windows under production.drift.minRecords are "too few records".

  --current GLOB     records of the window to check (JSONL, .jsonl.gz), repeatable
  --reference GLOB   records of the reference window, repeatable
  -c, --config FILE  project config holding the policy (default: evalgate.yml)
      --json         print the report as JSON instead of Markdown
      --out FILE     also write the Markdown report to FILE
      --engine NAME  how records are read: duckdb (DuckDB, an optional dependency: fast on
                     large windows), stream (line by line, reports file:line:col), or
                     auto (default: duckdb when it is installed, else stream)
      --coverage     also list routes, languages and risk tags frequent in the current
                     window and absent or rare in the project's suites (loads the suites)

Exit 0 no drift (or too few records), 1 drift, 2 no policy, bad records or a glob that
matches no file.
`;

export const driftCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      current: { type: 'string', multiple: true },
      reference: { type: 'string', multiple: true },
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      coverage: { type: 'boolean', default: false },
      engine: { type: 'string', default: 'auto' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  // The policy first: without one, nothing is read.
  const policy = loadProductionPolicy(resolve(io.cwd, values.config));
  const config = DriftConfigSchema.parse(policy.drift ?? {});
  const current = files(io.cwd, '--current', values.current);
  const reference = files(io.cwd, '--reference', values.reference);
  // The suites are loaded before any record is read: a broken suite stops the check early.
  const cases = values.coverage
    ? loadProject(resolve(io.cwd, values.config)).suites.flatMap((s) => s.cases)
    : undefined;
  const engine = await chooseEngine(values.engine);
  const counter = new CoverageCounter();
  const report = await driftOfFiles(
    current,
    reference,
    config,
    (r, window) => {
      if (window === 'current') counter.add(r);
    },
    engine,
  );
  const coverage = cases && counter.report(cases, config.coverage);
  let markdown = driftMarkdown(report);
  if (coverage) markdown += `\n${coverageMarkdown(coverage)}`;
  if (values.out) writeFileSync(resolve(io.cwd, values.out), markdown);
  io.stdout(
    values.json
      ? `${JSON.stringify({ ...report, ...(coverage && { coverage }) }, null, 2)}\n`
      : terminalText(markdown, { maxLength: 200_000 }),
  );
  return report.status === 'alarm' ? 1 : 0;
};

function files(cwd: string, flag: string, patterns: string[] | undefined): string[] {
  if (!patterns?.length) throw new UsageError(`drift needs ${flag} GLOB: the records files of that window`);
  const out: string[] = [];
  for (const pattern of patterns) {
    const matched = expandGlob(cwd, pattern);
    if (matched.length === 0)
      throw new UsageError(
        isGlob(pattern) ? `${flag} '${pattern}' matches no file` : `records file not found: ${pattern}`,
      );
    for (const f of matched) if (!out.includes(f)) out.push(f);
  }
  return out;
}

async function chooseEngine(name: string): Promise<DriftEngine> {
  if (name === 'stream') return { kind: 'stream' };
  if (name !== 'auto' && name !== 'duckdb')
    throw new UsageError(`--engine must be auto, duckdb or stream, not '${name}'`);
  const module = await loadDuckDb();
  if (module) return { kind: 'duckdb', module };
  if (name === 'duckdb')
    throw new UsageError('--engine duckdb: @duckdb/node-api is not installed (npm install @duckdb/node-api)');
  return { kind: 'stream' };
}
