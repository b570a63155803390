/**
 * The GitHub calls evalgate makes, and nothing more: the port the rest of the code depends on.
 * Each slice is its own interface so a consumer asks only for what it uses (the baseline store
 * takes `GitDataApi`, the publisher `CommentsApi & ChecksApi`), and a test fake stays small.
 *
 * `createGitHubApi` implements it over an Octokit from `createGitHubClient`; failures surface as
 * Octokit's RequestError (with `status`), to be explained by `describeGitHubError`. The two
 * outcomes callers branch on are values, not errors: a missing ref is `undefined`, and a ref
 * update that lost a race is `{ status: 'conflict' }`.
 */
import type { GitHubOctokit } from './client.js';

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface RepositoryInfo {
  fullName: string;
  defaultBranch: string;
  private: boolean;
}

export interface AuthenticatedUser {
  login: string;
  type: string;
}

export interface PullRequestInfo {
  number: number;
  state: string;
  headSha: string;
  headRef: string;
  baseSha: string;
  baseRef: string;
  /** GitHub's count, which can exceed what the files listing returns (capped at 3,000). */
  changedFiles: number;
}

export interface PullRequestFile {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previous_filename?: string;
  additions: number;
  deletions: number;
  changes: number;
  /** Missing for binary files and for diffs too large to show. */
  patch?: string;
}

export interface IssueComment {
  id: number;
  body: string;
  /** Null when the author's account was deleted. */
  userLogin: string | null;
  userType: string | null;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
}

export type CheckRunStatus = 'queued' | 'in_progress' | 'completed';
export type CheckRunConclusion =
  'action_required' | 'cancelled' | 'failure' | 'neutral' | 'success' | 'skipped' | 'timed_out';

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  /** At most 50 per request (GitHub's limit); send more through further updates. */
  annotations?: CheckRunAnnotation[];
}

export interface CheckRunFields {
  name?: string;
  status?: CheckRunStatus;
  conclusion?: CheckRunConclusion;
  detailsUrl?: string;
  externalId?: string;
  startedAt?: string;
  completedAt?: string;
  output?: CheckRunOutput;
}

export interface CheckRunInfo {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  htmlUrl: string | null;
}

export interface GitTreeEntry {
  path: string;
  mode: '100644' | '100755' | '040000' | '160000' | '120000';
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

/** An entry for `createTree`: new text content, an existing object, or `sha: null` to delete. */
export type GitTreeWrite =
  | { path: string; mode?: '100644' | '100755'; content: string }
  | { path: string; mode: GitTreeEntry['mode']; type: GitTreeEntry['type']; sha: string | null };

export interface GitCommitInfo {
  sha: string;
  treeSha: string;
  parents: string[];
  message: string;
}

export type RefUpdate = { status: 'updated'; sha: string } | { status: 'conflict'; message: string };

export interface PullRequestsApi {
  getPullRequest(pullNumber: number): Promise<PullRequestInfo>;
  /** Every page, 100 at a time (GitHub lists at most 3,000 files). */
  listPullRequestFiles(pullNumber: number): Promise<PullRequestFile[]>;
}

export interface CommentsApi {
  /** Every page of the issue's (or pull request's) comments, oldest first. */
  listIssueComments(issueNumber: number): Promise<IssueComment[]>;
  createIssueComment(issueNumber: number, body: string): Promise<IssueComment>;
  updateIssueComment(commentId: number, body: string): Promise<IssueComment>;
}

export interface ChecksApi {
  createCheckRun(headSha: string, fields: CheckRunFields & { name: string }): Promise<CheckRunInfo>;
  updateCheckRun(checkRunId: number, fields: CheckRunFields): Promise<CheckRunInfo>;
  /** Check runs on a commit, every page; `checkName` filters by name. */
  listCheckRunsForRef(ref: string, options?: { checkName?: string }): Promise<CheckRunInfo[]>;
}

export interface GitDataApi {
  /** `heads/main` → the commit it points at, or undefined when the ref does not exist. */
  getRef(ref: string): Promise<{ ref: string; sha: string } | undefined>;
  getCommit(sha: string): Promise<GitCommitInfo>;
  getTree(
    treeSha: string,
    options?: { recursive?: boolean },
  ): Promise<{ sha: string; truncated: boolean; entries: GitTreeEntry[] }>;
  getBlob(sha: string): Promise<Buffer>;
  createBlob(content: Buffer | string): Promise<string>;
  createTree(entries: GitTreeWrite[], baseTree?: string): Promise<string>;
  createCommit(input: { message: string; tree: string; parents: string[] }): Promise<string>;
  /** `refs/heads/x`. A ref that already exists is a conflict. */
  createRef(ref: string, sha: string): Promise<RefUpdate>;
  /**
   * `heads/x`. Without `force`, compare-and-swap: when `sha` does not descend from the current
   * tip (someone else moved it), a conflict, and the caller re-reads and retries.
   */
  updateRef(ref: string, sha: string, options?: { force?: boolean }): Promise<RefUpdate>;
}

export interface RepositoryApi {
  getRepository(): Promise<RepositoryInfo>;
  /** Fails with 403 for installation tokens such as GITHUB_TOKEN, as on GitHub. */
  getAuthenticatedUser(): Promise<AuthenticatedUser>;
}

export interface GitHubApi extends RepositoryApi, PullRequestsApi, CommentsApi, ChecksApi, GitDataApi {
  readonly repository: RepoRef;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown } } } | null)?.response?.data;
  if (typeof data?.message === 'string') return data.message;
  return error instanceof Error ? error.message : String(error);
}

