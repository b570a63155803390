import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRepo } from '../../test/helpers/git.js';
import { rerunBaseline } from './rerun.js';
import { fakeResults } from '../../test/kits/baseline.js';

function twoVersions() {
  const repo = createRepo();
  repo.write({ 'app/evalgate.yml': 'version: base\n' });
  const base = repo.commit('base');
  repo.write({ 'app/evalgate.yml': 'version: head\n' });
  repo.commit('head');
  repo.write({ 'uncommitted.txt': 'work in progress\n' });
  return { repo, base };
}

describe('rerunBaseline', () => {
  it("runs the base ref's project in a temporary worktree, then removes it", async () => {
    const { repo, base } = twoVersions();
    let seen: { dir: string; config: string; text: string; suites: readonly string[] } | undefined;
    const results = await rerunBaseline({
      repoDir: repo.dir,
      baseRef: 'HEAD~1',
      configPath: 'app/evalgate.yml',
      suiteIds: ['a', 'b'],
      runSuites: async (dir, { configPath, suiteIds }) => {
        seen = { dir, config: configPath, text: readFileSync(configPath, 'utf8'), suites: suiteIds };
        expect(existsSync(join(dir, 'uncommitted.txt'))).toBe(false);
        return fakeResults([{ id: 'a' }, { id: 'b' }, { id: 'not-asked' }], { gitSha: base });
      },
    });
    expect(seen!.text).toBe('version: base\n');
    expect(seen!.config).toBe(join(seen!.dir, 'app/evalgate.yml'));
    expect(seen!.suites).toEqual(['a', 'b']);
    expect(results.suites.map((s) => s.id)).toEqual(['a', 'b']);
    expect(existsSync(seen!.dir)).toBe(false);
    expect(repo.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(repo.git('status', '--porcelain')).toBe('?? uncommitted.txt');
  });

  it('removes the worktree even when the run throws, and passes the error on', async () => {
    const { repo } = twoVersions();
    let dir = '';
    await expect(
      rerunBaseline({
        repoDir: repo.dir,
        baseRef: 'main~1',
        configPath: 'app/evalgate.yml',
        suiteIds: ['a'],
        runSuites: async (d) => {
          dir = d;
          throw new Error('target unreachable');
        },
      }),
    ).rejects.toThrow('target unreachable');
    expect(dir).not.toBe('');
    expect(existsSync(dir)).toBe(false);
    expect(repo.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });

  it('fails clearly for an unknown base ref', async () => {
    const { repo } = twoVersions();
    await expect(
      rerunBaseline({
        repoDir: repo.dir,
        baseRef: 'no-such-branch',
        configPath: 'app/evalgate.yml',
        suiteIds: ['a'],
        runSuites: async () => fakeResults([]),
      }),
    ).rejects.toThrow("cannot rerun the baseline: no commit 'no-such-branch' here");
  });
});
