import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDriftCheck, type EngineName } from '../../production/drift/check.js';
import { terminalText } from '../../report/escape.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate drift --current GLOB --reference GLOB|baseline [--coverage] [--engine NAME]
                      [--config FILE] [--json] [--out FILE]

Compares the production records of a current window with a reference window, feature by
feature (input/output length and language, route, tool calls, refusal, error and safety
event rates, latency, tokens, cost, feedback, online graders' pass rates), and alarms only
on a change that is both significant (Holm's correction over all features: the chance of
any false alarm per check is at most production.drift.alpha) and large (PSI, or Cohen's h
for rates, at least its threshold). Windows under production.drift.minRecords are "too few
records".

  --current GLOB     records of the window to check, repeatable: JSONL, .jsonl.gz or
                     .parquet; local globs, or s3:// and https://… globs read by DuckDB
                     as written (S3 credentials from AWS_* variables; other clouds' not yet)
  --reference GLOB   records of the reference window, repeatable; or the word 'baseline':
                     the regression suites' cases (input length, language, route) and their
                     saved baseline (outputs where it kept them, refusal and error rates,
                     graders' pass rates against the records' grades.<grader>)
  -c, --config FILE  project config holding the policy (default: evalgate.yml)
      --json         print the report as JSON instead of Markdown
      --out FILE     also write the Markdown report to FILE
      --engine NAME  how records are read: duckdb (DuckDB, an optional dependency: reads
                     Parquet and object storage), stream (local JSONL line by line), or auto
                     (default: duckdb when it is installed, else stream). A window of local
                     JSONL is read line by line with either, every line checked: a bad line
                     is file:line:col
      --coverage     also list routes, languages and risk tags frequent in the current
                     window and absent or rare in the project's suites (loads the suites)

Exit 0 no drift (or too few records), 1 drift, 2 no policy, bad records, a glob that
matches no file, or Parquet / remote records without DuckDB.
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
  const check = await runDriftCheck({
    cwd: io.cwd,
    config: values.config,
    current: values.current ?? [],
    reference: values.reference ?? [],
    coverage: values.coverage,
    engine: values.engine as EngineName,
    env: io.env,
    // `npx evalgate` runs from npm's cache: DuckDB installed in the project is found too.
    duckDbSearchDirs: [io.cwd],
  });
  const { report, coverage, markdown } = check;
  if (values.out) writeFileSync(resolve(io.cwd, values.out), markdown);
  io.stdout(
    values.json
      ? `${JSON.stringify({ ...report, ...(coverage && { coverage }) }, null, 2)}\n`
      : terminalText(markdown, { maxLength: 200_000 }),
  );
  return report.status === 'alarm' ? 1 : 0;
};
