import { beforeAll, describe, expect, it } from 'vitest';
import { cloneRepo, createFixtureRepo, createRepo, type TempRepo } from '../../test/helpers/git.js';
import { planFromGit } from '../plan/plan.js';
import { GitChangeSource } from './git.js';
import { ChangeSourceError } from './types.js';
import { tempDir } from '../../test/helpers/tmp.js';

async function failureOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChangeSourceError);
  return (error as ChangeSourceError).message;
}

describe('GitChangeSource: the diff', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = createRepo();
    repo.write({
      'keep.md': 'same\n',
      'edit.yml': 'a: 1\n',
      'gone.txt': 'bye\n',
      'move/from.md':
        'A paragraph long enough that a small edit keeps it similar.\nSecond line.\nThird line.\n',
      'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]),
    });
    repo.commit('base');
    repo.branch('change');
    repo.write({
      'edit.yml': 'a: 2\n',
      'move/to dir/tó.md':
        'A paragraph long enough that a small edit keeps it similar.\nSecond line.\nThird line!\n',
      'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 2]),
      'new\tfile\nwith odd name.md': 'hi\n',
    });
    repo.remove('gone.txt', 'move/from.md');
    repo.commit('change');
  });

  it('lists added, modified, deleted, renamed and binary files, whatever their names', async () => {
    const source = new GitChangeSource({ cwd: repo.dir, base: 'main', head: 'change' });
    const files = await source.changedFiles();
    expect(files.sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
      { path: 'edit.yml', status: 'modified', binary: false },
      { path: 'gone.txt', status: 'deleted', binary: false },
      { path: 'image.png', status: 'modified', binary: true },
      { path: 'move/to dir/tó.md', status: 'renamed', previousPath: 'move/from.md', binary: false },
      { path: 'new\tfile\nwith odd name.md', status: 'added', binary: false },
    ]);
    expect(await source.revisions()).toEqual({
      base: { ref: 'main', sha: repo.sha('main') },
      head: { ref: 'change', sha: repo.sha('change') },
      mergeBase: repo.sha('main'),
    });
  });

  it('reads contents at either revision in one batch, with blob ids', async () => {
    const source = new GitChangeSource({ cwd: repo.dir, base: 'main', head: 'change' });
    const { head, mergeBase } = await source.revisions();
    const after = await source.readFiles(head.sha, [
      'edit.yml',
      'new\tfile\nwith odd name.md',
      'gone.txt',
      'keep.md',
    ]);
    expect([...after.keys()]).toEqual(['edit.yml', 'new\tfile\nwith odd name.md', 'keep.md']);
    expect(after.get('edit.yml')!.data!.toString()).toBe('a: 2\n');
    expect(after.get('edit.yml')!.id).toBe(repo.git('rev-parse', 'change:edit.yml'));
    const before = await source.readFiles(mergeBase, ['edit.yml', 'gone.txt', 'keep.md']);
    expect(before.get('edit.yml')!.data!.toString()).toBe('a: 1\n');
    expect(before.get('gone.txt')!.data!.toString()).toBe('bye\n');
    expect(before.get('keep.md')!.id).toBe(after.get('keep.md')!.id);
  });

  it('diffs from the merge base, as a pull request does, not from the tip of base', async () => {
    repo.branch('main-moved-on', 'main');
    repo.write({ 'keep.md': 'changed on main\n' });
    repo.commit('main moves on');
    repo.checkout('main');
    const source = new GitChangeSource({ cwd: repo.dir, base: 'main-moved-on', head: 'change' });
    expect((await source.revisions()).mergeBase).toBe(repo.sha('main'));
    expect((await source.changedFiles()).map((f) => f.path)).not.toContain('keep.md');
  });
});

describe('GitChangeSource: revisions the clone cannot provide', () => {
  it('an unknown base says how to make it available', async () => {
    const repo = createFixtureRepo();
    const message = await failureOf(planFromGit({ cwd: repo.dir, base: 'origin/release' }));
    expect(message).toBe(
      "base ref 'origin/release' is not in this clone. In GitHub Actions, set `fetch-depth: 0` on actions/checkout " +
        'so branches and history are there; elsewhere fetch it first: `git fetch origin release`.',
    );
  });

  it('outside a repository, says so', async () => {
    const dir = tempDir('evalgate-norepo-');
    expect(await failureOf(planFromGit({ cwd: dir, base: 'main' }))).toMatch(
      /is not inside a git repository: evalgate plan compares two revisions of one/,
    );
  });
});

