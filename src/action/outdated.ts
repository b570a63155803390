import { relative, resolve, sep } from 'node:path';
import { describeGitHubError, type GitHubApi } from '../github/index.js';
import { findStickyComments } from '../publish/sticky-comment.js';
import { commentCommit, markCommentOutdated, type CommitRef } from '../report/comment.js';
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
 * going, or after it was cancelled. The run's own comment replaces it when it finishes.
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
