import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubApi, createGitHubClient, type GitHubApi } from '../github/index.js';
import {
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  startFakeGitHub,
  type FakeGitHub,
} from '../../test/helpers/fake-github.js';
import { completeCheckRun, startCheckRun } from './check-run.js';
import { commentMarker } from '../report/comment.js';
import { upsertStickyComment } from './sticky-comment.js';

describe('publish against the fake GitHub (real Octokit, OpenAPI-validated requests)', () => {
  let github: FakeGitHub;
  let api: GitHubApi;
  beforeAll(async () => {
    github = await startFakeGitHub({
      tokens: { [DEFAULT_TOKEN]: { login: 'github-actions[bot]', type: 'Bot' }, human: { login: 'mallory' } },
    });
    const repo = github.state.repo();
    github.state.addPullRequest(repo, { number: 7, headSha: 'a'.repeat(40) });
    api = createGitHubApi(
      createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: github.url, spaceWrites: false, msPerSecond: 1 }),
      {
        owner: DEFAULT_OWNER,
        repo: DEFAULT_REPO,
      },
    );
  });
  afterAll(() => github.close());

  it('creates one sticky comment, updates it in place, skips an unchanged re-post, and ignores look-alikes by others', async () => {
    const key = 'evalgate.yml';
    const body = (verdict: string) => `${commentMarker(key)}\n## evalgate: ${verdict}\n`;
    // Someone else pastes our marker into their comment: it must not be taken for ours.
    const mallory = createGitHubApi(
      createGitHubClient({ token: 'human', baseUrl: github.url, spaceWrites: false }),
      { owner: DEFAULT_OWNER, repo: DEFAULT_REPO },
    );
    await mallory.createIssueComment(7, body('hijacked'));

    const first = await upsertStickyComment(api, {
      issueNumber: 7,
      key,
      body: body('fail'),
      authors: ['github-actions[bot]'],
    });
    expect(first.action).toBe('created');
    const again = await upsertStickyComment(api, {
      issueNumber: 7,
      key,
      body: body('fail'),
      authors: ['github-actions[bot]'],
    });
    expect(again).toMatchObject({ action: 'unchanged', comment: { id: first.comment.id } });
    const updated = await upsertStickyComment(api, {
      issueNumber: 7,
      key,
      body: body('pass'),
      authors: ['github-actions[bot]'],
    });
    expect(updated).toMatchObject({ action: 'updated', comment: { id: first.comment.id } });
    // A second config keeps its own comment.
    const other = await upsertStickyComment(api, {
      issueNumber: 7,
      key: 'other/evalgate.yml',
      body: `${commentMarker('other/evalgate.yml')}\nx`,
      authors: ['github-actions[bot]'],
    });
    expect(other.action).toBe('created');

    const comments = github.state.repo().commentsOn(7);
    expect(comments.map((c) => [c.user.login, c.body.split('\n')[1]])).toEqual([
      ['mallory', '## evalgate: hijacked'],
      ['github-actions[bot]', '## evalgate: pass'],
      ['github-actions[bot]', 'x'],
    ]);
    expect(github.responseViolations).toEqual([]);
  });

  it('finds our comment past the first page of comments', async () => {
    const repo = github.state.repo();
    github.state.addPullRequest(repo, { number: 8, headSha: 'b'.repeat(40) });
    const key = 'paged.yml';
    const first = await upsertStickyComment(api, {
      issueNumber: 8,
      key,
      body: `${commentMarker(key)}\nv1`,
      authors: ['github-actions[bot]'],
    });
    for (let i = 0; i < 120; i++) await api.createIssueComment(8, `chatter ${i}`);
    const again = await upsertStickyComment(api, {
      issueNumber: 8,
      key,
      body: `${commentMarker(key)}\nv2`,
      authors: ['github-actions[bot]'],
    });
    expect(again).toMatchObject({ action: 'updated', comment: { id: first.comment.id } });
  });

  it('check run: in_progress then completed on the head sha, annotations in batches of 50, a re-run reuses the check', async () => {
    const headSha = 'c'.repeat(40);
    const started = await startCheckRun(api, { headSha, name: 'evalgate' });
    expect(started.headSha).toBe(headSha);
    const annotations = Array.from({ length: 120 }, (_, i) => ({
      path: 'suites/support.yml',
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: 'failure' as const,
      title: `support / case-${i}`,
      message: `case ${i} regressed`,
    }));
    const done = await completeCheckRun(api, started.id, {
      conclusion: 'failure',
      title: 'evalgate: fail',
      summary: 'one blocker failed',
      annotations,
    });
    expect(done).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const patches = github.requests.filter(
      (r) => r.method === 'PATCH' && r.path.endsWith(`/check-runs/${started.id}`),
    );
    expect(
      patches.map((p) => (p.body as { output?: { annotations?: unknown[] } }).output?.annotations?.length),
    ).toEqual([50, 50, 20]);

    // The job is re-run: the same check is reused, not a second one.
    const rerun = await startCheckRun(api, { headSha, name: 'evalgate' });
    expect(rerun.id).toBe(started.id);
    await completeCheckRun(api, rerun.id, {
      conclusion: 'success',
      title: 'evalgate: pass',
      summary: 'ok',
      annotations: [],
    });
    const runs = github.state.repo().checkRuns.filter((r) => r.headSha === headSha);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(github.responseViolations).toEqual([]);
  });
});
