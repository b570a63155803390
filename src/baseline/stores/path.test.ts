import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BaselineError, createBaselines, serializeBaseline } from '../document.js';
import { fakeResults } from '../../../test/kits/baseline.js';
import { PathStore } from './path.js';
import { tempDir } from '../../../test/helpers/tmp.js';

const baselines = createBaselines(fakeResults([{ id: 'a' }, { id: 'team/b' }]), { privacy: 'raw' });

describe('PathStore', () => {
  it('writes one file per suite and reads them back', async () => {
    const root = tempDir('evalgate-path-');
    const store = new PathStore({ rootDir: root, dir: '.evalgate/baselines' });
    expect(await store.load(['a'])).toEqual(new Map());
    expect(await store.list()).toEqual([]);
    const saved = await store.save(baselines);
    expect(saved).toEqual({
      locations: { a: '.evalgate/baselines/a.json', 'team/b': '.evalgate/baselines/team%2Fb.json' },
      attempts: 1,
    });
    expect(readdirSync(join(root, '.evalgate/baselines')).sort()).toEqual(['a.json', 'team%2Fb.json']);
    expect(readFileSync(join(root, '.evalgate/baselines/a.json'), 'utf8')).toBe(
      serializeBaseline(baselines[0]!),
    );
    const loaded = await store.load(['a', 'team/b', 'nope']);
    expect(loaded.get('team/b')).toEqual(baselines[1]);
    expect(loaded.has('nope')).toBe(false);
    expect((await store.list()).map((l) => [l.suite, l.cases, l.evalgateVersion, l.commit])).toEqual([
      ['a', 3, '0.1.0', 'a'.repeat(40)],
      ['team/b', 3, '0.1.0', 'a'.repeat(40)],
    ]);
  });

  it('refuses a truncated or wrong-version file, naming it', async () => {
    const root = tempDir('evalgate-path-');
    const store = new PathStore({ rootDir: root, dir: 'baselines' });
    await store.save(baselines);
    const file = join(root, 'baselines/a.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, 200));
    const truncated = await store.load(['a']).catch((e: unknown) => e);
    expect(truncated).toBeInstanceOf(BaselineError);
    expect((truncated as BaselineError).format(root)).toMatch(
      /^baselines\/a\.json: baseline is not valid JSON/,
    );
    writeFileSync(file, text.replace('"schemaVersion": 1', '"schemaVersion": 0'));
    await expect(store.load(['a'])).rejects.toThrow(/schemaVersion 0, this evalgate reads 1/);
    await expect(store.list()).rejects.toThrow(/schemaVersion 0/);
  });
});
