import { createRng } from '../../compare/stats/rng.js';
import type { ProductionRecord } from '../record.js';

export interface Located {
  record: ProductionRecord;
  file: string;
  line: number;
}

/**
 * Up to `n` of the records, drawn without replacement with probability proportional to
 * 1 / sampleRate (Efraimidis–Spirakis: key u^(1/w), the n largest keys), so the replayed sample
 * mirrors production traffic as the policy sampled it: a risk tag recorded at 100 % does not
 * crowd out a route recorded at 1 %. Seeded: the same records and seed give the same sample.
 * Returned in file order.
 */
export function sampleRecords<T extends Located>(records: readonly T[], n: number, seed: number): T[] {
  if (records.length <= n) return [...records];
  const rng = createRng(`shadow:${seed}`);
  const keyed = records.map((r, i) => {
    const w = r.record.sampleRate > 0 ? 1 / r.record.sampleRate : 1;
    // log(u)/w orders as u^(1/w) does, without underflow.
    return { i, key: Math.log(Math.max(rng.next(), Number.MIN_VALUE)) / w };
  });
  keyed.sort((a, b) => b.key - a.key || a.i - b.i);
  return keyed
    .slice(0, n)
    .sort((a, b) => a.i - b.i)
    .map((k) => records[k.i]!);
}
