import { relative, resolve, sep } from 'node:path';
import type { CommentsApi } from '../github/api.js';
import { describeGitHubError, type GitHubApi } from '../github/index.js';
import { findStickyComments } from '../publish/sticky-comment.js';
import {
  commentCommit,
  markCommentCancelled,
  markCommentOutdated,
  outdatedNotice,
  type CommitRef,
} from '../report/comment.js';
import type { ActionInputs } from './context.js';

/**
 * What these functions read of the Action's context: types.ts's `ActionContext` satisfies
 * it. Declared here, narrow, so this module depends on nothing of the modes that call it.
 */
export interface OutdatedContext {
  inputs: Pick<ActionInputs, 'comment' | 'config' | 'workingDirectory'>;
  /** GITHUB_WORKSPACE: the comment key is relative to it. */
  workspace: string;
  repo: { owner: string; repo: string };
  serverUrl?: string;
  signal?: AbortSignal;
  github?: { api: GitHubApi };
  io: { debug(message: string): void; info(message: string): void; warning(message: string): void };
}

/**
 * The sticky comment's identity, shared by the run that posts it and the one that marks it
 * outdated: the config path relative to the workspace as the key, and the authors whose
 * comments may be ours (the job's bot, plus a personal token's user).
 */
export function commentKey(ctx: OutdatedContext): string {
  return relative(ctx.workspace, resolve(ctx.workspace, ctx.inputs.workingDirectory, ctx.inputs.config))
    .split(sep)
    .join('/');
}

/** Asked once per run: marking the old comment outdated and posting the new one share it. */
const authorsOf = new WeakMap<OutdatedContext, Promise<string[]>>();

export function commentAuthors(ctx: OutdatedContext): Promise<string[]> {
  let authors = authorsOf.get(ctx);
  if (!authors) authorsOf.set(ctx, (authors = lookUpAuthors(ctx)));
  return authors;
}

async function lookUpAuthors(ctx: OutdatedContext): Promise<string[]> {
  const authors = ['github-actions[bot]'];
  const me = await ctx.github?.api.getAuthenticatedUser().catch((e: unknown) => {
    // Installation tokens cannot read /user; only a personal token adds its login.
    ctx.io.debug(`GET /user: ${describeGitHubError(e).problem}`);
    return undefined;
  });
  if (me && !authors.includes(me.login)) authors.push(me.login);
  return authors;
}

/** The commit, linked to its page when the server URL and repository are known. */
export function commitRef(ctx: OutdatedContext, sha: string): CommitRef {
  const { owner, repo } = ctx.repo;
  return {
    sha,
    ...(ctx.serverUrl && owner && repo && { url: `${ctx.serverUrl}/${owner}/${repo}/commit/${sha}` }),
  };
}

export type OutdatedResult =
  /** The comment now says it is outdated (or already said so for this commit). */
  | 'marked'
  /** Its verdict is for this very commit (a re-run): left as it is. */
  | 'current'
  /** No comment of ours, or one from before comments named their commit. */
  | 'none'
  /** Nothing to do: no GitHub, `comment: false`, cancelled, or GitHub refused (a warning says why). */
  | 'skipped';

/**
 * At the start of a pull-request run: if our sticky comment holds the verdict of another
 * commit, edit it in place at once to say so (`⏳ Outdated: this verdict is for abc1234;
 * evaluating def5678…`), so an old pass never reads as the current one while the new run is
 * going. The run's own comment replaces it when it finishes; if the run is cancelled (or
 * times out) first, `noteCancelled` says so on the notice.
 */
