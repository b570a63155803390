import type { CommentsApi, GitDataApi, GitHubOctokit, RepoRef } from '../../github/index.js';
import { createGitHubApi } from '../../github/index.js';

/**
 * The GitHub calls the incident workflow makes, narrowed as src/github/api.ts narrows the
 * rest: issues (list by label, create, close), their comments, the Git Data calls the baseline
 * store makes, and listing and opening pull requests.
 */
export interface IncidentIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  htmlUrl: string;
  labels: string[];
  /** Who opened it: evalgate's own entries are the comments by the same account. */
  authorLogin: string | null;
}

export interface IssuesApi {
  /** Every page of the open issues carrying `label` (pull requests left out). */
  listOpenIssues(label: string): Promise<IncidentIssue[]>;
  createIssue(input: { title: string; body: string; labels: string[] }): Promise<IncidentIssue>;
  closeIssue(number: number, reason: 'completed' | 'duplicate'): Promise<void>;
}

export interface OpenPullRequest {
  number: number;
  htmlUrl: string;
  headRef: string;
}

export interface PullRequestWriteApi {
  readonly repository: RepoRef;
  /** Open pull requests from `branch` of this repository. */
  listOpenPullRequests(branch: string): Promise<OpenPullRequest[]>;
  createPullRequest(input: {
    title: string;
    body: string;
    head: string;
    base: string;
  }): Promise<OpenPullRequest>;
  getDefaultBranch(): Promise<string>;
}

export type IncidentGitHub = IssuesApi & Pick<CommentsApi, 'listIssueComments' | 'createIssueComment'>;
export type CasePullRequestGitHub = GitDataApi & PullRequestWriteApi;

export function createIncidentGitHub(
  octokit: GitHubOctokit,
  repository: RepoRef,
): IncidentGitHub & CasePullRequestGitHub {
  const repo = { owner: repository.owner, repo: repository.repo };
  const rest = octokit.rest;
  const api = createGitHubApi(octokit, repository);
  const toIssue = (d: {
    number: number;
    title: string;
    body?: string | null;
    state: string;
    html_url: string;
    labels: (string | { name?: string })[];
    user: { login: string } | null;
  }): IncidentIssue => ({
    number: d.number,
    title: d.title,
    body: d.body ?? '',
    state: d.state === 'closed' ? 'closed' : 'open',
    htmlUrl: d.html_url,
    labels: d.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
    authorLogin: d.user?.login ?? null,
  });
  const toPull = (d: { number: number; html_url: string; head: { ref: string } }): OpenPullRequest => ({
    number: d.number,
    htmlUrl: d.html_url,
    headRef: d.head.ref,
  });
  return {
    ...api,
    listIssueComments: (n) => api.listIssueComments(n),
    createIssueComment: (n, body) => api.createIssueComment(n, body),

    async listOpenIssues(label) {
      const issues = await octokit.paginate(rest.issues.listForRepo, {
        ...repo,
        state: 'open',
        labels: label,
        per_page: 100,
      });
      return issues.filter((i) => !i.pull_request).map(toIssue);
    },

    async createIssue(input) {
      const { data } = await rest.issues.create({ ...repo, ...input });
      return toIssue(data);
    },

    async closeIssue(number, reason) {
      await rest.issues.update({ ...repo, issue_number: number, state: 'closed', state_reason: reason });
    },

    async listOpenPullRequests(branch) {
      const pulls = await octokit.paginate(rest.pulls.list, {
        ...repo,
        state: 'open',
        head: `${repo.owner}:${branch}`,
        per_page: 100,
      });
      return pulls.map(toPull);
    },

    async createPullRequest(input) {
      const { data } = await rest.pulls.create({ ...repo, ...input });
      return toPull(data);
    },

    async getDefaultBranch() {
      return (await api.getRepository()).defaultBranch;
    },
  };
}
