import { describe, expect, it } from 'vitest';
import { createRepo } from '../../test/helpers/git.js';
import { ProjectConfigSchema } from '../config/schema.js';
import { compare } from '../compare/compare.js';
import {
  BASELINE_HISTORY_MAX,
  BaselineConfigSchema,
  baselineHistory,
  compareInputs,
  createBaselines,
  GitBranchStore,
  loadBaselines,
  openBaselineStore,
  parseBaseline,
  PathStore,
  saveBaselines,
  serializeBaseline,
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

describe('baseline history', () => {
  const run = (n: number, outcomes: string) =>
    fakeResults([{ id: 'support', outcomes }, { id: 'other' }], {
      gitSha: String(n).padStart(40, '0'),
      finishedAt: `2026-01-${String(n).padStart(2, '0')}T00:00:00.000Z`,
    });

  it('each save carries the replaced baseline’s pass-rate history forward, oldest first, capped', async () => {
    const store = new PathStore({ rootDir: tempDir('evalgate-hist-'), dir: 'b' });
    await saveBaselines({ store, results: run(1, 'PPPP'), privacy: 'hash' });
    await saveBaselines({ store, results: run(2, 'PPPF'), privacy: 'hash' });
    const third = await saveBaselines({
      store,
      results: run(3, 'PPFF'),
      privacy: 'hash',
      suiteIds: ['support'],
    });
    expect(third.baselines[0]!.history).toEqual([
      { commit: '1'.padStart(40, '0'), recordedAt: '2026-01-01T00:00:00.000Z', passRate: 1, cases: 4 },
      { commit: '2'.padStart(40, '0'), recordedAt: '2026-01-02T00:00:00.000Z', passRate: 0.75, cases: 4 },
      { commit: '3'.padStart(40, '0'), recordedAt: '2026-01-03T00:00:00.000Z', passRate: 0.5, cases: 4 },
    ]);
    // Read back through the parser, and `other` (not saved the third time) kept its two points.
    const loaded = await store.load(['support', 'other']);
    expect(loaded.get('support')!.history!.map((h) => h.passRate)).toEqual([1, 0.75, 0.5]);
    expect(loaded.get('other')!.history!.map((h) => h.commit?.slice(-1))).toEqual(['1', '2']);

    // Saving the same run again replaces its point; past the cap the oldest points go.
    await saveBaselines({ store, results: run(3, 'PPFF'), privacy: 'hash', suiteIds: ['support'] });
    expect((await store.load(['support'])).get('support')!.history).toHaveLength(3);
    for (let n = 4; n <= BASELINE_HISTORY_MAX + 5; n++)
      await saveBaselines({ store, results: run(n, 'PPPP'), privacy: 'hash', suiteIds: ['support'] });
    const history = (await store.load(['support'])).get('support')!.history!;
    expect(history).toHaveLength(BASELINE_HISTORY_MAX);
    expect(history.at(-1)!.recordedAt).toBe(`2026-01-${BASELINE_HISTORY_MAX + 5}T00:00:00.000Z`);
    expect(history[0]!.recordedAt).toBe('2026-01-06T00:00:00.000Z');
  });

  it('a baseline written before history existed still loads, and starts the history of its successor', async () => {
    const store = new PathStore({ rootDir: tempDir('evalgate-hist-'), dir: 'b' });
    const [old] = createBaselines(run(1, 'PPPF'), { privacy: 'raw' });
    delete old!.history;
    await store.save([old!]);
    const loaded = (await store.load(['support'])).get('support')!;
    expect(loaded.history).toBeUndefined();
    expect(baselineHistory(loaded)).toEqual([
      { commit: '1'.padStart(40, '0'), recordedAt: '2026-01-01T00:00:00.000Z', passRate: 0.75, cases: 4 },
    ]);
    const saved = await saveBaselines({
      store,
      results: run(2, 'PPPP'),
      privacy: 'raw',
      suiteIds: ['support'],
    });
    expect(saved.baselines[0]!.history!.map((h) => h.passRate)).toEqual([0.75, 1]);
  });

  it('a malformed history is refused like any other malformed baseline', () => {
    const [b] = createBaselines(run(1, 'PP'), { privacy: 'raw' });
    const text = serializeBaseline({ ...b!, history: [{ recordedAt: 'x', passRate: 2, cases: 1 }] });
    expect(() => parseBaseline(text, 'support.json')).toThrow(
      expect.objectContaining({ location: expect.objectContaining({ field: 'history[0].passRate' }) }),
    );
  });
});
