import { renderConfirmationText } from '../gate/confirm.js';
import { recordBaseline } from '../pipeline/record-baseline.js';
import { isCancellation, throwIfCancelled } from './cancel.js';
import { FILES, type ActionContext } from './types.js';
import {
  outPath,
  clearReports,
  openProject,
  pickSuites,
  pipelineOptions,
  setOutputs,
  failOnVerdict,
  githubOrOwnMessage,
  mergedShards,
  overBudget,
} from './job.js';
import { summary } from './publish.js';
import { escapeMarkdown } from '../report/escape.js';

/** `mode: baseline`: the default branch's run, its failing blockers confirmed, saved as the baselines. */
export async function baselineMode(ctx: ActionContext): Promise<void> {
  clearReports(ctx);
  const { io } = ctx;
  const project = openProject(ctx);
  const suites = ctx.inputs.suites.length ? pickSuites(project, ctx.inputs.suites) : project.suites;
  const refused = await overBudget(ctx, project, suites);
  if (refused) {
    await summary(
      ctx,
      `### evalgate baseline: not recorded: ${escapeMarkdown(refused.reasons[0]!.message, { maxLength: 500 })}\n\n`,
      {
        verdict: refused,
      },
    );
    setOutputs(ctx, { verdict: refused.verdict, 'suites-run': '' });
    failOnVerdict(ctx, refused);
    return;
  }
  const current = mergedShards(ctx);
  const recorded = await recordBaseline({
    ...pipelineOptions(ctx, project, suites),
    ...(current && { current }),
  }).catch((e: unknown) => {
    if (isCancellation(e)) throw e;
    throw new Error(`recording the baselines failed: ${githubOrOwnMessage(e)}`, { cause: e });
  });
  throwIfCancelled(ctx.signal);
  const confirmation = renderConfirmationText(recorded.confirmation);
  if (confirmation) io.info(confirmation.trimEnd());
  const { save } = recorded;
  let headline: string;
  if (save.status !== 'saved') {
    (save.status === 'refused' ? io.warning : io.info)(`evalgate: ${save.why}`);
    headline = `### evalgate baseline: ${save.why}`;
  } else {
    const commit = save.commit ? ` in commit ${save.commit.slice(0, 12)}` : '';
    const created = save.created.length
      ? `baseline created for ${save.created.length === save.suites.length ? 'every suite' : save.created.map((id) => `\`${id.replace(/`/g, '')}\``).join(', ')}`
      : '';
    const updated = save.suites.length - save.created.length;
    const parts = [created, updated ? `${updated} baseline(s) updated` : ''].filter(Boolean).join('; ');
    headline = `### evalgate baseline: ${parts} (${save.suites.length} suite(s) saved to ${save.where.replace(/`/g, '')}${commit})`;
    io.info(`evalgate: ${parts}, saved to ${save.where}${commit}`);
  }
  await summary(ctx, `${headline}\n\n`, { verdict: recorded.verdict, results: recorded.results });
  setOutputs(ctx, {
    verdict: recorded.verdict.verdict,
    'results-path': outPath(ctx, FILES.results),
    'suites-run': recorded.results.suites.map((s) => s.id).join(','),
  });
  failOnVerdict(ctx, recorded.verdict);
}
