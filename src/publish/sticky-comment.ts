import type { CommentsApi, IssueComment } from '../github/api.js';
import { hasMarker } from '../report/comment.js';

/**
 * One comment per pull request and config, updated in place (the pattern of
 * marocchino/sticky-pull-request-comment): a hidden marker carrying a key finds it, every page
 * of comments is read, and only comments by our own author count, so nobody can hijack the
 * sticky comment by pasting the marker into theirs.
 */
export interface StickyCommentOptions {
  issueNumber: number;
  key: string;
  /** The full body; its first line is `commentMarker(key)` (see report/comment.ts). */
  body: string;
  /** Logins whose comments may be ours, e.g. `github-actions[bot]` or a PAT's user. */
  authors: string[];
}

export type StickyCommentResult = {
  action: 'created' | 'updated' | 'unchanged';
  comment: IssueComment;
  duplicates: number[];
};

export async function upsertStickyComment(
  api: CommentsApi,
  options: StickyCommentOptions,
): Promise<StickyCommentResult> {
  if (!hasMarker(options.body, options.key)) {
    throw new Error('upsertStickyComment: the body does not start with its marker');
  }
  // Two concurrent first runs can each create one; keep updating the oldest, report the rest.
  const [existing, ...rest] = await findStickyComments(api, options);
  const duplicates = rest.map((c) => c.id);
  if (!existing) {
    return {
      action: 'created',
      comment: await api.createIssueComment(options.issueNumber, options.body),
      duplicates,
    };
  }
  if (existing.body === options.body) return { action: 'unchanged', comment: existing, duplicates };
  return { action: 'updated', comment: await api.updateIssueComment(existing.id, options.body), duplicates };
}

/** Our comments for the key, oldest first: by one of `authors`, with the marker on the first line. */
export async function findStickyComments(
  api: CommentsApi,
  options: { issueNumber: number; key: string; authors: string[] },
): Promise<IssueComment[]> {
  const authors = new Set(options.authors.map((a) => a.toLowerCase()));
  return (await api.listIssueComments(options.issueNumber)).filter(
    (c) => c.userLogin !== null && authors.has(c.userLogin.toLowerCase()) && hasMarker(c.body, options.key),
  );
}
