import { rmSync } from 'node:fs';
import { terminalText } from '../report/escape.js';
import { fitStepSummary } from '../report/step-summary.js';
import { InputError } from './context.js';
import { outPath, setOutputs, workdir, writeFile } from './job.js';
import type { ActionContext } from './types.js';

/** The drift check's reports, in the working directory (uploaded with the artifact). */
export const DRIFT_FILES = { report: 'evalgate-drift.md', json: 'evalgate-drift.json' } as const;

/**
 * `mode: drift`, for a `schedule:` workflow: `evalgate drift` over the `current` window's
 * records against the `reference` window's (or the eval baseline), composed by the same
 * function as the CLI (production/drift/check.ts). The Markdown report goes to the step
 * summary and to evalgate-drift.md, the JSON to evalgate-drift.json; outputs say what was
 * found; a crossed threshold fails the step (exit 1), as `evalgate drift` exits 1.
 *
 * DuckDB is not in the Action's bundle: it is found in the workspace when the workflow
 * installed it (`npm install @duckdb/node-api`), else the streaming reader reads local
 * JSONL (and Parquet or object storage is an error that says to install it).
 */
export async function driftMode(ctx: ActionContext): Promise<void> {
  // An earlier run's reports must not be uploaded as this one's if this one stops half-way.
  for (const name of Object.values(DRIFT_FILES)) rmSync(outPath(ctx, name), { force: true });
  const { current, reference } = ctx.inputs;
  if (!current?.length)
    throw new InputError(
      "mode: drift needs the input 'current': the globs of the records to check, one a line",
    );
  if (!reference?.length)
    throw new InputError(
      "mode: drift needs the input 'reference': the globs of the reference window's records, one a line, or `baseline` (the eval suites and their saved baseline)",
    );
  const dir = workdir(ctx);
  // Loaded here, not at start-up: the other modes carry none of the production code.
  const { runDriftCheck } = await import('../production/drift/check.js');
  const check = await runDriftCheck({
    cwd: dir,
    config: ctx.inputs.config,
    current,
    reference,
    env: ctx.env,
    duckDbSearchDirs: [dir, ctx.workspace],
    ...(ctx.github && { github: { octokit: ctx.github.octokit, ...ctx.repo } }),
  });
  const { report } = check;
  writeFile(ctx, DRIFT_FILES.report, check.markdown);
  writeFile(ctx, DRIFT_FILES.json, `${JSON.stringify(report, null, 2)}\n`);
  await ctx.io.appendSummary(fitStepSummary(check.markdown, DRIFT_FILES.report));
  ctx.io.info(
    `evalgate: drift ${report.status} (${check.engine} engine; reference ${report.windows.reference}, current ${report.windows.current})`,
  );
  setOutputs(ctx, {
    verdict: report.status === 'alarm' ? 'fail' : report.status === 'stable' ? 'pass' : 'inconclusive',
    'drift-status': report.status,
    'drift-alarms': terminalText(report.alarms.join(',')),
    'drift-report-path': outPath(ctx, DRIFT_FILES.json),
  });
  if (report.status === 'alarm')
    ctx.io.setFailed(
      // Feature names include the records' grader names: escaped before they reach the log.
      `evalgate: drift in ${report.alarms.length} feature${report.alarms.length === 1 ? '' : 's'}: ${terminalText(report.alarms.join(', '))} (see the step summary)`,
    );
}
