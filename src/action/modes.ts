import { baselineMode } from './baseline-mode.js';
import { driftMode } from './drift-mode.js';
import { fullMode } from './full-mode.js';
import { prMode } from './pr-mode.js';
import { reportMode } from './report-mode.js';
import { shardMode } from './shard-mode.js';
import type { ActionContext } from './types.js';

/**
 * The four things the Action does, one file each, as compositions of the pipeline
 * (src/pipeline/: plan → run → compare → confirm → settle → gate) and publish:
 *
 *   pr        pr-mode.ts        plan the change, gate it, one comment and one check
 *   baseline  baseline-mode.ts  the default branch's run, saved as the baselines
 *   full      full-mode.ts      every suite against the stored baselines (schedule, dispatch)
 *   report    report-mode.ts    publish another run's artifact (the fork pattern)
 *   incident  incident-mode.ts  a production job: a drift or canary report → the incident's
 *                               issue; a record → a pull request adding its regression case
 *   drift     drift-mode.ts     production records' drift, on a schedule: step summary, exit 1
 *   canary    canary-mode.ts    a rollout's canary decision on production records
 *   (shard)   shard-mode.ts     with `shard: I/N`: one matrix job's part of pr, baseline or
 *                               full; the job with `shards: DIR` merges them and goes on as
 *                               its mode does
 *
 * What they share is in job.ts (report files, outputs, the project) and publish.ts (check,
 * comment, step summary). Everything from outside comes in through `ActionContext`
 * (types.ts): no `@actions/core`, no `process.env`, so a test can drive every mode.
 */
export async function runAction(ctx: ActionContext): Promise<void> {
  ctx.io.info(`evalgate: mode ${ctx.mode}${ctx.inputs.mode === 'auto' ? ' (picked by the event)' : ''}`);
  // A matrix job: its part of the run, for the job that merges the shards to judge.
  if (ctx.inputs.shard && (ctx.mode === 'pr' || ctx.mode === 'baseline' || ctx.mode === 'full'))
    return shardMode(ctx);
  switch (ctx.mode) {
    case 'pr':
      return prMode(ctx);
    case 'baseline':
      return baselineMode(ctx);
    case 'full':
      return fullMode(ctx);
    case 'report':
      return reportMode(ctx);
    // The production modes load their code only when chosen: a pull request's job never reads it.
    case 'drift':
      return driftMode(ctx);
    case 'canary':
      return (await import('./canary-mode.js')).canaryMode(ctx);
    case 'incident':
      return (await import('./incident-mode.js')).incidentMode(ctx);
  }
}
