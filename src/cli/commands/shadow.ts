import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { loadProject } from '../../config/load.js';
import { loadOnlineGraders } from '../../production/online/config.js';
import { compileOnlineGraders } from '../../production/online/grade.js';
import { loadProductionPolicy } from '../../production/policy.js';
import { readRecords } from '../../production/records-file.js';
import { shadowMarkdown } from '../../production/shadow/report.js';
import { runShadow } from '../../production/shadow/run.js';
import { terminalText } from '../../report/escape.js';
import { createProgress } from '../progress.js';
import type { CommandHandler } from '../types.js';
import { recordFiles } from './grade.js';

const HELP = `Usage: evalgate shadow --records GLOB [--records GLOB]... --target NAME
                      [--input-var NAME] [--sample N] [--seed N] [--version ID]
                      [--alpha A] [--json] [--out FILE] [--results FILE]
                      [-j N] [--no-cache] [--config FILE]

Replays a sample of production inputs through a candidate target and compares its answers
with the ones production gave, grader by grader (the 'production.online' graders), on the
same inputs: exact McNemar tests on the paired pass/fail outcomes, Holm-adjusted over the
gating graders, with Newcombe's interval for the difference of pass rates.

Only inputs the 'production:' policy keeps are replayed (retainText: true; they are the
redacted texts). The sample is drawn with probability proportional to 1 / sampleRate, so it
mirrors traffic as the policy sampled it. The candidate runs through the runner like any
suite: concurrency, retries, rate limits and the response cache apply.

  --records GLOB      records files (JSONL, or JSONL gzip for .gz), repeatable
  --target NAME       the candidate: a target of evalgate.yml
  --input-var NAME    the prompt variable the production input fills (default: input)
  --sample N          inputs to replay (default 200)
  --seed N            the sample's seed (default 1)
  --version ID        only records of this system version id (production's answers to beat)
  --alpha A           significance level (default 0.05)
  --json              print the report JSON instead of the Markdown report
  --out FILE          also write the report JSON to FILE
  --results FILE      keep the candidate's Results document at FILE
  -j, --concurrency N requests in flight at once (default: the config's)
      --no-cache      neither read nor write the response cache
  -c, --config FILE   project config (default: evalgate.yml)
      --all-errors    list every config error, not the first 25

Exit 0 when no gating grader is significantly worse, 1 when one is, 2 when the policy keeps
no input text, on bad input or config.
`;

const positiveInt = (text: string, option: string, max: number) => {
  if (!/^[1-9][0-9]*$/.test(text) || Number(text) > max)
    throw new UsageError(`${option} takes a whole number from 1 to ${max}, got '${text}'`);
  return Number(text);
};

export const shadowCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', multiple: true },
      target: { type: 'string' },
      'input-var': { type: 'string', default: 'input' },
      sample: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      version: { type: 'string' },
      alpha: { type: 'string', default: '0.05' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      results: { type: 'string' },
      concurrency: { type: 'string', short: 'j' },
      'no-cache': { type: 'boolean', default: false },
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      'all-errors': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const sample = positiveInt(values.sample, '--sample', 1_000_000);
  const seed = positiveInt(values.seed, '--seed', 2 ** 31);
  const alpha = Number(values.alpha);
  if (!(alpha > 0 && alpha < 0.5))
    throw new UsageError(`--alpha takes a number in (0, 0.5), got '${values.alpha}'`);
  if (!values.target)
    throw new UsageError('shadow needs --target NAME: the candidate, a target of the config');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(values['input-var']))
    throw new UsageError(`--input-var takes a prompt variable name, got '${values['input-var']}'`);

  // The policy first: without input text kept, nothing is read or run.
  const configPath = resolve(io.cwd, values.config);
  const policy = loadProductionPolicy(configPath);
  if (!policy.retainText)
    throw new UsageError(
      'shadow replays production inputs, and the policy keeps none: production.retainText is false (only hashes and features are recorded)',
    );
  const graders = compileOnlineGraders(loadOnlineGraders(configPath), policy, {
    baseDir: dirname(configPath),
  });
  const files = recordFiles(io.cwd, values.records, 'shadow');
  const records = readRecords(files).map((r) => ({ ...r, file: relative(io.cwd, r.file) || r.file }));
  const project = loadProject(configPath, { env: io.env });
  for (const w of project.warnings) io.stderr(`warning: ${terminalText(w)}\n`);
  const concurrency =
    values.concurrency === undefined
      ? project.config.concurrency
      : positiveInt(values.concurrency, '--concurrency', 1024);

  const progress = createProgress(io.stderr, io.isTTY);
  let report;
  try {
    ({ report } = await runShadow({
      project,
      policy,
      graders,
      records,
      target: values.target,
      inputVar: values['input-var'],
      sample,
      seed,
      alpha,
      ...(values.version !== undefined && { version: values.version }),
      env: io.env,
      cwd: io.cwd,
      concurrency,
      cache: !values['no-cache'] && project.config.cache.enabled,
      ...(values.results && { resultsPath: resolve(io.cwd, values.results) }),
      onEvent: (e) => {
        if (e.type === 'run-started') progress.start(e.total, e.resumed);
        else if (e.type === 'sample') progress.sample(e.status, e.cached);
      },
    }));
  } finally {
    progress.finish();
  }
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (values.out) writeFileSync(resolve(io.cwd, values.out), json);
  io.stdout(values.json ? json : terminalText(shadowMarkdown(report), { maxLength: 200_000 }));
  return report.decision === 'fail' ? 1 : 0;
};