function toComment(data: {
  id: number;
  body?: string;
  user: { login: string; type: string } | null;
  html_url: string;
  created_at: string;
  updated_at: string;
}): IssueComment {
  return {
    id: data.id,
    body: data.body ?? '',
    userLogin: data.user?.login ?? null,
    userType: data.user?.type ?? null,
    htmlUrl: data.html_url,
    createdAt: data.created_at,
    updatedAt: data.updated_at,
  };
}

function toCheckRun(data: {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  html_url: string | null;
}): CheckRunInfo {
  return {
    id: data.id,
    name: data.name,
    headSha: data.head_sha,
    status: data.status,
    conclusion: data.conclusion,
    htmlUrl: data.html_url,
  };
}

function checkRunBody(fields: CheckRunFields) {
  return {
    ...(fields.name !== undefined ? { name: fields.name } : {}),
    ...(fields.status !== undefined ? { status: fields.status } : {}),
    ...(fields.conclusion !== undefined ? { conclusion: fields.conclusion } : {}),
    ...(fields.detailsUrl !== undefined ? { details_url: fields.detailsUrl } : {}),
    ...(fields.externalId !== undefined ? { external_id: fields.externalId } : {}),
    ...(fields.startedAt !== undefined ? { started_at: fields.startedAt } : {}),
    ...(fields.completedAt !== undefined ? { completed_at: fields.completedAt } : {}),
    ...(fields.output !== undefined ? { output: fields.output } : {}),
  };
}

