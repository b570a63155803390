import { describe, expect, it } from 'vitest';
import type { SampleResult } from '../results/types.js';
import { ExactSum, percentile, SuiteMetricsAccumulator } from './metrics.js';

/** A deterministic PRNG (mulberry32) so shuffles are the same every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('percentile (linear interpolation, type 7)', () => {
  it('matches the worked example and numpy', () => {
    const xs = [10, 20, 30, 40, 50];
    expect(percentile(xs, 0.5)).toBe(30);
    expect(percentile(xs, 0.95)).toBeCloseTo(48, 12); // h = 3.8
    expect(percentile(xs, 0.99)).toBeCloseTo(49.6, 12);
    expect(percentile(xs, 0)).toBe(10);
    expect(percentile(xs, 1)).toBe(50);
    // numpy.percentile([1, 2, 3, 4], [50, 95]) == [2.5, 3.85]
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 0.95)).toBeCloseTo(3.85, 12);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('ExactSum', () => {
  it('is exact where naive summation is not', () => {
    const s = new ExactSum();
    for (const x of [1e100, 1, -1e100, 0.1, 0.2]) s.add(x);
    expect(s.value()).toBe(1.3);
    const tenth = new ExactSum();
    for (let i = 0; i < 10; i++) tenth.add(0.1);
    expect(tenth.value()).toBe(1);
  });

  it('gives the same bits in any order (fixed-seed property test)', () => {
    const random = rng(42);
    for (let trial = 0; trial < 50; trial++) {
      const xs = Array.from({ length: 200 }, () => (random() - 0.3) * 10 ** Math.floor(random() * 12 - 6));
      const reference = new ExactSum();
      xs.forEach((x) => reference.add(x));
      const other = new ExactSum();
      shuffle(xs, random).forEach((x) => other.add(x));
      expect(other.value()).toBe(reference.value());
    }
  });
});

describe('SuiteMetricsAccumulator', () => {
  const sample = (over: Partial<SampleResult>): SampleResult => ({
    index: 0,
    status: 'pass',
    graders: [],
    retries: 0,
    cached: false,
    ...over,
  });

  it('reports identical metrics whatever order the cases finish in', () => {
    const random = rng(7);
    const cases = Array.from({ length: 300 }, (_, i) => ({
      c: { id: `c${i}`, blocker: i % 10 === 0, index: i },
      status: (['pass', 'fail', 'error'] as const)[i % 3]!,
      samples: [
        sample({
          status: (['pass', 'fail', 'error'] as const)[i % 3]!,
          ...(i % 3 !== 2 && { output: { output: 'x' }, latencyMs: 10 + random() * 1000 }),
          graders: [{ grader: 'g', pass: i % 3 === 0, score: random(), reason: '' }],
          tokens: { prompt: 3, completion: 4, total: 7 },
          cost: random() / 1e4,
          refusal: i % 7 === 0,
        }),
      ],
    }));
    const a = new SuiteMetricsAccumulator();
    cases.forEach((x) => a.addCase(x.c, x.status, x.samples));
    const b = new SuiteMetricsAccumulator();
    shuffle(cases, random).forEach((x) => b.addCase(x.c, x.status, x.samples));
    expect(b.snapshot()).toEqual(a.snapshot());
    const m = a.snapshot();
    expect(m.passRate).toBe(100 / 200);
    expect(m.errorRate).toBe(100 / 300);
    expect(m.blockerFailures).toEqual([
      'c10',
      'c20',
      'c40',
      'c50',
      'c70',
      'c80',
      'c100',
      'c110',
      'c130',
      'c140',
      'c160',
      'c170',
      'c190',
      'c200',
      'c220',
      'c230',
      'c250',
      'c260',
      'c280',
      'c290',
    ]);
  });

  it('is empty-safe', () => {
    expect(new SuiteMetricsAccumulator().snapshot()).toEqual({
      cases: 0,
      samples: 0,
      passed: 0,
      failed: 0,
      errors: 0,
      passRate: null,
      errorRate: 0,
      refusalRate: null,
      graderScores: {},
      latencyMs: null,
      tokens: { prompt: 0, completion: 0, total: 0, cached: 0, perCase: 0 },
      cost: null,
      blockerFailures: [],
    });
  });
});
