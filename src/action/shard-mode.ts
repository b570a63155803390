import { shardSuites } from '../plan/shard.js';
import { runStage } from '../pipeline/run-stage.js';
import { throwIfCancelled } from './cancel.js';

import {
  clearReports,
  openProject,
  outPath,
  overBudget,
  pickSuites,
  pipelineOptions,
  setOutputs,
  planPullRequest,
} from './job.js';
import { FILES, type ActionContext } from './types.js';

/**
 * `shard: I/N`, a job of a matrix: run this shard's part of what the mode would run (the
 * plan's suites for a pull request, every suite otherwise) and write its Results, for the
 * artifact the workflow uploads. No check, no comment and no verdict: a failing blocker may
 * still be cleared by confirmation, which the job that merges the shards (`shards: DIR`) runs
 * before it publishes the one verdict. The job fails only when it could not run.
 */
export async function shardMode(ctx: ActionContext): Promise<void> {
  const { inputs, io } = ctx;
  const spec = inputs.shard!;
  clearReports(ctx);
  const project = openProject(ctx);
  const suites =
    ctx.mode === 'pr'
      ? (await planPullRequest(ctx, project)).suites
      : inputs.suites.length
        ? pickSuites(project, inputs.suites)
        : project.suites;
  // The budget is the whole run's: every shard computes the same estimate and refuses alike;
  // the merging job then publishes the refusal.
  if (await overBudget(ctx, project, suites)) {
    setOutputs(ctx, { 'suites-run': '' });
    return;
  }
  const { suites: mine, info } = shardSuites(suites, spec);
  const cases = mine.reduce((n, s) => n + s.cases.length, 0);
  io.info(`evalgate: shard ${spec.index}/${spec.count}: ${cases} of ${info.totalCases} cases`);
  const options = pipelineOptions(ctx, project, mine);
  const { outcome } = await runStage({ ...options, run: { ...options.run, shard: info } });
  throwIfCancelled(ctx.signal);
  const s = outcome.summary;
  io.info(
    `evalgate: shard ${spec.index}/${spec.count}: ${s.passed} passed, ${s.failed} failed, ${s.errors} errors`,
  );
  setOutputs(ctx, {
    'results-path': outPath(ctx, FILES.results),
    'suites-run': mine.map((s) => s.id).join(','),
  });
}
