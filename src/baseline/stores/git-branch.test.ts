import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloneRepo, createRepo, git, type TempRepo } from '../../../test/helpers/git.js';
import { BaselineError, createBaselines } from '../document.js';
import { fakeResults } from '../../../test/kits/baseline.js';
import type { Baseline } from '../types.js';
import { GitBranchStore, type GitBranchStoreOptions } from './git-branch.js';
import { tempDir } from '../../../test/helpers/tmp.js';

function repoWithWork(): TempRepo {
  const repo = createRepo();
  repo.write({ 'README.md': '# app\n', 'src/app.ts': 'export {};\n' });
  repo.commit('init');
  // Work in progress the store must not disturb: a staged file and an unstaged edit.
  repo.write({ 'staged.txt': 'staged\n' });
  repo.git('add', 'staged.txt');
  repo.write({ 'README.md': '# app, edited\n' });
  return repo;
}

const baselinesOf = (...ids: string[]): Baseline[] =>
  createBaselines(fakeResults(ids.map((id) => ({ id }))), { privacy: 'raw' });

/** Resolves once `n` callers are waiting: holds writers until all have built on the same tip. */
function barrier(n: number): () => Promise<void> {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return () => {
    if (++waiting === n) release();
    return all;
  };
}

const fast: Partial<GitBranchStoreOptions> = { backoffMs: 5 };

