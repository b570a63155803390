import { describe, expect, it } from 'vitest';
import { quantile } from './descriptive.js';
import { bootstrapIncrease } from './increase.js';
import { createRng, type Rng } from './rng.js';

/** The plain algorithm: expand each resample and compute the statistic on it. */
function naive(
  base: number[],
  cur: number[],
  stat: (v: number[]) => number,
  paired: boolean,
  resamples: number,
  alpha: number,
  rng: Rng,
) {
  const d: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const ib = base.map(() => rng.int(base.length));
    const ic = paired ? ib : cur.map(() => rng.int(cur.length));
    // The fast version draws counts; the multiset is the same, so is the statistic.
    d.push(stat(ic.map((i) => cur[i]!)) - stat(ib.map((i) => base[i]!)));
  }
  return { lower: quantile(d, alpha), upper: quantile(d, 1 - alpha) };
}

const p95 = (v: number[]) => quantile(v, 0.95);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('bootstrapIncrease', () => {
  const gen = createRng(3);
  const base = Array.from({ length: 60 }, () => Math.round(40 + 30 * gen.next()));
  const cur = base.map((x) => x + Math.round(20 * gen.next()));

  it.each([
    ['p95', true],
    ['p95', false],
    ['mean', true],
    ['mean', false],
  ] as const)('%s (paired %s) equals the plain algorithm resample for resample', (statistic, paired) => {
    const fast = bootstrapIncrease(base, cur, {
      statistic,
      paired,
      alpha: 0.05,
      resamples: 300,
      rng: createRng(9),
    })!;
    const slow = naive(base, cur, statistic === 'p95' ? p95 : mean, paired, 300, 0.05, createRng(9));
    expect(fast.lower).toBeCloseTo(slow.lower, 9);
    expect(fast.upper).toBeCloseTo(slow.upper, 9);
    expect(fast.baseline).toBeCloseTo(statistic === 'p95' ? p95(base) : mean(base), 9);
    expect(fast.current).toBeCloseTo(statistic === 'p95' ? p95(cur) : mean(cur), 9);
  });

  it('a constant shift of every case gives that shift as both bounds (paired mean)', () => {
    const r = bootstrapIncrease([10, 20, 30, 40], [20, 30, 40, 50], {
      statistic: 'mean',
      paired: true,
      alpha: 0.05,
      resamples: 500,
      rng: createRng(1),
    })!;
    expect(r).toMatchObject({
      baseline: 25,
      current: 35,
      increase: 10,
      increasePct: 40,
      lower: 10,
      upper: 10,
    });
  });

  it('bootstraps the relative increase, and rising from a 0 baseline is +∞', () => {
    const zero = bootstrapIncrease([0, 0, 0], [1, 1, 1], {
      statistic: 'mean',
      paired: true,
      alpha: 0.05,
      resamples: 200,
      rng: createRng(1),
    })!;
    expect(zero.increasePct).toBeNull();
    expect(zero.lowerPct).toBe(Infinity);
    const doubled = bootstrapIncrease(
      base,
      base.map((x) => 2 * x),
      {
        statistic: 'p95',
        paired: true,
        alpha: 0.05,
        resamples: 500,
        rng: createRng(1),
      },
    )!;
    expect(doubled.lowerPct).toBeCloseTo(100, 9);
  });

  it('is reproducible for a seed, and bounds the work on large inputs', () => {
    const big = Array.from({ length: 50_000 }, (_, i) => i % 97);
    const a = bootstrapIncrease(big, big, {
      statistic: 'p95',
      paired: true,
      alpha: 0.05,
      resamples: 2000,
      rng: createRng(4),
    })!;
    expect(a.resamples).toBe(200); // 10,000,000 draws / 50,000 cases
    const small = () =>
      bootstrapIncrease(base, cur, {
        statistic: 'p95',
        paired: true,
        alpha: 0.05,
        resamples: 2000,
        rng: createRng(4),
      });
    expect(small()).toEqual(small());
    expect(small()!.resamples).toBe(2000);
  });

  it('needs values in both arms, and equal lengths when paired', () => {
    const o = { statistic: 'mean' as const, alpha: 0.05, resamples: 10, rng: createRng(1) };
    expect(bootstrapIncrease([], [1], { ...o, paired: false })).toBeNull();
    expect(bootstrapIncrease([1, 2], [1], { ...o, paired: true })).toBeNull();
  });
});