/** Narrows an Octokit from `createGitHubClient` to the calls above, for one repository. */
export function createGitHubApi(octokit: GitHubOctokit, repository: RepoRef): GitHubApi {
  const repo = { owner: repository.owner, repo: repository.repo };
  const rest = octokit.rest;

  const refResult = async (
    write: () => Promise<{ data: { object: { sha: string } } }>,
  ): Promise<RefUpdate> => {
    try {
      const { data } = await write();
      return { status: 'updated', sha: data.object.sha };
    } catch (error) {
      const message = messageOf(error);
      if (statusOf(error) === 422 && /not a fast forward|already exists/i.test(message)) {
        return { status: 'conflict', message };
      }
      throw error;
    }
  };

  return {
    repository: { ...repo },

    async getRepository() {
      const { data } = await rest.repos.get(repo);
      return { fullName: data.full_name, defaultBranch: data.default_branch, private: data.private };
    },

    async getAuthenticatedUser() {
      const { data } = await rest.users.getAuthenticated();
      return { login: data.login, type: data.type };
    },

    async getPullRequest(pullNumber) {
      const { data } = await rest.pulls.get({ ...repo, pull_number: pullNumber });
      return {
        number: data.number,
        state: data.state,
        headSha: data.head.sha,
        headRef: data.head.ref,
        baseSha: data.base.sha,
        baseRef: data.base.ref,
        changedFiles: data.changed_files,
      };
    },

    async listPullRequestFiles(pullNumber) {
      const files = await octokit.paginate(rest.pulls.listFiles, {
        ...repo,
        pull_number: pullNumber,
        per_page: 100,
      });
      return files.map((file) => ({
        filename: file.filename,
        status: file.status,
        ...(file.previous_filename !== undefined ? { previous_filename: file.previous_filename } : {}),
        additions: file.additions,
        deletions: file.deletions,
        changes: file.changes,
        ...(file.patch !== undefined ? { patch: file.patch } : {}),
      }));
    },

    async listIssueComments(issueNumber) {
      const comments = await octokit.paginate(rest.issues.listComments, {
        ...repo,
        issue_number: issueNumber,
        per_page: 100,
      });
      return comments.map(toComment);
    },

    async createIssueComment(issueNumber, body) {
      const { data } = await rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
      return toComment(data);
    },

    async updateIssueComment(commentId, body) {
      const { data } = await rest.issues.updateComment({ ...repo, comment_id: commentId, body });
      return toComment(data);
    },

    async createCheckRun(headSha, fields) {
      const { data } = await rest.checks.create({
        ...repo,
        head_sha: headSha,
        ...checkRunBody(fields),
        name: fields.name,
      });
      return toCheckRun(data);
    },

    async updateCheckRun(checkRunId, fields) {
      const { data } = await rest.checks.update({
        ...repo,
        check_run_id: checkRunId,
        ...checkRunBody(fields),
      });
      return toCheckRun(data);
    },

    async listCheckRunsForRef(ref, options = {}) {
      const runs = await octokit.paginate(rest.checks.listForRef, {
        ...repo,
        ref,
        per_page: 100,
        ...(options.checkName !== undefined ? { check_name: options.checkName } : {}),
      });
      return runs.map(toCheckRun);
    },

    async getRef(ref) {
      try {
        const { data } = await rest.git.getRef({ ...repo, ref: ref.replace(/^refs\//, '') });
        return { ref: data.ref, sha: data.object.sha };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },

    async getCommit(sha) {
      const { data } = await rest.git.getCommit({ ...repo, commit_sha: sha });
      return {
        sha: data.sha,
        treeSha: data.tree.sha,
        parents: data.parents.map((parent) => parent.sha),
        message: data.message,
      };
    },

    async getTree(treeSha, options = {}) {
      const { data } = await rest.git.getTree({
        ...repo,
        tree_sha: treeSha,
        ...(options.recursive ? { recursive: 'true' } : {}),
      });
      return {
        sha: data.sha,
        truncated: data.truncated,
        entries: data.tree.map((entry) => ({
          path: entry.path,
          mode: entry.mode as GitTreeEntry['mode'],
          type: entry.type as GitTreeEntry['type'],
          sha: entry.sha,
        })),
      };
    },

    async getBlob(sha) {
      const { data } = await rest.git.getBlob({ ...repo, file_sha: sha });
      return data.encoding === 'base64'
        ? Buffer.from(data.content, 'base64')
        : Buffer.from(data.content, 'utf8');
    },

    async createBlob(content) {
      const { data } = await rest.git.createBlob({
        ...repo,
        content: typeof content === 'string' ? content : content.toString('base64'),
        encoding: typeof content === 'string' ? 'utf-8' : 'base64',
      });
      return data.sha;
    },

    async createTree(entries, baseTree) {
      const { data } = await rest.git.createTree({
        ...repo,
        ...(baseTree !== undefined ? { base_tree: baseTree } : {}),
        tree: entries.map((entry) =>
          'content' in entry
            ? {
                path: entry.path,
                mode: entry.mode ?? '100644',
                type: 'blob' as const,
                content: entry.content,
              }
            : { path: entry.path, mode: entry.mode, type: entry.type, sha: entry.sha },
        ),
      });
      return data.sha;
    },

    async createCommit(input) {
      const { data } = await rest.git.createCommit({ ...repo, ...input });
      return data.sha;
    },

    createRef(ref, sha) {
      return refResult(() => rest.git.createRef({ ...repo, ref, sha }));
    },

    updateRef(ref, sha, options = {}) {
      return refResult(() =>
        rest.git.updateRef({ ...repo, ref: ref.replace(/^refs\//, ''), sha, force: options.force ?? false }),
      );
    },
  };
}
