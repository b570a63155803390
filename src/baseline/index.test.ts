import { describe, expect, it } from 'vitest';
import { createRepo } from '../../test/helpers/git.js';
import { ProjectConfigSchema } from '../config/schema.js';
import { compare } from '../compare/compare.js';
import {
  BaselineConfigSchema,
  compareInputs,
  GitBranchStore,
  loadBaselines,
  openBaselineStore,
  PathStore,
  saveBaselines,
} from './index.js';
import { fakeResults } from '../../test/kits/baseline.js';
import { tempDir } from '../../test/helpers/tmp.js';

describe('BaselineConfigSchema', () => {
  it('defaults to the git-branch store, redacted', () => {
    const config = ProjectConfigSchema.parse({
      targets: { t: { type: 'command', command: ['x'] } },
      suites: ['s.yml'],
    });
    expect(config.baseline).toEqual({
      store: 'git-branch',
      branch: 'evalgate-baselines',
      path: '.evalgate/baselines',
      privacy: 'redacted',
    });
  });

  it('rejects unknown stores, privacy modes, keys and bad branch names', () => {
    for (const bad of [
      { store: 's3' },
      { privacy: 'none' },
      { branch: 'a..b' },
      { branch: 'x.lock' },
      { extra: 1 },
    ])
      expect(BaselineConfigSchema.safeParse(bad).success).toBe(false);
  });
});

describe('openBaselineStore', () => {
  it('opens the store the config names; rerun keeps none', () => {
    const config = BaselineConfigSchema.parse({});
    expect(openBaselineStore(config, { rootDir: '/r' })).toBeInstanceOf(GitBranchStore);
    expect(openBaselineStore({ ...config, store: 'path' }, { rootDir: '/r' })).toBeInstanceOf(PathStore);
    expect(openBaselineStore({ ...config, store: 'rerun' }, { rootDir: '/r' })).toBeNull();
  });
});

describe('saveBaselines and loadBaselines', () => {
  it('stores a default-branch run, then loads what the store has and reruns the base for the rest', async () => {
    const repo = createRepo();
    repo.write({ 'evalgate.yml': 'base\n' });
    repo.commit('base');
    const store = new PathStore({ rootDir: tempDir('evalgate-idx-'), dir: 'b' });
    const saved = await saveBaselines({
      store,
      results: fakeResults([{ id: 'stored' }, { id: 'other' }]),
      privacy: 'redacted',
      suiteIds: ['stored'],
    });
    expect(saved.baselines.map((b) => b.suite)).toEqual(['stored']);

    let reran: readonly string[] = [];
    const loaded = await loadBaselines({
      store,
      suiteIds: ['stored', 'fresh', 'gone'],
      rerun: {
        repoDir: repo.dir,
        baseRef: 'main',
        configPath: 'evalgate.yml',
        runSuites: async (_dir, { suiteIds }) => {
          reran = suiteIds;
          return fakeResults([{ id: 'fresh' }]);
        },
      },
    });
    expect(reran).toEqual(['fresh', 'gone']);
    expect(loaded.sources).toEqual({ stored: 'store', fresh: 'rerun', gone: 'missing' });
    expect(loaded.baselines.get('fresh')!.privacy).toBe('raw');
    expect(loaded.results.suites.map((s) => s.id)).toEqual(['fresh', 'stored']);

    // What `evalgate run --base` does next.
    const current = fakeResults([{ id: 'stored', contentHash: 'edited' }, { id: 'fresh' }], {
      evalgateVersion: '0.2.0',
    });
    const comparison = compare(loaded.results, current, compareInputs(loaded.baselines, current));
    const stored = comparison.suites.find((s) => s.id === 'stored')!;
    expect(stored.status).toBe('not-comparable');
    expect(stored.changes).toContain('evalgate 0.1.0 → 0.2.0');
  });

  it('with rerun.always, measures every suite at the base and reads nothing from the store', async () => {
    const repo = createRepo();
    repo.commit('base');
    const loaded = await loadBaselines({
      store: null,
      suiteIds: ['a'],
      rerun: {
        always: true,
        repoDir: repo.dir,
        baseRef: 'HEAD',
        configPath: 'evalgate.yml',
        runSuites: async () => fakeResults([{ id: 'a' }]),
      },
    });
    expect(loaded.sources).toEqual({ a: 'rerun' });
  });
});
