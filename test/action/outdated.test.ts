/**
 * The comment names the commit it judged, and a newer commit's run marks it outdated at once:
 * golden files for what a reader sees, and markOutdated against the fake GitHub (real
 * Octokit, requests validated against GitHub's OpenAPI description).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionContext } from '../../src/action/types.js';
import { markOutdated } from '../../src/action/outdated.js';
import { createGitHubApi, createGitHubClient, type GitHubApi } from '../../src/github/index.js';
import { upsertStickyComment } from '../../src/publish/sticky-comment.js';
import {
  commentCommit,
  commentMarker,
  commitMarker,
  hasMarker,
  markCommentOutdated,
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
const structure = (body: string, shas: string[]) =>
  structureProblems(body, {
    marker: `${commentMarker(KEY)}\n${commitMarker(OLD)}`,
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
    expect(body.split('\n').slice(0, 5)).toEqual([
      commentMarker(KEY),
      `<!-- evalgate:commit sha=${OLD} -->`,
      '',
      `> ⏳ **Outdated:** this verdict is for [\`abc1234\`](${url(OLD)}); evaluating [\`def5678\`](${url(NEW)})…`,
      '',
    ]);
    expect(hasMarker(body, KEY)).toBe(true);
    expect(commentCommit(body)).toBe(OLD);
    expect(structure(body, [OLD, NEW])).toEqual([]);
    // Marked again for a newer commit: the line is replaced, not stacked.
    const again = markCommentOutdated(body, { judged: { sha: OLD }, current: { sha: NEWER } });
    expect(again.match(/Outdated/g)).toHaveLength(1);
    expect(again).toContain('evaluating `0123456`…');
    expect(again.endsWith(judged().split('\n').slice(3).join('\n'))).toBe(true);
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
});
