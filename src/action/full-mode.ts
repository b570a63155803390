import { gateChange } from '../pipeline/gate-change.js';
import { throwIfCancelled } from './cancel.js';
import { FILES, type ActionContext } from './types.js';
import {
  setRunOutputs,
  writeFile,
  clearReports,
  openProject,
  pickSuites,
  pipelineOptions,
  comparisonJson,
  failOnVerdict,
  mergedShards,
  overBudget,
  setOutputs,
} from './job.js';
import { summary } from './publish.js';

/** `mode: full` (schedule, workflow_dispatch): every suite against the stored baselines; the step summary. */
export async function fullMode(ctx: ActionContext): Promise<void> {
  clearReports(ctx);
  const project = openProject(ctx);
  const suites = ctx.inputs.suites.length ? pickSuites(project, ctx.inputs.suites) : project.suites;
  // Scheduled and manual runs have no base revision: failing blockers are confirmed in this
  // arm only, and nothing is settled.
  const refused = await overBudget(ctx, project, suites);
  if (refused) {
    writeFile(ctx, FILES.report, await summary(ctx, '', { verdict: refused }));
    setOutputs(ctx, { verdict: refused.verdict, 'suites-run': '' });
    failOnVerdict(ctx, refused);
    return;
  }
  const current = mergedShards(ctx);
  const gated = await gateChange({ ...pipelineOptions(ctx, project, suites), ...(current && { current }) });
  throwIfCancelled(ctx.signal);
  writeFile(ctx, FILES.comparison, comparisonJson(gated));
  const report = await summary(ctx, '', {
    verdict: gated.verdict,
    comparison: gated.comparison,
    results: gated.results,
    notes: gated.notes,
  });
  writeFile(ctx, FILES.report, report);
  setRunOutputs(ctx, gated.verdict, gated.results);
  failOnVerdict(ctx, gated.verdict);
}