describe('GitBranchStore (local)', () => {
  it('saves and loads back, leaving the working tree, the index and HEAD alone', async () => {
    const repo = repoWithWork();
    const status = repo.git('status', '--porcelain=v1', '--untracked-files=all');
    const head = repo.git('rev-parse', 'HEAD');
    const branch = repo.git('symbolic-ref', 'HEAD');
    const index = repo.git('ls-files', '--stage');
    const store = new GitBranchStore({ repoDir: repo.dir, ...fast });
    expect(await store.load(['a'])).toEqual(new Map());
    expect(await store.list()).toEqual([]);

    const saved = await store.save(baselinesOf('a', 'team/b'), { message: 'baselines' });
    expect(saved.attempts).toBe(1);
    expect(saved.commit).toBe(repo.sha('evalgate-baselines'));
    expect(saved.locations).toEqual({
      a: 'evalgate-baselines:a.json',
      'team/b': 'evalgate-baselines:team%2Fb.json',
    });
    expect(repo.git('ls-tree', '--name-only', 'evalgate-baselines')).toBe('a.json\nteam%2Fb.json');
    expect(repo.git('log', '-1', '--format=%s', 'evalgate-baselines')).toBe('baselines');

    const loaded = await store.load(['a', 'team/b', 'missing']);
    expect([...loaded.keys()]).toEqual(['a', 'team/b']);
    expect(loaded.get('a')).toEqual(baselinesOf('a')[0]);
    expect((await store.list()).map((l) => [l.suite, l.cases, l.location])).toEqual([
      ['a', 3, 'evalgate-baselines:a.json'],
      ['team/b', 3, 'evalgate-baselines:team%2Fb.json'],
    ]);

    expect(repo.git('status', '--porcelain=v1', '--untracked-files=all')).toBe(status);
    expect(repo.git('ls-files', '--stage')).toBe(index);
    expect(repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(repo.git('symbolic-ref', 'HEAD')).toBe(branch);
  });

  it('keeps other suites when updating one, and makes no commit when nothing changed', async () => {
    const repo = repoWithWork();
    const store = new GitBranchStore({ repoDir: repo.dir, branch: 'ci/baselines', ...fast });
    const first = await store.save(baselinesOf('a', 'b'), { message: 'one' });
    const newer = createBaselines(fakeResults([{ id: 'a', outcomes: 'PP' }]), { privacy: 'raw' });
    const second = await store.save(newer, { message: 'two' });
    expect(second.commit).not.toBe(first.commit);
    expect(repo.git('rev-parse', 'ci/baselines~1')).toBe(first.commit);
    const loaded = await store.load(['a', 'b']);
    expect(loaded.get('a')!.fingerprint.suite.caseIds).toEqual(['case-1', 'case-2']);
    expect(loaded.get('b')).toBeDefined();
    const again = await store.save(newer, { message: 'three' });
    expect(again.commit).toBe(second.commit);
  });

  it('loses no update when two savers race from the same tip', async () => {
    const repo = repoWithWork();
    await new GitBranchStore({ repoDir: repo.dir }).save(baselinesOf('old'), { message: 'seed' });
    const seed = repo.sha('evalgate-baselines');
    const wait = barrier(2);
    const bases: (string | undefined)[] = [];
    const options: GitBranchStoreOptions = {
      repoDir: repo.dir,
      ...fast,
      beforeSwap: async (attempt, base) => {
        if (attempt === 1) {
          bases.push(base);
          await wait();
        }
      },
    };
    const [x, y] = await Promise.all([
      new GitBranchStore(options).save(baselinesOf('x'), { message: 'x' }),
      new GitBranchStore(options).save(baselinesOf('y'), { message: 'y' }),
    ]);
    expect(bases).toEqual([seed, seed]);
    expect([x.attempts, y.attempts].sort()).toEqual([1, 2]);
    expect(repo.git('ls-tree', '--name-only', 'evalgate-baselines')).toBe('old.json\nx.json\ny.json');
    expect(repo.git('rev-list', '--count', 'evalgate-baselines')).toBe('3');
  });

  it('loses no update when the branch does not exist yet and two savers create it', async () => {
    const repo = repoWithWork();
    const wait = barrier(2);
    const options: GitBranchStoreOptions = {
      repoDir: repo.dir,
      ...fast,
      beforeSwap: async (attempt) => (attempt === 1 ? wait() : undefined),
    };
    await Promise.all([
      new GitBranchStore(options).save(baselinesOf('x'), { message: 'x' }),
      new GitBranchStore(options).save(baselinesOf('y'), { message: 'y' }),
    ]);
    expect(repo.git('ls-tree', '--name-only', 'evalgate-baselines')).toBe('x.json\ny.json');
  });

  it('loses no update among six savers started at once, with no orchestration', async () => {
    const repo = repoWithWork();
    const ids = ['s1', 's2', 's3', 's4', 's5', 's6'];
    await Promise.all(
      ids.map((id) =>
        new GitBranchStore({ repoDir: repo.dir, backoffMs: 5, maxAttempts: 20 }).save(baselinesOf(id), {
          message: id,
        }),
      ),
    );
    expect(repo.git('ls-tree', '--name-only', 'evalgate-baselines').split('\n')).toEqual(
      ids.map((id) => `${id}.json`),
    );
    expect(repo.git('rev-list', '--count', 'evalgate-baselines')).toBe('6');
  });

  it('gives up after the bounded number of attempts, saying why', async () => {
    const repo = repoWithWork();
    const store = new GitBranchStore({
      repoDir: repo.dir,
      maxAttempts: 3,
      sleep: async () => undefined,
      // Another writer moves the branch every time, just before the swap.
      beforeSwap: async (attempt) => {
        await new GitBranchStore({ repoDir: repo.dir }).save(baselinesOf(`other-${attempt}`), {
          message: 'x',
        });
      },
    });
    await expect(store.save(baselinesOf('a'), { message: 'a' })).rejects.toThrow(
      /could not update evalgate-baselines after 3 attempts: other writers kept moving it/,
    );
  });

  it('refuses a corrupt baseline on the branch, naming it', async () => {
    const repo = repoWithWork();
    const store = new GitBranchStore({ repoDir: repo.dir });
    await store.save(baselinesOf('a'), { message: 'seed' });
    // Overwrite a.json on the branch with a truncated copy, by plumbing.
    const text = repo.git('show', 'evalgate-baselines:a.json');
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: repo.dir,
      input: text.slice(0, 100),
    })
      .toString()
      .trim();
    const tree = execFileSync('git', ['mktree'], { cwd: repo.dir, input: `100644 blob ${blob}\ta.json\n` })
      .toString()
      .trim();
    const commit = repo.git('commit-tree', tree, '-p', 'evalgate-baselines', '-m', 'break');
    repo.git('update-ref', 'refs/heads/evalgate-baselines', commit);
    const error = await store.load(['a']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BaselineError);
    expect((error as BaselineError).format()).toMatch(
      /^evalgate-baselines:a\.json: baseline is not valid JSON/,
    );
    await expect(store.list()).rejects.toThrow(/not valid JSON/);
  });
});

