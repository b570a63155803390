import { gateChange } from '../pipeline/gate-change.js';
import { completeCheckRun } from '../publish/check-run.js';
import { isCancellation, throwIfCancelled } from './cancel.js';
import { markOutdated, noteCancelled } from './outdated.js';
import { pullRequestOf, TWO_WORKFLOW_HINT } from './context.js';
import { FILES, type ActionContext } from './types.js';
import {
  setRunOutputs,
  writeFile,
  clearReports,
  openProject,
  pipelineOptions,
  verdictOf,
  comparisonJson,
  setOutputs,
  failOnVerdict,
  mergedShards,
  overBudget,
  planPullRequest,
} from './job.js';
import { github, publishPullRequest, startCheck } from './publish.js';

/** `mode: pr`: plan the change, run what it affects through the pipeline, publish one verdict. */
export async function prMode(ctx: ActionContext): Promise<void> {
  const { inputs, io } = ctx;
  clearReports(ctx);
  const pr = pullRequestOf(ctx.payload);
  writeFile(ctx, FILES.pr, `${JSON.stringify({ number: pr.number, headSha: pr.headSha })}\n`);
  if (pr.fromFork)
    io.info(
      `Pull request #${pr.number} comes from a fork: GitHub gives its workflows a read-only token, so the comment and the check may be refused. The reports are still written; to publish them, ${TWO_WORKFLOW_HINT}.`,
    );
  // Started first, so even a config error ends in a failed check rather than one that never comes.
  const check = await startCheck(ctx, pr.headSha);
  // An earlier commit's verdict must not pass for this one's while this one runs.
  // Concurrently with the plan and the run: it only edits the old comment, and never throws.
  const outdated = markOutdated(ctx, { number: pr.number, headSha: pr.headSha }).catch((e: unknown) => {
    io.warning(`Could not mark the earlier verdict outdated: ${e instanceof Error ? e.message : String(e)}`);
    return 'skipped' as const;
  });
  // Cancelled or timed out before a verdict: the notice must stop saying this commit is being evaluated.
  ctx.onCancel?.({
    what: 'update the outdated notice',
    run: (api) => noteCancelled(ctx, { number: pr.number, headSha: pr.headSha }, outdated, api),
  });
  try {
    const project = openProject(ctx);
    const { plan, suites } = await planPullRequest(ctx, project);
    io.info(
      suites.length
        ? `Suites to run: ${suites.map((s) => s.id).join(', ')}`
        : 'Nothing evaluated is affected by this change: no suite runs.',
    );

    if (suites.length === 0) {
      const verdict = verdictOf('pass');
      await outdated;
      await publishPullRequest(ctx, { number: pr.number, headSha: pr.headSha, check, plan, verdict });
      setOutputs(ctx, { verdict: 'pass', 'suites-run': '' });
      return;
    }

    // Cost before spending: a run above budget.maxCostUSD is refused before any call; the
    // comment says why and the check is neutral (inconclusive: nothing was measured).
    const refused = await overBudget(ctx, project, suites);
    if (refused) {
      await outdated;
      await publishPullRequest(ctx, {
        number: pr.number,
        headSha: pr.headSha,
        check,
        plan,
        verdict: refused,
      });
      setOutputs(ctx, { verdict: refused.verdict, 'suites-run': '' });
      failOnVerdict(ctx, refused);
      return;
    }

    const current = mergedShards(ctx);
    const gated = await gateChange({
      ...pipelineOptions(ctx, project, suites),
      baseRef: inputs.base || pr.baseSha,
      ...(current && { current }),
    });
    // A run cut short by the cancel is no run to compare or gate: stop before any verdict.
    throwIfCancelled(ctx.signal);
    writeFile(ctx, FILES.comparison, comparisonJson(gated));
    await outdated;
    await publishPullRequest(ctx, {
      number: pr.number,
      headSha: pr.headSha,
      check,
      plan,
      results: gated.results,
      comparison: gated.comparison,
      verdict: gated.verdict,
      notes: gated.notes,
    });
    setRunOutputs(ctx, gated.verdict, gated.results);
    failOnVerdict(ctx, gated.verdict);
  } catch (e) {
    await outdated;
    // Cancelled: main.ts completes the check as cancelled; nothing here may claim a verdict.
    if (isCancellation(e) || ctx.signal?.aborted) throw e;
    // The check must not stay in progress forever: branch protection would wait on it.
    if (check && ctx.github) {
      const message = e instanceof Error ? e.message : String(e);
      await github(ctx, 'complete the check run', () =>
        completeCheckRun(ctx.github!.api, check.id, {
          conclusion: 'failure',
          title: 'evalgate: error',
          summary: `evalgate could not finish:\n\n\`\`\`text\n${message.slice(0, 60_000).replace(/```/g, "'''")}\n\`\`\``,
          annotations: [],
        }),
      );
    }
    ctx.io.setOutput('verdict', 'error');
    throw e;
  }
}
