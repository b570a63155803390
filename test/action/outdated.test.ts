/**
 * The comment names the commit it judged, and a newer commit's run marks it outdated at once:
 * golden files for what a reader sees, and markOutdated against the fake GitHub (real
 * Octokit, requests validated against GitHub's OpenAPI description).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionContext } from '../../src/action/types.js';
import { markOutdated, noteCancelled } from '../../src/action/outdated.js';
import { createGitHubApi, createGitHubClient, type GitHubApi } from '../../src/github/index.js';
import { upsertStickyComment } from '../../src/publish/sticky-comment.js';
import {
  commentCommit,
  commentMarker,
  commitMarker,
  hasMarker,
  markCommentCancelled,
  markCommentOutdated,
  outdatedNotice,
  renderPrComment,
} from '../../src/report/comment.js';
import { LINKS, promptRegression, structureProblems } from '../kits/pr-fixtures.js';
import {
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  startFakeGitHub,
  type FakeGitHub,
} from '../helpers/fake-github.js';

/** As src/report/comment.test.ts: `UPDATE_GOLDEN=1` rewrites them. */
function golden(name: string, actual: string): void {
  const file = new URL(`../../src/report/__golden__/${name}.md`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file))
    throw new Error(`missing golden file __golden__/${name}.md: run with UPDATE_GOLDEN=1`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const KEY = 'evalgate.yml';
const OLD = 'abc1234'.padEnd(40, '0');
const NEW = 'def5678'.padEnd(40, '1');
const NEWER = '0123456'.padEnd(40, '2');
const url = (sha: string) => `https://github.com/${DEFAULT_OWNER}/${DEFAULT_REPO}/commit/${sha}`;
const judged = (sha = OLD) =>
  renderPrComment({ ...promptRegression(), key: KEY, links: LINKS, commit: { sha, url: url(sha) } });
const structure = (body: string, shas: string[], notice?: string) =>
  structureProblems(body, {
    marker: [commentMarker(KEY), commitMarker(OLD), ...(notice ? [notice] : [])].join('\n'),
    links: [...Object.values(LINKS), ...shas.map(url)],
  });

describe('the comment names the commit it judged', () => {
  it('on the headline (short sha, linked) and in a hidden second line', () => {
    const body = judged();
    golden('comment-with-commit', body);
    expect(body.split('\n').slice(0, 4)).toEqual([
      commentMarker(KEY),
      `<!-- evalgate:commit sha=${OLD} -->`,
      '',
      `## ❌ evalgate: fail · [\`abc1234\`](${url(OLD)})`,
    ]);
    expect(hasMarker(body, KEY)).toBe(true);
    expect(commentCommit(body)).toBe(OLD);
    expect(structure(body, [OLD])).toEqual([]);
  });

  it('keeps the commit on the headline when the report is cut to its shortest', () => {
    const body = renderPrComment({
      ...promptRegression(),
      key: KEY,
      links: LINKS,
      commit: { sha: OLD },
      maxChars: 200,
    });
    expect(body.length).toBeLessThanOrEqual(200);
    expect(body).toContain('evalgate: fail · `abc1234`');
    expect(commentCommit(body)).toBe(OLD);
  });

  it('never links or trusts what is not a sha', () => {
    const body = renderPrComment({
      ...promptRegression(),
      key: KEY,
      links: LINKS,
      commit: { sha: 'x](https://evil.example) <b>', url: 'https://evil.example' },
    });
    // Shown as code, never as a link or markup.
    expect(body).toContain('evalgate: fail · `x](https://evil.example) <b>`');
    expect(
      structureProblems(body, {
        marker: `${commentMarker(KEY)}\n<!-- evalgate:commit sha=unknown -->`,
        links: Object.values(LINKS),
      }),
    ).toEqual([]);
    expect(commentCommit(body)).toBeUndefined();
    expect(body.split('\n')[1]).toBe('<!-- evalgate:commit sha=unknown -->');
  });
});

describe('markCommentOutdated (golden)', () => {
  it('says above the old report which commit it is for and which one is being evaluated', () => {
    const body = markCommentOutdated(judged(), {
      judged: { sha: OLD, url: url(OLD) },
      current: { sha: NEW, url: url(NEW) },
    });
    golden('comment-outdated', body);
    expect(body.split('\n').slice(0, 6)).toEqual([
      commentMarker(KEY),
      `<!-- evalgate:commit sha=${OLD} -->`,
      `<!-- evalgate:evaluating sha=${NEW} -->`,
      '',
      `> ⏳ **Outdated:** this verdict is for [\`abc1234\`](${url(OLD)}); evaluating [\`def5678\`](${url(NEW)})…`,
      '',
    ]);
    expect(hasMarker(body, KEY)).toBe(true);
    expect(commentCommit(body)).toBe(OLD);
    expect(outdatedNotice(body)).toEqual({ state: 'evaluating', sha: NEW });
    expect(outdatedNotice(judged())).toBeUndefined();
    expect(structure(body, [OLD, NEW], `<!-- evalgate:evaluating sha=${NEW} -->`)).toEqual([]);
    // Marked again for a newer commit: the line is replaced, not stacked.
    const again = markCommentOutdated(body, { judged: { sha: OLD }, current: { sha: NEWER } });
    expect(again.match(/Outdated/g)).toHaveLength(1);
    expect(again.match(/evalgate:evaluating/g)).toHaveLength(1);
    expect(again).toContain('evaluating `0123456`…');
    expect(outdatedNotice(again)).toEqual({ state: 'evaluating', sha: NEWER });
    expect(again.endsWith(judged().split('\n').slice(3).join('\n'))).toBe(true);
  });

  it('says on the notice when the evaluation of the newer commit was cancelled or timed out; a re-run says evaluating again', () => {
    const commits = { judged: { sha: OLD, url: url(OLD) }, current: { sha: NEW, url: url(NEW) } };
    const outdated = markCommentOutdated(judged(), commits);
    const body = markCommentCancelled(outdated, commits);
    golden('comment-outdated-cancelled', body);
    expect(body.split('\n').slice(0, 6)).toEqual([
      commentMarker(KEY),
      `<!-- evalgate:commit sha=${OLD} -->`,
      `<!-- evalgate:cancelled sha=${NEW} -->`,
      '',
      `> ⏹️ **Outdated:** this verdict is for [\`abc1234\`](${url(OLD)}); the evaluation of [\`def5678\`](${url(NEW)}) was cancelled or timed out before a verdict: re-run the job.`,
      '',
    ]);
    expect(commentCommit(body)).toBe(OLD);
    expect(outdatedNotice(body)).toEqual({ state: 'cancelled', sha: NEW });
    expect(structure(body, [OLD, NEW], `<!-- evalgate:cancelled sha=${NEW} -->`)).toEqual([]);
    expect(body.match(/Outdated/g)).toHaveLength(1);
    expect(body.endsWith(judged().split('\n').slice(3).join('\n'))).toBe(true);
    // The job re-run (or a newer commit's run) marks it evaluating again, replacing both lines.
    expect(markCommentOutdated(body, commits)).toBe(outdated);
    // Only a sha is written on the hidden line.
    const odd = markCommentCancelled(judged(), { judged: { sha: OLD }, current: { sha: 'not a sha -->' } });
    expect(outdatedNotice(odd)).toBeUndefined();
    expect(odd.split('\n')[2]).toBe('');
  });

  it('cuts the old report to its headline rather than exceed the comment limit', () => {
    const full = judged();
    const body = markCommentOutdated(full, { judged: { sha: OLD }, current: { sha: NEW } }, full.length + 20);
    expect(body.length).toBeLessThanOrEqual(full.length + 20);
    expect(body).toContain('Outdated');
    expect(body).toMatch(/## ❌ evalgate: fail · \[`abc1234`\]/);
    expect(body).toContain('The rest of this outdated report was removed');
    expect(hasMarker(body, KEY)).toBe(true);
  });
});

describe('markOutdated against the fake GitHub', () => {
  let github: FakeGitHub;
  let api: GitHubApi;
  const messages: string[] = [];
  beforeAll(async () => {
    github = await startFakeGitHub({
      tokens: { [DEFAULT_TOKEN]: { login: 'github-actions[bot]', type: 'Bot' }, human: { login: 'mallory' } },
    });
    github.state.addPullRequest(github.state.repo(), { number: 3, headSha: NEW });
    github.state.addPullRequest(github.state.repo(), { number: 4, headSha: NEW });
    github.state.addPullRequest(github.state.repo(), { number: 5, headSha: NEW });
    api = createGitHubApi(
      createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: github.url, spaceWrites: false, msPerSecond: 1 }),
      { owner: DEFAULT_OWNER, repo: DEFAULT_REPO },
    );
  });
  afterAll(() => github.close());

  const ctx = (overrides: Partial<ActionContext> = {}): ActionContext => ({
    inputs: {
      config: KEY,
      token: DEFAULT_TOKEN,
      mode: 'pr',
      base: '',
      suites: [],
      comment: true,
      checkName: 'evalgate',
      failOnInconclusive: false,
      workingDirectory: '.',
    },
    mode: 'pr',
    payload: {},
    workspace: '/work/space',
    env: {},
    repo: { owner: DEFAULT_OWNER, repo: DEFAULT_REPO },
    serverUrl: 'https://github.com',
    github: { octokit: undefined as never, api },
    runAttempt: 1,
    io: {
      debug: () => {},
      info: (m) => messages.push(m),
      warning: (m) => messages.push(`warning: ${m}`),
      setOutput: () => {},
      setSecret: () => {},
      setFailed: () => {},
      appendSummary: async () => {},
    },
    ...overrides,
  });
  const comments = (n: number) => github.state.repo().commentsOn(n);

  it("edits our comment for another commit in place, once; leaves a re-run's own commit and others' look-alikes alone", async () => {
    const posted = await upsertStickyComment(api, {
      issueNumber: 3,
      key: KEY,
      body: judged(),
      authors: ['github-actions[bot]'],
    });
    // Someone else pastes a comment that looks like ours, naming an old commit.
    const mallory = createGitHubApi(
      createGitHubClient({ token: 'human', baseUrl: github.url, spaceWrites: false }),
      {
        owner: DEFAULT_OWNER,
        repo: DEFAULT_REPO,
      },
    );
    await mallory.createIssueComment(3, judged());

    expect(await markOutdated(ctx(), { number: 3, headSha: OLD })).toBe('current');
    expect(comments(3)[0]!.body).toBe(judged());

    expect(await markOutdated(ctx(), { number: 3, headSha: NEW })).toBe('marked');
    const [ours, theirs, ...more] = comments(3);
    expect(more).toEqual([]);
    expect(ours!.id).toBe(posted.comment.id);
    expect(ours!.body).toBe(
      markCommentOutdated(judged(), {
        judged: { sha: OLD, url: url(OLD) },
        current: { sha: NEW, url: url(NEW) },
      }),
    );
    expect(theirs!.body).toBe(judged());
    expect(messages.at(-1)).toMatch(/^Marked the comment for abc1234 outdated: \S+\/pull\/3#issuecomment-/);

    // The same commit's run starting again changes nothing (no write).
    const patches = () => github.requests.filter((r) => r.method === 'PATCH').length;
    const before = patches();
    expect(await markOutdated(ctx(), { number: 3, headSha: NEW })).toBe('marked');
    expect(patches()).toBe(before);

    // The run's own comment then replaces it, without the outdated line, found by the same marker.
    const fresh = renderPrComment({ ...promptRegression(), key: KEY, links: LINKS, commit: { sha: NEW } });
    const updated = await upsertStickyComment(api, {
      issueNumber: 3,
      key: KEY,
      body: fresh,
      authors: ['github-actions[bot]'],
    });
    expect(updated).toMatchObject({ action: 'updated', comment: { id: posted.comment.id } });
    expect(comments(3)[0]!.body).not.toContain('Outdated');
    expect(github.responseViolations).toEqual([]);
  });

  it('does nothing without a comment of ours, with `comment: false`, after a cancel, and warns when GitHub refuses', async () => {
    expect(await markOutdated(ctx(), { number: 4, headSha: NEW })).toBe('none');
    await upsertStickyComment(api, {
      issueNumber: 4,
      key: KEY,
      body: judged(),
      authors: ['github-actions[bot]'],
    });
    const off = ctx();
    off.inputs = { ...off.inputs, comment: false };
    expect(await markOutdated(off, { number: 4, headSha: NEW })).toBe('skipped');
    expect(await markOutdated(ctx({ signal: AbortSignal.abort() }), { number: 4, headSha: NEW })).toBe(
      'skipped',
    );
    expect(comments(4)[0]!.body).toBe(judged());

    github.script(
      { method: 'PATCH', path: /\/issues\/comments\/\d+$/ },
      { status: 403, body: { message: 'Resource not accessible by integration' } },
    );
    expect(await markOutdated(ctx(), { number: 4, headSha: NEW })).toBe('skipped');
    expect(messages.at(-1)).toMatch(/^warning: Could not mark the earlier comment outdated: .*403/);
    expect(comments(4)[0]!.body).toBe(judged());
  });

  it('noteCancelled rewrites only the notice this run wrote, on our own comment, naming its commit', async () => {
    const post = (body: string) =>
      upsertStickyComment(api, { issueNumber: 5, key: KEY, body, authors: ['github-actions[bot]'] });
    const pr = { number: 5, headSha: NEW };
    const patches = () => github.requests.filter((r) => r.method === 'PATCH').length;
    // A run that marked nothing (no comment yet, or GitHub refused) has nothing to correct.
    expect(await noteCancelled(ctx(), pr, Promise.resolve('none'), api)).toBe('none');
    expect(await noteCancelled(ctx(), pr, Promise.resolve('skipped'), api)).toBe('none');

    await post(judged());
    // A look-alike by someone else, marked as if for this commit, comes later: never touched.
    const mallory = createGitHubApi(
      createGitHubClient({ token: 'human', baseUrl: github.url, spaceWrites: false }),
      { owner: DEFAULT_OWNER, repo: DEFAULT_REPO },
    );
    const lookAlike = markCommentOutdated(judged(), { judged: { sha: OLD }, current: { sha: NEW } });
    await mallory.createIssueComment(5, lookAlike);

    const marking = markOutdated(ctx(), pr);
    expect(await marking).toBe('marked');
    expect(await noteCancelled(ctx(), pr, marking, api)).toBe('cancelled');
    const commits = { judged: { sha: OLD, url: url(OLD) }, current: { sha: NEW, url: url(NEW) } };
    expect(comments(5)[0]!.body).toBe(markCommentCancelled(markCommentOutdated(judged(), commits), commits));
    expect(comments(5)[1]!.body).toBe(lookAlike);
    expect(messages.at(-1)).toMatch(
      /^The outdated notice now says the evaluation of def5678 was cancelled or timed out: \S+\/pull\/5#issuecomment-/,
    );
    // A second pass (a second signal) writes nothing.
    const before = patches();
    expect(await noteCancelled(ctx(), pr, marking, api)).toBe('unchanged');
    expect(patches()).toBe(before);

    // A newer commit's run has marked it for its own commit: left alone.
    expect(await markOutdated(ctx(), { number: 5, headSha: NEWER })).toBe('marked');
    const newer = comments(5)[0]!.body;
    expect(outdatedNotice(newer)).toEqual({ state: 'evaluating', sha: NEWER });
    expect(await noteCancelled(ctx(), pr, marking, api)).toBe('superseded');
    expect(comments(5)[0]!.body).toBe(newer);
    expect(messages.at(-1)).toBe(
      'The outdated notice no longer names def5678 (it names 0123456): left as it is.',
    );

    // The newer run's verdict replaced the whole comment: left alone.
    await post(judged(NEWER));
    expect(await noteCancelled(ctx(), { number: 5, headSha: NEWER }, marking, api)).toBe('superseded');
    expect(comments(5)[0]!.body).toBe(judged(NEWER));
    expect(patches()).toBe(before + 2);

    // GitHub refusing the write is a warning, not a throw.
    await post(markCommentOutdated(judged(), { judged: { sha: OLD }, current: { sha: NEW } }));
    github.script(
      { method: 'PATCH', path: /\/issues\/comments\/\d+$/ },
      { status: 403, body: { message: 'Resource not accessible by integration' } },
    );
    expect(await noteCancelled(ctx(), pr, marking, api)).toBe('skipped');
    expect(messages.at(-1)).toMatch(
      /^warning: Could not say on the outdated notice that the evaluation of def5678 was cancelled or timed out: .*403/,
    );
    expect(outdatedNotice(comments(5)[0]!.body)).toEqual({ state: 'evaluating', sha: NEW });
    expect(github.responseViolations).toEqual([]);
  });
});
