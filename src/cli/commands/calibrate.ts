import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { loadProject } from '../../config/load.js';
import {
  calibrate,
  calibrationVerdict,
  labelClasses,
  type CalibrationItem,
  type CalibrationPolicy,
  type CalibrationReport,
} from '../../graders/calibrate.js';
import { isJudgeGrader, type JudgeGrader } from '../../graders/judge.js';
import { parseLabels } from '../../review/labels.js';
import { projectCache } from '../../runner/cache.js';
import { terminalText } from '../../report/escape.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate calibrate --labels FILE [--config FILE] [--grader NAME] [--out FILE] [--no-cache]

Judges human-labelled outputs with the project's judge grader and measures agreement:
accuracy, Cohen's kappa and the 2x2 table. Writes a calibration report (default
calibration.json) that names the judge's fingerprint; point 'judge.calibration' at it.

  --labels FILE   JSONL of { suite, case, output, label: pass|fail } (review import writes it)
  --grader NAME   the judge grader to calibrate, when suites use more than one
  --out FILE      where the report goes (default calibration.json)
  --no-cache      judge again even when the response cache has the answer

A judge may gate only when the calibration judged at least judge.minLabels labels
(default 30), at least judge.minLabelsPerClass of each class (default 10 human passes
and 10 human fails), and the lower bound of kappa's 95% interval reaches judge.minKappa
(default 0.6). Otherwise its verdicts are reported but never block.
`;

export const calibrateCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      labels: { type: 'string', short: 'l' },
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      grader: { type: 'string', short: 'g' },
      out: { type: 'string', short: 'o', default: 'calibration.json' },
      'no-cache': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (!values.labels) throw new UsageError('--labels FILE is required (see evalgate calibrate --help)');

  const labelsPath = resolve(io.cwd, values.labels);
  let text: string;
  try {
    text = readFileSync(labelsPath, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${values.labels}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const { labels, problems } = parseLabels(text);
  if (problems.length) {
    for (const p of problems)
      io.stderr(`${terminalText(`${values.labels}:${p.line}: ${p.message}`, { oneLine: true })}\n`);
    throw new UsageError(
      `${problems.length} invalid label line${problems.length === 1 ? '' : 's'} in ${values.labels}`,
    );
  }

  const project = loadProject(resolve(io.cwd, values.config), {
    env: io.env,
    cache: (config, rootDir) => projectCache(config, rootDir, values['no-cache']),
  });
  for (const w of project.warnings) io.stderr(`warning: ${terminalText(w)}\n`);

  const names = new Set<string>();
  for (const s of project.suites)
    for (const c of s.cases) for (const g of c.graders) if (isJudgeGrader(g)) names.add(g.name);
  if (names.size === 0) throw new UsageError('no suite uses a judge grader: nothing to calibrate');
  if (values.grader && !names.has(values.grader)) {
    throw new UsageError(`no judge grader named '${values.grader}'; judge graders: ${[...names].join(', ')}`);
  }
  if (!values.grader && names.size > 1) {
    throw new UsageError(`several judge graders (${[...names].join(', ')}): pick one with --grader`);
  }
  const graderName = values.grader ?? [...names][0]!;

  const items: CalibrationItem[] = [];
  let skipped = 0;
  for (const label of labels) {
    const c = project.suites.find((s) => s.id === label.suite)?.cases.find((x) => x.id === label.case);
    const grader = c?.graders.find((g): g is JudgeGrader => isJudgeGrader(g) && g.name === graderName);
    if (!c || !grader) {
      skipped++;
      io.stderr(
        `skipped ${label.suite}/${label.case}: ${c ? `the case has no judge grader '${graderName}'` : 'no such case in this config'}\n`,
      );
      continue;
    }
    items.push({ label, case: c, grader });
  }
  if (items.length === 0) throw new UsageError('none of the labels matches a case judged by this grader');

  const report = await calibrate(items, {
    grader: graderName,
    file: values.labels,
    total: labels.length,
    skipped,
    concurrency: project.config.concurrency,
  });
  const out = resolve(io.cwd, values.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

  const { minKappa, minLabels, minLabelsPerClass } = items[0]!.grader.judge;
  io.stdout(renderCalibration(report, graderName, { minKappa, minLabels, minLabelsPerClass }, values.out));
  return 0;
};

/** What `calibrate` prints: the table, kappa with its interval, and whether the judge may gate and why not. */
export function renderCalibration(
  report: CalibrationReport,
  graderName: string,
  policy: CalibrationPolicy,
  out: string,
): string {
  const t = report.confusion;
  const classes = labelClasses(t);
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const ci = report.kappaInterval;
  const interval = ci
    ? ` (${Math.round(ci.level * 100)}% CI ${ci.lower.toFixed(3)} to ${ci.upper.toFixed(3)}: bootstrap of ${ci.resamples} resamples, widened to the Wilson bound)`
    : '';
  const verdict = calibrationVerdict(report, policy);
  const gate = verdict.mayGate
    ? [
        `this judge may gate: ${report.labels.judged} labels (${classes.pass} pass, ${classes.fail} fail), and kappa's lower bound ${ci!.lower.toFixed(3)} ≥ ${policy.minKappa}`,
      ]
    : [
        'this judge may not gate: its verdicts will be reported but will not block, because',
        ...verdict.reasons.map((r) => `  - ${r}`),
      ];
  return [
    terminalText(
      `judge '${graderName}' vs ${report.labels.judged} human labels (${classes.pass} pass, ${classes.fail} fail)`,
      { oneLine: true },
    ) + (report.labels.judgeErrors ? ` (${report.labels.judgeErrors} judge errors left out)` : ''),
    '',
    '                 human pass  human fail',
    `  judge pass     ${String(t.bothPass).padStart(10)}  ${String(t.judgePassHumanFail).padStart(10)}`,
    `  judge fail     ${String(t.judgeFailHumanPass).padStart(10)}  ${String(t.bothFail).padStart(10)}`,
    '',
    `accuracy ${pct(report.accuracy)}, Cohen's kappa ${report.kappa === null ? 'n/a' : report.kappa.toFixed(3)}${interval}`,
    ...gate,
    terminalText(`report written to ${out}`, { oneLine: true }),
    '',
  ].join('\n');
}
