/**
 * Turns a failed GitHub call into what a person should do about it. Built only from the HTTP
 * status, the method and path, and GitHub's own message, so the token can never appear.
 */

export interface GitHubErrorDescription {
  /** HTTP status, when GitHub answered. */
  status?: number;
  /** What failed, e.g. `POST /repos/o/r/issues/1/comments answered 403: Resource not accessible by integration`. */
  problem: string;
  /** What to change; empty when there is nothing specific to say. */
  remediation: string;
  /** `problem` and `remediation` as one sentence pair, for logs and `core.setFailed`. */
  message: string;
}

const FORK_HINT =
  'for pull requests from forks, GITHUB_TOKEN is read-only whatever the workflow asks: use the two-workflow pattern (a `workflow_run` workflow publishes the results) — see README';

type Area = 'comments' | 'checks' | 'git' | 'pulls' | 'user' | 'repository' | 'other';

function areaOf(path: string): Area {
  if (/\/issues\/(\d+\/comments|comments\/\d+)/.test(path)) return 'comments';
  if (/\/check-runs\b/.test(path)) return 'checks';
  if (/\/git\//.test(path)) return 'git';
  if (/\/pulls\b/.test(path)) return 'pulls';
  if (/^\/user\b/.test(path)) return 'user';
  if (/^\/repos\/[^/]+\/[^/]+\/?$/.test(path)) return 'repository';
  return 'other';
}

function requestOf(error: unknown): { method: string; path: string } {
  const request = (error as { request?: { method?: unknown; url?: unknown } } | null)?.request;
  const method = typeof request?.method === 'string' ? request.method : '';
  let path = '';
  if (typeof request?.url === 'string') {
    try {
      const url = new URL(request.url, 'http://github.invalid');
      // GHES serves the API under /api/v3.
      path = decodeURIComponent(url.pathname.replace(/^\/api\/v3(?=\/)/, ''));
    } catch {
      path = '';
    }
  }
  return { method, path };
}

function githubMessage(error: unknown): { message?: string; details: string[] } {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data;
  if (typeof data !== 'object' || data === null) return { details: [] };
  const { message, errors } = data as { message?: unknown; errors?: unknown };
  const details = Array.isArray(errors)
    ? errors.map((item) => {
        if (typeof item === 'string') return item;
        const { field, code, message: text } = (item ?? {}) as Record<string, unknown>;
        return [field, typeof text === 'string' ? text : code]
          .filter((part) => typeof part === 'string')
          .join(': ');
      })
    : [];
  return { ...(typeof message === 'string' ? { message } : {}), details: details.filter(Boolean) };
}

function remediationFor(status: number, area: Area, method: string, path: string, message: string): string {
  const writing = method !== 'GET' && method !== 'HEAD';
  if (status === 401) {
    return 'the token was rejected (missing, expired or revoked): pass a valid token, e.g. `github-token: ${{ github.token }}`';
  }
  if ((status === 403 || status === 429) && /rate limit/i.test(message)) {
    return 'GitHub rate-limited the token and the retries ran out: run fewer jobs at once or try again later';
  }
  if (status === 403) {
    switch (area) {
      case 'comments':
        return writing
          ? `the token cannot write pull-request comments: add \`permissions: pull-requests: write\` to the job, or ${FORK_HINT}`
          : 'the token cannot read pull-request comments: add `permissions: pull-requests: read` to the job';
      case 'checks':
        return writing
          ? `the token cannot create or update check runs: add \`permissions: checks: write\` to the job, or ${FORK_HINT}`
          : 'the token cannot read check runs: add `permissions: checks: read` to the job';
      case 'git':
        return writing
          ? `the token cannot push to the repository: add \`permissions: contents: write\` to the job, or ${FORK_HINT}`
          : 'the token cannot read the repository: add `permissions: contents: read` to the job';
      case 'pulls':
        return 'the token cannot read the pull request: add `permissions: pull-requests: read` to the job';
      case 'user':
        return 'installation tokens (GITHUB_TOKEN, GitHub Apps) cannot read /user; nothing in evalgate should need it';
      default:
        return "the token lacks a permission this call needs: check the job's `permissions`";
    }
  }
  if (status === 404) {
    const repo = /^\/repos\/([^/]+\/[^/]+)/.exec(path)?.[1];
    const subject = repo ? `repository ${repo}` : 'the resource';
    switch (area) {
      case 'repository':
        return `${subject} was not found or is not visible to this token: check the repository name, and that the token can read it (for GITHUB_TOKEN, \`permissions: contents: read\`; for a personal token, its repository access)`;
      case 'pulls':
        return `the pull request was not found in ${subject}: check the pull request number, and that the token can read ${subject}`;
      case 'git':
        return `the git object or ref was not found in ${subject}: check the sha or branch name, and that the token can read ${subject}`;
      default:
        return `not found in ${subject}: check the repository name and number, and that the token can read ${subject} (a private repository answers 404 to a token without access)`;
    }
  }
  if (status === 422) {
    return 'GitHub rejected the request as invalid (see the message above); this is a bug in evalgate if the inputs were valid — please report it';
  }
  if (status >= 500) return 'GitHub failed to answer even after retries: re-run the job later';
  return '';
}

export function describeGitHubError(error: unknown): GitHubErrorDescription {
  const rawStatus = (error as { status?: unknown } | null)?.status;
  const hasResponse = (error as { response?: unknown } | null)?.response !== undefined;
  const status = typeof rawStatus === 'number' && hasResponse ? rawStatus : undefined;
  if (status === undefined) {
    const text = error instanceof Error ? error.message : String(error);
    const { method, path } = requestOf(error);
    const where = method && path ? `${method} ${path} ` : '';
    const problem = `GitHub request ${where}failed before an answer: ${text}`;
    const remediation = 'check the network and the API URL (`GITHUB_API_URL` for GitHub Enterprise Server)';
    return { problem, remediation, message: `${problem}. ${remediation}.` };
  }
  const { method, path } = requestOf(error);
  const { message = '', details } = githubMessage(error);
  const said = [message.replace(/\s+/g, ' ').trim(), ...details].filter(Boolean).join('; ');
  const problem = `${method && path ? `${method} ${path}` : 'GitHub request'} answered ${status}${said ? `: ${said}` : ''}`;
  const remediation = remediationFor(status, areaOf(path), method, path, message);
  return {
    status,
    problem,
    remediation,
    message: remediation ? `${problem}. Fix: ${remediation}.` : `${problem}.`,
  };
}
