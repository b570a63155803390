import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  generatePullFiles,
  startFakeGitHub,
  type FakeGitHub,
} from '../../test/helpers/fake-github.js';
import { createGitHubApi, type GitHubApi } from './api.js';
import { createGitHubClient } from './client.js';

let github: FakeGitHub;
let api: GitHubApi;

beforeEach(async () => {
  github = await startFakeGitHub();
  const octokit = createGitHubClient({
    token: DEFAULT_TOKEN,
    baseUrl: github.url,
    msPerSecond: 5,
    spaceWrites: false,
  });
  api = createGitHubApi(octokit, { owner: DEFAULT_OWNER, repo: DEFAULT_REPO });
});

afterEach(async () => {
  expect(github.responseViolations).toEqual([]);
  await github.close();
});

describe('pull requests', () => {
  it('reads the pull request and pages all of its files', async () => {
    const pull = github.state.addPullRequest(github.state.repo(), {
      number: 12,
      baseRef: 'main',
      files: [
        ...generatePullFiles(249),
        { filename: 'new.png', status: 'renamed', previousFilename: 'old.png', additions: 0, deletions: 0 },
      ],
    });
    expect(await api.getPullRequest(12)).toEqual({
      number: 12,
      state: 'open',
      headSha: pull.head.sha,
      headRef: pull.head.ref,
      baseSha: pull.base.sha,
      baseRef: 'main',
      changedFiles: 250,
    });
    const files = await api.listPullRequestFiles(12);
    expect(files).toHaveLength(250);
    expect(files[249]).toEqual({
      filename: 'new.png',
      status: 'renamed',
      previous_filename: 'old.png',
      additions: 0,
      deletions: 0,
      changes: 0,
    });
    expect(github.requests.filter((request) => request.route?.endsWith('/files'))).toHaveLength(3);
  });
});

describe('comments', () => {
  it('creates, lists across pages and updates, with the author login and type', async () => {
    github.state.addPullRequest(github.state.repo(), { number: 3 });
    for (let index = 0; index < 120; index++) await api.createIssueComment(3, `comment ${index}`);
    const comments = await api.listIssueComments(3);
    expect(comments).toHaveLength(120);
    expect(comments[0]).toMatchObject({
      body: 'comment 0',
      userLogin: 'github-actions[bot]',
      userType: 'Bot',
    });
    const updated = await api.updateIssueComment(comments[119]!.id, 'sticky');
    expect(updated).toMatchObject({ id: comments[119]!.id, body: 'sticky' });
    expect(github.state.repo().commentsOn(3)[119]!.body).toBe('sticky');
  });
});

describe('check runs', () => {
  it('creates, completes and lists check runs on a commit', async () => {
    const sha = 'c'.repeat(40);
    const run = await api.createCheckRun(sha, {
      name: 'evalgate',
      status: 'in_progress',
      detailsUrl: 'https://example.com/',
    });
    expect(run).toMatchObject({ name: 'evalgate', headSha: sha, status: 'in_progress', conclusion: null });
    const done = await api.updateCheckRun(run.id, {
      conclusion: 'success',
      output: { title: 'No regressions', summary: 'all suites pass' },
    });
    expect(done).toMatchObject({ status: 'completed', conclusion: 'success' });
    await api.createCheckRun(sha, { name: 'other' });
    expect((await api.listCheckRunsForRef(sha, { checkName: 'evalgate' })).map((r) => r.id)).toEqual([
      run.id,
    ]);
    expect(await api.listCheckRunsForRef(sha)).toHaveLength(2);
  });
});

describe('git data', () => {
  it('writes a commit on a new branch, reads it back, and loses a compare-and-swap race as a value', async () => {
    expect(await api.getRef('heads/evalgate-baselines')).toBeUndefined();
    const blob = await api.createBlob(Buffer.from([0, 1, 2, 255]));
    const tree = await api.createTree([
      { path: 'baselines/main.json', content: '{"v":1}' },
      { path: 'bin/data', mode: '100644', type: 'blob', sha: blob },
    ]);
    const first = await api.createCommit({ message: 'baseline 1', tree, parents: [] });
    expect(await api.createRef('refs/heads/evalgate-baselines', first)).toEqual({
      status: 'updated',
      sha: first,
    });
    expect(await api.createRef('refs/heads/evalgate-baselines', first)).toEqual({
      status: 'conflict',
      message: 'Reference already exists',
    });

    const tip = await api.getRef('heads/evalgate-baselines');
    expect(tip).toEqual({ ref: 'refs/heads/evalgate-baselines', sha: first });
    const commit = await api.getCommit(first);
    expect(commit).toEqual({ sha: first, treeSha: tree, parents: [], message: 'baseline 1' });
    const listing = await api.getTree(commit.treeSha, { recursive: true });
    expect(listing.entries.map((entry) => entry.path)).toEqual([
      'baselines',
      'baselines/main.json',
      'bin',
      'bin/data',
    ]);
    expect([...(await api.getBlob(blob))]).toEqual([0, 1, 2, 255]);

    // Two writers start from the same tip; the first wins, the second must re-read.
    const oursTree = await api.createTree([{ path: 'baselines/main.json', content: '{"v":2}' }], tree);
    const theirsTree = await api.createTree([{ path: 'baselines/main.json', content: '{"v":3}' }], tree);
    const ours = await api.createCommit({ message: 'ours', tree: oursTree, parents: [first] });
    const theirs = await api.createCommit({ message: 'theirs', tree: theirsTree, parents: [first] });
    expect(await api.updateRef('heads/evalgate-baselines', ours)).toEqual({ status: 'updated', sha: ours });
    expect(await api.updateRef('refs/heads/evalgate-baselines', theirs)).toEqual({
      status: 'conflict',
      message: 'Update is not a fast forward',
    });
    expect(github.state.repo().git.readFile('heads/evalgate-baselines', 'baselines/main.json')).toBe(
      '{"v":2}',
    );
    expect(github.state.repo().git.readFile('heads/evalgate-baselines', 'bin/data')).toBe(
      Buffer.from([0, 1, 2, 255]).toString('utf8'),
    );
  });

  it('still throws failures that are not races', async () => {
    await expect(api.updateRef('heads/missing', 'a'.repeat(40))).rejects.toMatchObject({ status: 422 });
    await expect(api.getCommit('a'.repeat(40))).rejects.toMatchObject({ status: 404 });
  });
});

describe('repository', () => {
  it('reads the repository', async () => {
    expect(await api.getRepository()).toEqual({
      fullName: `${DEFAULT_OWNER}/${DEFAULT_REPO}`,
      defaultBranch: 'main',
      private: false,
    });
  });
});