export async function markOutdated(
  ctx: OutdatedContext,
  pr: { number: number; headSha: string },
): Promise<OutdatedResult> {
  if (!ctx.github || !ctx.inputs.comment || ctx.signal?.aborted) return 'skipped';
  const api = ctx.github.api;
  try {
    const [ours] = await findStickyComments(api, {
      issueNumber: pr.number,
      key: commentKey(ctx),
      authors: await commentAuthors(ctx),
    });
    const judged = ours && commentCommit(ours.body);
    if (!ours || !judged) return 'none';
    if (judged === pr.headSha.toLowerCase()) return 'current';
    const body = markCommentOutdated(ours.body, {
      judged: commitRef(ctx, judged),
      current: commitRef(ctx, pr.headSha),
    });
    if (body !== ours.body) await api.updateIssueComment(ours.id, body);
    ctx.io.info(`Marked the comment for ${judged.slice(0, 7)} outdated: ${ours.htmlUrl}`);
    return 'marked';
  } catch (e) {
    const err = e as { status?: unknown; request?: unknown } | null;
    if (typeof err?.status !== 'number' && !err?.request) throw e;
    ctx.io.warning(`Could not mark the earlier comment outdated: ${describeGitHubError(e).message}`);
    return 'skipped';
  }
}

export type CancelledNoticeResult =
  /** The notice now says the evaluation of this run's commit was cancelled or timed out. */
  | 'cancelled'
  /** It already said so: the cancel path had run before (a second signal). */
  | 'unchanged'
  /** The notice names another commit, or is gone (a newer run's notice, or a verdict): left alone. */
  | 'superseded'
  /** This run marked no comment outdated: nothing of ours to correct. */
  | 'none'
  /** GitHub refused or failed (a warning says why). */
  | 'skipped';

/**
 * The cancel path's correction of the notice `markOutdated` wrote (a CancelTask, see
 * cancel.ts): once this run is cancelled or timed out, nothing is evaluating its commit any
 * more, so `evaluating def5678…` becomes `the evaluation of def5678 was cancelled or timed out
 * before a verdict: re-run the job`. `marking` is this run's `markOutdated`; `api` the cancel
 * path's own client.
 *
 * Only a notice that names this run's commit is rewritten, compared by the full sha on the
 * notice's hidden line (report/comment.ts), on the same sticky comment (our key, our authors)
 * `markOutdated` found. A newer commit's run marks the comment for its own commit at its start;
 * that notice, or the verdict that replaced it, is left as it is.
 *
 * GitHub has no conditional write for comments, so the read and the write cannot be one step:
 * a newer run that marks the comment between the two has its `evaluating` line replaced by this
 * one. That window is one request long, and it opens only in the seconds after this run's
 * cancel, while a newer run that cancelled it is still starting its job; and what it leaves is
 * still true (this verdict is outdated; this commit's evaluation was cancelled), never a
 * verdict that reads as current. The newer run's own comment replaces the whole body when it
 * finishes.
 */
export async function noteCancelled(
  ctx: OutdatedContext,
  pr: { number: number; headSha: string },
  marking: Promise<OutdatedResult>,
  api: CommentsApi,
): Promise<CancelledNoticeResult> {
  if ((await marking) !== 'marked') return 'none';
  const head = pr.headSha.toLowerCase();
  try {
    const [ours] = await findStickyComments(api, {
      issueNumber: pr.number,
      key: commentKey(ctx),
      authors: await commentAuthors(ctx),
    });
    const notice = ours && outdatedNotice(ours.body);
    const judged = ours && commentCommit(ours.body);
    if (!ours || !notice || !judged || notice.sha !== head) {
      ctx.io.info(
        `The outdated notice no longer names ${head.slice(0, 7)} (${
          notice ? `it names ${notice.sha.slice(0, 7)}` : 'a newer run or verdict replaced it'
        }): left as it is.`,
      );
      return 'superseded';
    }
    if (notice.state === 'cancelled') return 'unchanged';
    await api.updateIssueComment(
      ours.id,
      markCommentCancelled(ours.body, { judged: commitRef(ctx, judged), current: commitRef(ctx, head) }),
    );
    ctx.io.info(
      `The outdated notice now says the evaluation of ${head.slice(0, 7)} was cancelled or timed out: ${ours.htmlUrl}`,
    );
    return 'cancelled';
  } catch (e) {
    const err = e as { status?: unknown; request?: unknown } | null;
    if (typeof err?.status !== 'number' && !err?.request) throw e;
    ctx.io.warning(
      `Could not say on the outdated notice that the evaluation of ${head.slice(0, 7)} was cancelled or timed out: ${describeGitHubError(e).message}`,
    );
    return 'skipped';
  }
}
