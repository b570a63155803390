import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
    cache.set(KEY, VALUE);
    const hit = (await cache.get(KEY))!;
    hit.output.output = 'changed';
    expect((await cache.get(KEY))!.output.output).toBe('hello');
    expect(cache.size).toBe(1);
  });
});
