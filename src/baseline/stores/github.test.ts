import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  serverError,
  startFakeGitHub,
  type FakeGitHub,
} from '../../../test/helpers/fake-github.js';
import { createGitHubClient } from '../../github/client.js';
import { BaselineError, createBaselines, serializeBaseline } from '../document.js';
import { fakeResults } from '../../../test/kits/baseline.js';
import type { Baseline } from '../types.js';
import { GitHubBranchStore, type GitHubBranchStoreOptions } from './github.js';

const baselinesOf = (...ids: string[]): Baseline[] =>
  createBaselines(fakeResults(ids.map((id) => ({ id }))), { privacy: 'raw' });

function barrier(n: number): () => Promise<void> {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return () => {
    if (++waiting === n) release();
    return all;
  };
}

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub();
});
afterEach(async () => {
  expect(github.responseViolations).toEqual([]);
  await github.close();
});

function store(options: Partial<GitHubBranchStoreOptions> = {}): GitHubBranchStore {
  const octokit = createGitHubClient({
    token: DEFAULT_TOKEN,
    baseUrl: github.url,
    spaceWrites: false,
    msPerSecond: 1,
  });
  return new GitHubBranchStore({
    octokit,
    owner: DEFAULT_OWNER,
    repo: DEFAULT_REPO,
    backoffMs: 5,
    ...options,
  });
}

const fakeRepo = () => github.state.repos.get(`${DEFAULT_OWNER}/${DEFAULT_REPO}`)!;

describe('GitHubBranchStore', () => {
  it('creates the branch, saves and loads back, through the Git Data API', async () => {
    const s = store();
    expect(await s.load(['a'])).toEqual(new Map());
    const saved = await s.save(baselinesOf('a', 'team/b'), { message: 'baselines' });
    expect(saved.attempts).toBe(1);
    const git = fakeRepo().git;
    expect(git.refs.get('refs/heads/evalgate-baselines')).toBe(saved.commit);
    expect(git.readFile('evalgate-baselines', 'team%2Fb.json')).toBe(
      serializeBaseline(baselinesOf('team/b')[0]!),
    );
    const loaded = await s.load(['a', 'team/b', 'c']);
    expect([...loaded.keys()]).toEqual(['a', 'team/b']);
    expect(loaded.get('a')).toEqual(baselinesOf('a')[0]);
    expect((await s.list()).map((l) => [l.suite, l.location])).toEqual([
      ['a', 'octo-org/octo-repo@evalgate-baselines:a.json'],
      ['team/b', 'octo-org/octo-repo@evalgate-baselines:team%2Fb.json'],
    ]);
    // An update builds on the tip's tree with base_tree and moves the ref without force.
    const update = await s.save(baselinesOf('c'), { message: 'more' });
    expect(git.commits.get(update.commit!)!.parents).toEqual([saved.commit]);
    const patch = github.requests.filter((r) => r.route === 'PATCH /repos/{owner}/{repo}/git/refs/{ref}');
    expect(patch.map((r) => r.body)).toEqual([{ sha: update.commit, force: false }]);
    const trees = github.requests.filter((r) => r.route === 'POST /repos/{owner}/{repo}/git/trees');
    expect((trees[1]!.body as { base_tree?: string }).base_tree).toBe(git.commits.get(saved.commit!)!.tree);
    expect([...(await s.load(['a', 'team/b', 'c'])).keys()]).toEqual(['a', 'team/b', 'c']);
  });

  it('loses no update when two savers race from the same tip (422 not a fast forward → retry)', async () => {
    await store().save(baselinesOf('seed'), { message: 'seed' });
    const seed = fakeRepo().git.refs.get('refs/heads/evalgate-baselines');
    const wait = barrier(2);
    const bases: (string | undefined)[] = [];
    const racer = () =>
      store({
        beforeSwap: async (attempt, base) => {
          if (attempt === 1) {
            bases.push(base);
            await wait();
          }
        },
      });
    const results = await Promise.all([
      racer().save(baselinesOf('x'), { message: 'x' }),
      racer().save(baselinesOf('y'), { message: 'y' }),
    ]);
    expect(bases).toEqual([seed, seed]);
    expect(results.map((r) => r.attempts).sort()).toEqual([1, 2]);
    const rejected = github.requests.filter(
      (r) => r.route === 'PATCH /repos/{owner}/{repo}/git/refs/{ref}' && r.status === 422,
    );
    expect(rejected).toHaveLength(1);
    expect([...(await store().load(['seed', 'x', 'y'])).keys()]).toEqual(['seed', 'x', 'y']);
  });

  it('loses no update when two savers both create the branch (422 reference already exists → retry)', async () => {
    const wait = barrier(2);
    const racer = () => store({ beforeSwap: async (attempt) => (attempt === 1 ? wait() : undefined) });
    await Promise.all([
      racer().save(baselinesOf('x'), { message: 'x' }),
      racer().save(baselinesOf('y'), { message: 'y' }),
    ]);
    expect([...(await store().load(['x', 'y'])).keys()]).toEqual(['x', 'y']);
  });

  it('rides out a 5xx through the client retry, and fails clearly on a refusal', async () => {
    github.script({ route: 'POST /repos/{owner}/{repo}/git/blobs' }, serverError(502), 1);
    expect((await store().save(baselinesOf('a'), { message: 'a' })).attempts).toBe(1);
    github.script(
      { route: 'POST /repos/{owner}/{repo}/git/commits' },
      { status: 403, body: { message: 'Resource not accessible by integration' } },
      1,
    );
    await expect(store().save(baselinesOf('b'), { message: 'b' })).rejects.toThrow(
      /GitHub API: creating a commit on octo-org\/octo-repo@evalgate-baselines failed \(HTTP 403\): Resource not accessible by integration.*contents: write/,
    );
  });

  it('refuses a corrupt baseline on the branch, naming it', async () => {
    fakeRepo().git.commitFiles('evalgate-baselines', {
      'a.json': '{"schemaVersion": 1, "suite": "a", "finger',
    });
    const error = await store()
      .load(['a'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BaselineError);
    expect((error as BaselineError).format()).toMatch(
      /^octo-org\/octo-repo@evalgate-baselines:a\.json: baseline is not valid JSON/,
    );
  });
});