describe('GitChangeSource: shallow clones', () => {
  let origin: TempRepo;
  beforeAll(() => {
    // main: fixture, then two commits after the feature branched off; feature: two commits.
    origin = createFixtureRepo();
    origin.branch('feature');
    origin.write({ 'prompts/partials/tone.md': 'Be concise, friendly and exact.\n' });
    origin.commit('tone');
    origin.write({ 'models/support.yml': 'model: gpt-4o\ntemperature: 0.2\nmax_tokens: 300\n' });
    origin.commit('model');
    origin.checkout('main');
    origin.write({ 'README.md': '# Demo\n\nmore\n' });
    origin.commit('readme');
    origin.write({ 'docs/faq.md': '# FAQ\n\nNew answers.\n' });
    origin.commit('faq');
  });

  it('deepens the history until the merge base is in, and plans exactly as a full clone', async () => {
    const full = await planFromGit({ cwd: origin.dir, base: 'main', head: 'feature' });
    const clone = cloneRepo(origin, '--depth', '1', '--no-single-branch', '--branch', 'feature');
    expect(clone.git('rev-parse', '--is-shallow-repository')).toBe('true');
    const plan = await planFromGit({ cwd: clone.dir, base: 'origin/main' });
    expect(plan).toEqual({
      ...full,
      base: { ref: 'origin/main', sha: full.base.sha },
      head: { ref: 'HEAD', sha: full.head.sha },
      warnings: [
        'shallow clone: deepened the history by 50 commits from origin to reach the merge base ' +
          '(head is 2 commits past it, base 2); set `fetch-depth: 0` on actions/checkout to have the history up front',
      ],
    });
    expect(plan.suites.map((s) => s.id)).toEqual(['docs', 'safety', 'support-qa']);
  });

  it('fetches a base branch a single-branch clone lacks', async () => {
    const full = await planFromGit({ cwd: origin.dir, base: 'main', head: 'feature' });
    const clone = cloneRepo(origin, '--depth', '1', '--branch', 'feature');
    expect(() => clone.sha('origin/main')).toThrow();
    const plan = await planFromGit({ cwd: clone.dir, base: 'origin/main' });
    expect(plan).toEqual({
      ...full,
      base: { ref: 'origin/main', sha: full.base.sha },
      head: { ref: 'HEAD', sha: full.head.sha },
      warnings: [
        "fetched 'main' from origin: it was not in this clone",
        'shallow clone: deepened the history by 50 commits from origin to reach the merge base ' +
          '(head is 2 commits past it, base 2); set `fetch-depth: 0` on actions/checkout to have the history up front',
      ],
    });
  });

  it('without a remote to fetch from, says which history is missing and how to get it', async () => {
    const clone = cloneRepo(origin, '--depth', '1', '--no-single-branch', '--branch', 'feature');
    clone.git('branch', 'base', 'origin/main');
    clone.git('remote', 'remove', 'origin');
    expect(await failureOf(planFromGit({ cwd: clone.dir, base: 'base' }))).toBe(
      'cannot diff base...HEAD: this clone is shallow and their merge base is not in it ' +
        '(HEAD has 1 commit of history here and base 1, so the merge base is more than 1 commit behind HEAD), ' +
        'and there is no remote to fetch more from. Set `fetch-depth: 0` on actions/checkout, or fetch the missing ' +
        'history: `git fetch --unshallow`, or `git fetch --deepen=N` for N more commits until the merge base is reached.',
    );
  });

  it('with fetching turned off, says so', async () => {
    const clone = cloneRepo(origin, '--depth', '1', '--no-single-branch', '--branch', 'feature');
    const message = await failureOf(planFromGit({ cwd: clone.dir, base: 'origin/main', fetch: false }));
    expect(message).toContain('and fetching is turned off.');
  });
});
