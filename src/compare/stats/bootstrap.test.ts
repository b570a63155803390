import { describe, expect, it } from 'vitest';
import { pairedBootstrapMeanInterval } from './bootstrap.js';
import { createRng } from './rng.js';

describe('pairedBootstrapMeanInterval', () => {
  it('is reproducible for a seed and close to the normal-theory interval for a smooth mean', () => {
    const gen = createRng(7);
    const d = Array.from({ length: 400 }, () => gen.next() - 0.45);
    const a = pairedBootstrapMeanInterval(d, { rng: createRng(1), resamples: 4000 });
    const b = pairedBootstrapMeanInterval(d, { rng: createRng(1), resamples: 4000 });
    expect(a).toEqual(b);
    const m = d.reduce((s, x) => s + x, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1));
    const half = (1.959964 * sd) / Math.sqrt(d.length);
    console.log(
      `bootstrap ${a.lower.toFixed(4)} to ${a.upper.toFixed(4)}; normal theory ${(m - half).toFixed(4)} to ${(m + half).toFixed(4)}`,
    );
    expect(a.lower).toBeCloseTo(m - half, 2);
    expect(a.upper).toBeCloseTo(m + half, 2);
  });

  it('samples sparse differences like the plain bootstrap (same distribution of the mean)', () => {
    // 10 of 200 cases moved by −1: the resampled mean is −Binomial(200, 0.05)/200, whose
    // 2.5% and 97.5% points are −0.08 and −0.02 (quantiles of Binomial(200, 0.05) are 4 and 16).
    const d = [...Array<number>(10).fill(-1), ...Array<number>(190).fill(0)];
    const r = pairedBootstrapMeanInterval(d, { rng: createRng(3), resamples: 20000 });
    expect(r.lower).toBeCloseTo(-0.08, 2);
    expect(r.upper).toBeCloseTo(-0.02, 2);
  });

  it('is degenerate for constant differences', () => {
    expect(pairedBootstrapMeanInterval([0, 0, 0], { rng: createRng(1) })).toEqual({ lower: 0, upper: 0 });
  });
});
