import { describe, expect, it } from 'vitest';
import { gate } from '../gate/gate.js';
import type { ResultsDocument, SuiteResult } from '../results/types.js';
import { compare } from './compare.js';
import { createRng, type Rng } from './stats/rng.js';
import {
  realisticPassProbabilities,
  syntheticResults,
  type SyntheticSuite,
} from '../../test/kits/synthetic.js';

/**
 * Each suite is its own Holm family: a suite's verdict, p-values and reasons are a function
 * of that suite's data and the config, never of which other suites the plan happened to run.
 */

function runs(suites: SyntheticSuite[], broken: Set<string>, seed: number) {
  const base = syntheticResults({ suites }, createRng(seed));
  const cur = syntheticResults(
    {
      suites: suites.map((s) => ({
        ...s,
        cases: s.cases.map((c) => (broken.has(`${s.id}/${c.id}`) ? { ...c, pass: 0 } : c)),
      })),
    },
    createRng(seed + 1),
  );
  return { base, cur };
}

function withSuites(doc: ResultsDocument, extra: SuiteResult[], at: number): ResultsDocument {
  const suites = [...doc.suites];
  suites.splice(at, 0, ...extra);
  return { ...doc, suites };
}

function randomSuite(id: string, rng: Rng): SyntheticSuite {
  const n = 20 + Math.floor(rng.next() * 100);
  const p = realisticPassProbabilities(n, rng);
  return {
    id,
    tier: rng.next() < 0.7 ? 'trusted' : 'monitoring',
    repeat: 1 + Math.floor(rng.next() * 3),
    cases: p.map((pass, i) => ({
      id: `c${i}`,
      pass,
      error: rng.next() < 0.3 ? 0.05 : 0,
      ...(rng.next() < 0.3 ? { judge: 0.5 + 0.4 * rng.next() } : {}),
    })),
  };
}

describe('Holm family per suite', () => {
  // The worked example: 120 cases, 3 samples each, 10 truly broken. Alone, the
  // suite fails; next to three other suites it must still fail, with the same p-value.
  const target: SyntheticSuite = {
    id: 'checkout',
    repeat: 3,
    cases: Array.from({ length: 120 }, (_, i) => ({ id: `c${i}`, pass: i < 10 ? 0.8 : 1 })),
  };
  const brokenIds = new Set(Array.from({ length: 10 }, (_, i) => `checkout/c${i}`));

  it('gives a suite the same verdict alone and beside three other suites', () => {
    const alone = runs([target], brokenIds, 7);
    const rng = createRng(99);
    const others = runs(
      ['a', 'b', 'c'].map((id) => randomSuite(id, rng)),
      new Set(),
      8,
    );
    const one = compare(alone.base, alone.cur);
    const four = compare(
      withSuites(alone.base, others.base.suites, 1),
      withSuites(alone.cur, others.cur.suites, 1),
    );
    const m1 = one.suites[0]!.metrics.find((m) => m.metric === 'passRate')!;
    const m4 = four.suites[0]!.metrics.find((m) => m.metric === 'passRate')!;
    expect(m1.verdict).toBe('regressed');
    expect(m4).toEqual(m1);
    expect(four.method.tested).toBeGreaterThan(one.method.tested);
    expect(gate(one).verdict).toBe('fail');
    expect(gate(four).reasons.filter((r) => r.suite === 'checkout')).toEqual(
      gate(one).reasons.filter((r) => r.suite === 'checkout'),
    );
  });

  it('property: the same suite data gives the same verdict, p-values and reasons with 1 or 10 suites', () => {
    const rng = createRng(2024);
    for (let trial = 0; trial < 15; trial++) {
      const suite = randomSuite('under-test', rng);
      const broken = new Set(suite.cases.filter(() => rng.next() < 0.1).map((c) => `under-test/${c.id}`));
      const alone = runs([suite], broken, 100 + trial);
      const othersSpec = Array.from({ length: 9 }, (_, i) => randomSuite(`other-${i}`, rng));
      const othersBroken = new Set(
        othersSpec.flatMap((s) => s.cases.filter(() => rng.next() < 0.1).map((c) => `${s.id}/${c.id}`)),
      );
      const others = runs(othersSpec, othersBroken, 200 + trial);
      const at = Math.floor(rng.next() * 10);
      const one = compare(alone.base, alone.cur, { seed: trial });
      const ten = compare(
        withSuites(others.base, alone.base.suites, at),
        withSuites(others.cur, alone.cur.suites, at),
        { seed: trial },
      );
      const s1 = one.suites[0]!;
      const s10 = ten.suites.find((s) => s.id === 'under-test')!;
      expect(ten.suites).toHaveLength(10);
      expect(s10).toEqual(s1);
      const reasons = (v: ReturnType<typeof gate>) => v.reasons.filter((r) => r.suite === 'under-test');
      expect(reasons(gate(ten))).toEqual(reasons(gate(one)));
    }
  });
});
