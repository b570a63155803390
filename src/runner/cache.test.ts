import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDiskCache, createMemoryCache } from './cache.js';
import { tempDir } from '../../test/kits/runner.js';

const KEY = 'ab'.padEnd(64, '0');
const VALUE = { output: { output: 'hello', usage: { prompt: 1, completion: 2, total: 3 } }, latencyMs: 42.5 };

describe('createDiskCache', () => {
  it('stores entries content-addressed, and reads them back', async () => {
    const dir = tempDir();
    const cache = createDiskCache(dir);
    expect(cache.get(KEY)).toBeUndefined();
    await cache.set(KEY, VALUE);
    expect(readdirSync(join(dir, 'ab'))).toEqual([`${KEY}.json`]);
    expect(createDiskCache(dir).get(KEY)).toEqual(VALUE);
  });

  it('treats a torn, foreign or malformed entry as a miss', async () => {
    const dir = tempDir();
    const cache = createDiskCache(dir);
    await cache.set(KEY, VALUE);
    const file = join(dir, 'ab', `${KEY}.json`);
    const good = readFileSync(file, 'utf8');
    for (const bad of [
      good.slice(0, 20),
      '',
      'null',
      good.replace(KEY, 'ab'.padEnd(64, '1')),
      '{"v":1,"key":"' + KEY + '","latencyMs":1,"output":{}}',
    ]) {
      writeFileSync(file, bad);
      expect(cache.get(KEY)).toBeUndefined();
    }
    await cache.set(KEY, VALUE);
    expect(cache.get(KEY)).toEqual(VALUE);
  });

  it('tells whether an entry is there without reading it, and says no to any torn or foreign one', async () => {
    const dir = tempDir();
    const cache = createDiskCache(dir);
    expect(cache.has!(KEY)).toBe(false);
    await cache.set(KEY, { ...VALUE, output: { output: 'x'.repeat(100_000) } });
    expect(cache.has!(KEY)).toBe(true);
    expect(cache.has!('ab'.padEnd(64, '1'))).toBe(false);
    const file = join(dir, 'ab', `${KEY}.json`);
    const good = readFileSync(file, 'utf8');
    for (const bad of [
      good.slice(0, 20),
      good.slice(0, -1),
      good.slice(0, good.length / 2),
      '',
      'null',
      good.replace(KEY, 'ab'.padEnd(64, '1')),
      good.replace('{"v":1,', '{"v":2,'),
    ]) {
      writeFileSync(file, bad);
      expect(cache.has!(KEY), bad.slice(0, 80)).toBe(false);
      expect(cache.get(KEY)).toBeUndefined();
    }
    // A directory where the entry should be is unreadable: no.
    rmSync(file);
    mkdirSync(file);
    expect(cache.has!(KEY)).toBe(false);
  });

  it('leaves no temp files behind, even when writes of one key race', async () => {
    const dir = tempDir();
    const cache = createDiskCache(dir);
    const writes: (void | Promise<void>)[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(cache.set(`${(i % 4).toString(16).padStart(2, '0')}${String(i).padEnd(62, 'f')}`, VALUE));
    }
    for (let i = 0; i < 10; i++) writes.push(cache.set(KEY, { ...VALUE, latencyMs: i }));
    await Promise.all(writes);
    const files = readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)));
    expect(files).toHaveLength(21);
    expect(files.filter((f) => !f.endsWith('.json') || f.startsWith('.'))).toEqual([]);
    expect(cache.get(KEY)).toMatchObject({ output: VALUE.output });
  });
});

describe('createMemoryCache', () => {
  it('returns copies, so a hit cannot alias what was stored', async () => {
    const cache = createMemoryCache();
    expect(cache.has!(KEY)).toBe(false);
    cache.set(KEY, VALUE);
    const hit = (await cache.get(KEY))!;
    hit.output.output = 'changed';
    expect((await cache.get(KEY))!.output.output).toBe('hello');
    expect(cache.size).toBe(1);
  });
});
