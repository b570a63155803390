import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { loadProject } from '../../config/load.js';
import type { ResultsDocument } from '../../results/types.js';
import { reviewCsv, reviewJsonl, selectForReview } from '../../review/export.js';
import { importReviewCsv, importReviewJsonl, mergeLabels } from '../../review/import.js';
import { formatLabels, parseLabels } from '../../review/labels.js';
import { checkPromotedSuite } from '../../review/check.js';
import { PROMOTE_GRADERS, promoteLabels, type PromoteGrader } from '../../review/promote.js';
import { terminalText } from '../../report/escape.js';
import type { CliIO, CommandHandler } from '../types.js';

const HELP = `Usage: evalgate review <export|import|promote> [options]

  evalgate review export --results FILE [--size N] [--seed S] [--out DIR] [--config FILE]
      Samples cases for human review, stratified by tags.risk and outcome (failures
      over-sampled 3x), into DIR/review.csv and DIR/review.jsonl (default DIR: review).
      --config adds each case's input vars and expected value (default evalgate.yml, when present).

  evalgate review import FILE.csv|FILE.jsonl [--out labels.jsonl]
      Reads the reviewers' file back, checks every label is pass or fail, and merges the
      labels into --out (default labels.jsonl), which 'evalgate calibrate' reads.
      Exit 1 when some rows had bad labels (they are listed by line; the rest are merged).

  evalgate review promote --labels FILE --suite FILE.yml [--case ID]... [--grader equals|contains]
                          [--config FILE]
      Appends reviewed cases to a (trusted) suite file, keeping its content and comments.
      A pass label's output becomes the case's expected value, which the suite's graders
      check; a suite without suite-level graders needs --grader (equals or contains, on the
      expected value). The new suite is validated as 'evalgate validate' would (--config,
      default evalgate.yml when present) before anything is written: on an error nothing is.
`;

export const reviewCommand: CommandHandler = async (argv, io) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'export':
      return exportCommand(rest, io);
    case 'import':
      return importCommand(rest, io);
    case 'promote':
      return promoteCommand(rest, io);
    case undefined:
    case '--help':
    case '-h':
      io.stdout(HELP);
      return sub ? 0 : 2;
    default:
      throw new UsageError(`unknown review command '${sub}'; expected export, import or promote`);
  }
};

function readText(io: CliIO, file: string): string {
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

async function exportCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      results: { type: 'string', short: 'r', default: 'evalgate-results.json' },
      size: { type: 'string', short: 'n', default: '50' },
      seed: { type: 'string', short: 's', default: '1' },
      out: { type: 'string', short: 'o', default: 'review' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const size = Number(values.size);
  if (!Number.isInteger(size) || size < 1)
    throw new UsageError(`--size takes a positive whole number, got '${values.size}'`);
  let results: ResultsDocument;
  try {
    results = JSON.parse(readText(io, values.results)) as ResultsDocument;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${values.results} is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(results?.suites))
    throw new UsageError(`${values.results} is not an evalgate Results document`);

  // Vars and expected values live in the suites, not in the results.
  const configPath = resolve(io.cwd, values.config ?? 'evalgate.yml');
  const project = values.config !== undefined || existsSync(configPath) ? loadProject(configPath) : undefined;
  const rows = selectForReview(results, {
    size,
    seed: values.seed,
    caseDetails: (suite, id) => {
      const c = project?.suites.find((s) => s.id === suite)?.cases.find((x) => x.id === id);
      return c && { vars: c.vars, ...(c.expected !== undefined && { expected: c.expected }) };
    },
  });
  const dir = resolve(io.cwd, values.out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'review.csv'), reviewCsv(rows));
  writeFileSync(join(dir, 'review.jsonl'), reviewJsonl(rows));
  const failed = rows.filter((r) => r.outcome === 'fail').length;
  io.stdout(
    `${rows.length} cases for review (${failed} failed) in ${relative(io.cwd, dir) || '.'}/review.csv and review.jsonl\n`,
  );
  return 0;
}

