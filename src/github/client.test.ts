import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  primaryRateLimit,
  secondaryRateLimit,
  serverError,
  startFakeGitHub,
  type FakeGitHub,
} from '../../test/helpers/fake-github.js';
import { createGitHubClient, type GitHubClientOptions, type GitHubLog } from './client.js';
import { describeGitHubError } from './errors.js';

const repo = { owner: DEFAULT_OWNER, repo: DEFAULT_REPO };
const SECRET = 'ghs_secretTokenValue123';

let github: FakeGitHub;
let lines: string[];
const log: GitHubLog = {
  debug: (message) => lines.push(`debug ${message}`),
  info: (message) => lines.push(`info ${message}`),
  warn: (message) => lines.push(`warn ${message}`),
};

function client(options: Partial<GitHubClientOptions> = {}) {
  return createGitHubClient({
    token: SECRET,
    baseUrl: github.url,
    userAgent: 'evalgate-test',
    log,
    msPerSecond: 10,
    spaceWrites: false,
    ...options,
  });
}

beforeEach(async () => {
  lines = [];
  github = await startFakeGitHub({
    tokens: {
      [SECRET]: { login: 'github-actions[bot]', type: 'Bot' },
      [DEFAULT_TOKEN]: { login: 'github-actions[bot]', type: 'Bot' },
      'fork-token': { login: 'github-actions[bot]', type: 'Bot', readOnly: true },
    },
  });
  github.state.addPullRequest(github.state.repo(), { number: 1 });
});

afterEach(async () => {
  expect(github.responseViolations).toEqual([]);
  await github.close();
});

describe('createGitHubClient', () => {
  it('authenticates with the token and sends the user agent', async () => {
    await client().rest.repos.get(repo);
    const [request] = github.requests;
    expect(request!.headers.authorization).toBe(`token ${SECRET}`);
    expect(request!.headers['user-agent']).toMatch(/^evalgate-test/);
  });

  it('retries a secondary rate limit after retry-after, then succeeds, and logs it without the token', async () => {
    github.script(
      { route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments' },
      secondaryRateLimit({ retryAfter: 1 }),
      2,
    );
    const started = Date.now();
    const { data } = await client().rest.issues.createComment({ ...repo, issue_number: 1, body: 'hello' });
    expect(data.body).toBe('hello');
    expect(Date.now() - started).toBeGreaterThanOrEqual(20); // 2 waits of 1 "second" at 10 ms each
    expect(github.requests.map((request) => request.status)).toEqual([403, 403, 201]);
    expect(github.state.repo().commentsOn(1)).toHaveLength(1);
    const warnings = lines.filter((line) => line.startsWith('warn'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/secondary rate limit on POST .*retrying in 1s \(retry 1 of 3\)/);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('retries a primary rate limit until the reset time', async () => {
    github.script({ route: 'GET /repos/{owner}/{repo}' }, primaryRateLimit({ resetInSeconds: 1 }));
    await client().rest.repos.get(repo);
    expect(github.requests.map((request) => request.status)).toEqual([403, 200]);
    expect(lines.some((line) => /warn GitHub rate limit on GET/.test(line))).toBe(true);
  });

  it('gives up after `retries` rate limits, and when retry-after is longer than it may wait', async () => {
    github.script({ route: 'GET /repos/{owner}/{repo}' }, secondaryRateLimit({ retryAfter: 1 }), 10);
    const error = await client({ retries: 2 })
      .rest.repos.get(repo)
      .catch((e: unknown) => e);
    expect(github.requests).toHaveLength(3);
    expect(describeGitHubError(error).message).toMatch(
      /403: You have exceeded a secondary rate limit.*rate-limited/,
    );

    github.requests.length = 0;
    github.script(
      { route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}' },
      secondaryRateLimit({ retryAfter: 600 }),
    );
    await expect(
      client({ maxRetryAfterSeconds: 60 }).rest.pulls.get({ ...repo, pull_number: 1 }),
    ).rejects.toMatchObject({
      status: 403,
    });
    expect(github.requests).toHaveLength(1);
    expect(lines.some((line) => /retry-after 600s exceeds 60s/.test(line))).toBe(true);
  });

  it('retries a 502 with the retry plugin, and does not retry a 422', async () => {
    github.script({ route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}' }, serverError(502));
    const { data } = await client().rest.pulls.get({ ...repo, pull_number: 1 });
    expect(data.number).toBe(1);
    expect(github.requests.map((request) => request.status)).toEqual([502, 200]);

    github.requests.length = 0;
    await expect(
      client().request('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'x' } as never),
    ).rejects.toMatchObject({ status: 422 });
    expect(github.requests).toHaveLength(1);
  });

  it('spaces writes one second apart by default, as GitHub asks', async () => {
    const octokit = client({ spaceWrites: true });
    const started = Date.now();
    await octokit.rest.git.createBlob({ ...repo, content: 'a' });
    await octokit.rest.git.createBlob({ ...repo, content: 'b' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('describeGitHubError', () => {
  async function failure(promise: Promise<unknown>) {
    const error = await promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e,
    );
    const description = describeGitHubError(error);
    expect(description.message).not.toContain(SECRET);
    expect(description.message).not.toContain('fork-token');
    return description;
  }

  it('tells a read-only (fork) token to get pull-requests: write or use workflow_run', async () => {
    const fork = client({ token: 'fork-token' });
    const description = await failure(
      fork.rest.issues.createComment({ ...repo, issue_number: 1, body: 'x' }),
    );
    expect(description.status).toBe(403);
    expect(description.problem).toBe(
      `POST /repos/${DEFAULT_OWNER}/${DEFAULT_REPO}/issues/1/comments answered 403: Resource not accessible by integration`,
    );
    expect(description.remediation).toMatch(/`permissions: pull-requests: write`/);
    expect(description.remediation).toMatch(/workflow_run/);
  });

  it('tells a check-run 403 to get checks: write, and a git write 403 to get contents: write', async () => {
    const fork = client({ token: 'fork-token' });
    expect(
      (await failure(fork.rest.checks.create({ ...repo, name: 'x', head_sha: 'a'.repeat(40) }))).remediation,
    ).toMatch(/`permissions: checks: write`/);
    expect((await failure(fork.rest.git.createBlob({ ...repo, content: 'x' }))).remediation).toMatch(
      /`permissions: contents: write`/,
    );
  });

  it('explains 401, 404 on a repository, and 422 with the validation message', async () => {
    expect((await failure(client({ token: 'wrong' }).rest.repos.get(repo))).remediation).toMatch(
      /token was rejected/,
    );

    const missing = await failure(client().rest.repos.get({ owner: 'octo-org', repo: 'nope' }));
    expect(missing.status).toBe(404);
    expect(missing.remediation).toMatch(
      /repository octo-org\/nope was not found or is not visible to this token/,
    );

    const invalid = await failure(
      client().request('POST /repos/{owner}/{repo}/check-runs', {
        ...repo,
        name: 'x',
        head_sha: 'a',
        conclusion: 'maybe',
      } as never),
    );
    expect(invalid.status).toBe(422);
    expect(invalid.problem).toMatch(
      /answered 422: Invalid request\. For 'conclusion', "maybe" is not a member of/,
    );
  });

  it('describes a failure that never reached GitHub', () => {
    const description = describeGitHubError(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(description.status).toBeUndefined();
    expect(description.message).toMatch(/failed before an answer: connect ECONNREFUSED/);
  });
});
