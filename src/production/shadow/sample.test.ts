import { describe, expect, it } from 'vitest';
import type { ProductionRecord } from '../record.js';
import { sampleRecords } from './sample.js';

const record = (i: number, sampleRate: number) => ({
  record: {
    schemaVersion: 1,
    at: new Date(i * 1000).toISOString(),
    sampleRate,
    versions: {},
  } as ProductionRecord,
  file: 'r.jsonl',
  line: i + 1,
});

describe('sampleRecords', () => {
  it('draws ∝ 1/sampleRate: a route recorded at 10 % stands for ten times the traffic of one recorded at 100 %', () => {
    // 500 records of each; each 10 % record weighs 10, so about 10/11 of a small sample are those.
    const records = Array.from({ length: 1000 }, (_, i) => record(i, i % 2 ? 0.1 : 1));
    const shares = [1, 2, 3, 4, 5].map(
      (seed) => sampleRecords(records, 50, seed).filter((r) => r.record.sampleRate === 0.1).length / 50,
    );
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    expect(mean).toBeGreaterThan(0.82);
    expect(mean).toBeLessThan(0.97);
  });

  it('is seeded, without replacement, in file order, and takes everything when asked for more', () => {
    const records = Array.from({ length: 300 }, (_, i) => record(i, 0.5));
    const a = sampleRecords(records, 40, 7);
    expect(sampleRecords(records, 40, 7)).toEqual(a);
    expect(sampleRecords(records, 40, 8)).not.toEqual(a);
    expect(new Set(a.map((r) => r.line)).size).toBe(40);
    expect(a.map((r) => r.line)).toEqual([...a.map((r) => r.line)].sort((x, y) => x - y));
    expect(sampleRecords(records, 500, 1)).toHaveLength(300);
  });
});