async function importCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', short: 'o', default: 'labels.jsonl' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError('review import takes one file: review.csv or review.jsonl');
  const file = positionals[0]!;
  const text = readText(io, file);
  const read = extname(file).toLowerCase() === '.csv' ? importReviewCsv(text) : importReviewJsonl(text);
  for (const p of read.problems)
    io.stderr(`${terminalText(`${file}:${p.line}: ${p.message}`, { oneLine: true })}\n`);

  const out = resolve(io.cwd, values.out);
  let existing: ReturnType<typeof parseLabels>['labels'] = [];
  if (existsSync(out)) {
    const parsed = parseLabels(readFileSync(out, 'utf8'));
    if (parsed.problems.length) {
      throw new UsageError(
        `${values.out}:${parsed.problems[0]!.line}: ${parsed.problems[0]!.message}; fix it before merging`,
      );
    }
    existing = parsed.labels;
  }
  const merged = mergeLabels(existing, read.labels);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, formatLabels(merged));
  io.stdout(
    `${read.labels.length} labels imported (${read.unlabelled} rows not yet labelled${read.problems.length ? `, ${read.problems.length} rejected` : ''}); ${merged.length} labels in ${values.out}\n`,
  );
  return read.problems.length ? 1 : 0;
}

async function promoteCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      labels: { type: 'string', short: 'l', default: 'labels.jsonl' },
      suite: { type: 'string', short: 's' },
      case: { type: 'string', multiple: true, default: [] },
      grader: { type: 'string', short: 'g' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (!values.suite) throw new UsageError('--suite FILE.yml is required');
  const grader = values.grader;
  if (grader !== undefined && !(PROMOTE_GRADERS as readonly string[]).includes(grader)) {
    throw new UsageError(`--grader takes ${PROMOTE_GRADERS.join(' or ')}, got '${grader}'`);
  }
  const parsed = parseLabels(readText(io, values.labels));
  if (parsed.problems.length) {
    throw new UsageError(`${values.labels}:${parsed.problems[0]!.line}: ${parsed.problems[0]!.message}`);
  }
  const wanted = values.case;
  const labels = wanted.length
    ? parsed.labels.filter((l) => wanted.includes(l.case) || wanted.includes(`${l.suite}/${l.case}`))
    : parsed.labels;
  const unknown = wanted.filter(
    (w) => !parsed.labels.some((l) => w === l.case || w === `${l.suite}/${l.case}`),
  );
  if (unknown.length) throw new UsageError(`no label for case ${unknown.join(', ')} in ${values.labels}`);

  const suitePath = resolve(io.cwd, values.suite);
  const before = readText(io, values.suite);
  let result;
  try {
    result = promoteLabels(before, labels, grader ? { grader: grader as PromoteGrader } : {});
  } catch (e) {
    throw new UsageError(`${values.suite}: ${(e as Error).message}; nothing was written`);
  }
  if (result.text !== before) {
    const configPath = resolve(io.cwd, values.config ?? 'evalgate.yml');
    if (values.config !== undefined && !existsSync(configPath))
      throw new UsageError(`config file not found: ${values.config}`);
    const invalid = await checkPromotedSuite(
      suitePath,
      result.text,
      existsSync(configPath) ? configPath : undefined,
      io.env,
    );
    if (invalid) {
      io.stderr(
        `evalgate: promoting would leave ${terminalText(values.suite)} invalid (positions below are in the suite as it would be); nothing was written\n`,
      );
      throw invalid;
    }
    writeFileSync(suitePath, result.text);
  }
  for (const id of result.skipped) io.stderr(`skipped ${id}: the suite already has a case with this id\n`);
  io.stdout(
    `${result.added.length} case${result.added.length === 1 ? '' : 's'} appended to ${values.suite}\n`,
  );
  return 0;
}