describe('GitBranchStore (remote)', () => {
  it('two clones pushing at once to a bare remote lose no update', async () => {
    const origin = createRepo();
    origin.write({ 'README.md': '# app\n' });
    origin.commit('init');
    const bare = tempDir('evalgate-bare-');
    git(bare, 'clone', '-q', '--bare', origin.dir, bare);
    const cloneA = createRepo({ dir: tempDir('evalgate-a-') });
    const cloneB = createRepo({ dir: tempDir('evalgate-b-') });
    git(cloneA.dir, 'clone', '-q', bare, cloneA.dir);
    git(cloneB.dir, 'clone', '-q', bare, cloneB.dir);

    const first = new GitBranchStore({ repoDir: cloneA.dir, remote: 'origin', ...fast });
    await first.save(baselinesOf('seed'), { message: 'seed' });
    const seed = git(bare, 'rev-parse', 'evalgate-baselines');

    const wait = barrier(2);
    const bases: (string | undefined)[] = [];
    const race = (dir: string, id: string) =>
      new GitBranchStore({
        repoDir: dir,
        remote: 'origin',
        ...fast,
        beforeSwap: async (attempt, base) => {
          if (attempt === 1) {
            bases.push(base);
            await wait();
          }
        },
      }).save(baselinesOf(id), { message: id });
    const results = await Promise.all([race(cloneA.dir, 'from-a'), race(cloneB.dir, 'from-b')]);
    expect(bases).toEqual([seed, seed]);
    expect(results.map((r) => r.attempts).sort()).toEqual([1, 2]);
    expect(git(bare, 'ls-tree', '--name-only', 'evalgate-baselines')).toBe(
      'from-a.json\nfrom-b.json\nseed.json',
    );

    // Each clone reads the remote's tip, not a stale one of its own.
    const loaded = await new GitBranchStore({ repoDir: cloneB.dir, remote: 'origin' }).load([
      'seed',
      'from-a',
      'from-b',
    ]);
    expect([...loaded.keys()].sort()).toEqual(['from-a', 'from-b', 'seed']);
    expect(await new GitBranchStore({ repoDir: cloneA.dir, remote: 'origin' }).list()).toHaveLength(3);
    // Neither clone's checkout moved.
    expect(cloneA.git('status', '--porcelain')).toBe('');
    expect(cloneA.git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
  });

  it('does not retry a push the remote refuses for another reason (a hook), and says so', async () => {
    const origin = createRepo();
    origin.commit('init');
    const bare = tempDir('evalgate-bare-');
    git(bare, 'clone', '-q', '--bare', origin.dir, bare);
    writeFileSync(join(bare, 'hooks/pre-receive'), '#!/bin/sh\necho "protected branch" >&2\nexit 1\n');
    chmodSync(join(bare, 'hooks/pre-receive'), 0o755);
    const clone = createRepo({ dir: tempDir('evalgate-c-') });
    git(clone.dir, 'clone', '-q', bare, clone.dir);
    let attempts = 0;
    const store = new GitBranchStore({
      repoDir: clone.dir,
      remote: 'origin',
      beforeSwap: async () => void attempts++,
    });
    await expect(store.save(baselinesOf('a'), { message: 'a' })).rejects.toThrow(
      /git push failed: .*protected branch/,
    );
    expect(attempts).toBe(1);
  });

  it('reads nothing when the remote has no baselines branch, and fails clearly for an unknown remote', async () => {
    const origin = createRepo();
    origin.commit('init');
    const clone = cloneRepo(origin);
    expect(await new GitBranchStore({ repoDir: clone.dir, remote: 'origin' }).list()).toEqual([]);
    await expect(new GitBranchStore({ repoDir: clone.dir, remote: 'nowhere' }).list()).rejects.toThrow(
      /git fetch nowhere evalgate-baselines failed/,
    );
  });
});
