import { describe, expect, it } from 'vitest';
import { compare } from '../compare/compare.js';
import { createRng } from '../compare/stats/rng.js';
import type { ResultsDocument } from '../results/types.js';
import { syntheticResults } from '../../test/kits/synthetic.js';
import { gate } from './gate.js';
import { GatePolicySchema } from './schema.js';

/**
 * A batch run (`run --batch`) measures no latency and pays half price. A live pull request
 * compared with a batch baseline must not read that as +100 % cost or a latency jump from
 * 0 ms, nor pass the budgets on nothing: they are said to be not compared.
 */
function run(seed: string, costPerCall: number, latencyMs: number, batch: boolean): ResultsDocument {
  const cases = Array.from({ length: 40 }, (_, i) => ({
    id: `c${i}`,
    pass: 1,
    latencyMs,
    cost: costPerCall,
  }));
  const doc = syntheticResults({ suites: [{ id: 's', cases }] }, createRng(seed));
  if (batch) doc.run.options = { ...doc.run.options, batch: { batches: ['batch_1'] } };
  return doc;
}

const policy = GatePolicySchema.parse({});
const budgetReasons = (base: ResultsDocument, cur: ResultsDocument) =>
  gate(compare(base, cur, { seed: 1, bootstrapResamples: 500 }), policy).reasons.filter((r) =>
    r.code.startsWith('budget'),
  );

describe('budgets beside a batch run', () => {
  it('a live run against a batch baseline: latency and cost not compared (a warning), not +100 %', () => {
    const reasons = budgetReasons(run('b', 0.0005, 1, true), run('c', 0.001, 800, false));
    expect(reasons.map((r) => [r.level, r.code, r.metric])).toEqual([
      ['warn', 'budget-not-compared', 'latencyP95'],
      ['warn', 'budget-not-compared', 'costPerCase'],
    ]);
    expect(reasons[0]!.message).toContain('the baseline was answered through the Batch API');
  });

  it('two batch runs: cost is compared, latency is a note', () => {
    const same = budgetReasons(run('b', 0.0005, 1, true), run('c', 0.0005, 1, true));
    expect(same.map((r) => [r.level, r.code, r.metric])).toEqual([
      ['info', 'budget-not-compared', 'latencyP95'],
    ]);
    const dearer = budgetReasons(run('b', 0.0005, 1, true), run('c', 0.001, 1, true));
    expect(dearer.some((r) => r.code === 'budget-relative' && r.metric === 'costPerCase')).toBe(true);
  });

  it('two live runs: the budgets read as before (+100 % cost trips)', () => {
    const reasons = budgetReasons(run('b', 0.0005, 100, false), run('c', 0.001, 100, false));
    expect(reasons.some((r) => r.code === 'budget-relative' && r.metric === 'costPerCase')).toBe(true);
    expect(reasons.some((r) => r.code === 'budget-not-compared')).toBe(false);
  });
});
