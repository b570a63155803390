import { type ComparisonDocument } from '../compare/types.js';
import { type Verdict } from '../gate/types.js';
import { describeGitHubError } from '../github/index.js';
import { type Plan } from '../plan/index.js';
import { completeCheckRun, startCheckRun, type CompletedCheck } from '../publish/check-run.js';
import { upsertStickyComment } from '../publish/sticky-comment.js';
import { renderCheckRun } from '../report/check-run.js';
import { COMMENT_MAX_CHARS, renderPrComment, type ReportLinks } from '../report/comment.js';
import { renderStepSummary, STEP_SUMMARY_MAX_BYTES } from '../report/step-summary.js';
import type { ResultsDocument } from '../results/types.js';
import { throwIfCancelled } from './cancel.js';
import { commentAuthors, commentKey, commitRef } from './outdated.js';
import { FILES, type ActionContext } from './types.js';
import { writeFile, isHttpError } from './job.js';

/** Publishing a pull request's verdict: the check run, the sticky comment, the step summary. */
export interface CheckHandle {
  id: number;
  htmlUrl: string | null;
}

export async function startCheck(ctx: ActionContext, headSha: string): Promise<CheckHandle | undefined> {
  throwIfCancelled(ctx.signal);
  if (!ctx.github) return undefined;
  const api = ctx.github.api;
  const started = await github(ctx, 'start the check run', () =>
    startCheckRun(api, {
      headSha,
      name: ctx.inputs.checkName,
      ...(ctx.runUrl && { detailsUrl: ctx.runUrl }),
    }),
  );
  if (started) ctx.io.setOutput('check-run-id', String(started.id));
  return started ? { id: started.id, htmlUrl: started.htmlUrl } : undefined;
}

export interface Publication {
  number: number;
  headSha: string;
  check: CheckHandle | undefined;
  plan?: Plan;
  results?: ResultsDocument;
  comparison?: ComparisonDocument;
  verdict: Verdict;
  notes?: string[];
}

/**
 * The comment, the check and the step summary of one pull request, each within its size
 * limit. A write GitHub refuses is a warning with the fix, never a crash: the step summary
 * and the report files are written whatever happens.
 */
export async function publishPullRequest(ctx: ActionContext, p: Publication): Promise<void> {
  // After a cancel nothing is published as if the run had ended: the cancel path says what happened.
  throwIfCancelled(ctx.signal);
  const { inputs, io } = ctx;
  const notes = p.notes?.length ? `\n${p.notes.map((n) => `> ${n}`).join('\n>\n')}\n` : '';
  const links: ReportLinks = {
    ...(ctx.runUrl && { run: ctx.runUrl }),
    // action.yml uploads the artifact after this step, so its own URL is not known yet; the
    // run page lists it.
    ...(ctx.runUrl && { artifact: `${ctx.runUrl}#artifacts` }),
    ...(p.check?.htmlUrl && { checkRun: p.check.htmlUrl }),
  };
  const input = {
    verdict: p.verdict,
    ...(p.plan && { plan: p.plan }),
    ...(p.results && { results: p.results }),
    ...(p.comparison && { comparison: p.comparison }),
    links,
  };

  const report = await summary(ctx, '', { ...input, notes: p.notes ?? [] });
  writeFile(ctx, FILES.report, report);

  // The check's verdict, worked out before the comment is posted: once the comment shows the
  // verdict, a cancel must complete the check with it too (ctx.onVerdict), not as cancelled.
  const payload = p.check
    ? renderCheckRun({
        ...input,
        failOnInconclusive: inputs.failOnInconclusive,
        name: inputs.checkName,
        repoRoot: ctx.workspace,
        maxSummaryChars: 65_535 - notes.length,
      })
    : undefined;
  const completed: CompletedCheck | undefined = payload && {
    conclusion: payload.conclusion,
    title: payload.title,
    summary: `${payload.summary}${notes}`,
    ...(payload.text !== undefined && { text: payload.text }),
    annotations: payload.annotations,
  };

  if (ctx.github && inputs.comment) {
    const api = ctx.github.api;
    const key = commentKey(ctx);
    const body = `${renderPrComment({
      ...input,
      key,
      // The commit judged, on the headline: a later commit's run marks it outdated (outdated.ts).
      commit: commitRef(ctx, p.headSha),
      maxChars: COMMENT_MAX_CHARS - notes.length,
    })}${notes}`;
    const authors = await commentAuthors(ctx);
    const posted = await github(ctx, 'post the pull-request comment', () =>
      upsertStickyComment(api, { issueNumber: p.number, key, body, authors }),
    );
    if (posted) {
      io.info(`Comment ${posted.action}: ${posted.comment.htmlUrl}`);
      if (posted.duplicates.length)
        io.warning(
          `Found ${posted.duplicates.length} more evalgate comment(s) for ${key} (two runs raced); updated the oldest.`,
        );
      io.setOutput('comment-url', posted.comment.htmlUrl);
      if (p.check && completed) ctx.onVerdict?.(p.check.id, completed);
    }
  }

  if (ctx.github && p.check && completed) {
    const api = ctx.github.api;
    const check = p.check;
    await github(ctx, 'complete the check run', () => completeCheckRun(api, check.id, completed));
  }
}

/** Writes the step summary (within GitHub's 1 MiB) and returns the report it holds. */
export async function summary(
  ctx: ActionContext,
  lead: string,
  input: Parameters<typeof renderStepSummary>[0] & { notes?: string[] },
): Promise<string> {
  const { notes = [], ...report } = input;
  const tail = notes.length ? `\n${notes.map((n) => `> ${n}`).join('\n>\n')}\n` : '';
  const reserved = Buffer.byteLength(lead + tail, 'utf8');
  const text = `${lead}${renderStepSummary({ ...report, maxBytes: STEP_SUMMARY_MAX_BYTES - reserved })}${tail}`;
  try {
    await ctx.io.appendSummary(text);
  } catch (e) {
    ctx.io.warning(`Could not write the step summary: ${(e as Error).message}`);
  }
  return text;
}

/**
 * One GitHub call that may be refused: a 4xx (or what is left after the client's retries)
 * becomes a warning with the fix and `undefined`. Anything that is not GitHub answering is
 * a bug and propagates.
 */
export async function github<T>(
  ctx: ActionContext,
  what: string,
  call: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (!isHttpError(e) && !(e as { request?: unknown } | null)?.request) throw e;
    ctx.io.warning(`Could not ${what}: ${describeGitHubError(e).message}`);
    return undefined;
  }
}
