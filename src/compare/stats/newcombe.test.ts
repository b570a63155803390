import { describe, expect, it } from 'vitest';
import { newcombePairedDifference } from './newcombe.js';

describe('newcombePairedDifference (method 10)', () => {
  it.each([
    // Newcombe (1998b), "Improved confidence intervals for the difference between binomial
    // proportions based on paired data", Stat Med 17:2635–2650, worked example a=20, b=12,
    // c=2, d=16 (n = 50): θ = 0.2, method 10 gives 0.0562 to 0.3292.
    [{ a: 20, b: 12, c: 2, d: 16 }, 0.2, 0.0562, 0.3292],
    // Fagerland, Lydersen & Laake (2014), "Recommended tests and confidence intervals for
    // paired binomial proportions", Stat Med 33:2850–2875, Table II: Bentur et al. data
    // a=1, b=1, c=7, d=12 (n = 21), Newcombe square-and-add: −0.507 to −0.026.
    [{ a: 1, b: 1, c: 7, d: 12 }, -6 / 21, -0.507, -0.026],
  ])('%o → %f, %f to %f', (table, estimate, lower, upper) => {
    const r = newcombePairedDifference(table);
    console.log(
      `Newcombe paired ${JSON.stringify(table)}: θ=${r.estimate.toFixed(4)}, ${r.lower.toFixed(4)} to ${r.upper.toFixed(4)} (published ${lower} to ${upper})`,
    );
    expect(r.estimate).toBeCloseTo(estimate, 10);
    expect(r.lower).toBeCloseTo(lower, 3);
    expect(r.upper).toBeCloseTo(upper, 3);
  });

  it('is antisymmetric when the arms swap', () => {
    const r = newcombePairedDifference({ a: 20, b: 12, c: 2, d: 16 });
    const s = newcombePairedDifference({ a: 20, b: 2, c: 12, d: 16 });
    expect(s.lower).toBeCloseTo(-r.upper, 12);
    expect(s.upper).toBeCloseTo(-r.lower, 12);
  });

  it('gives a wide, valid interval for an empty table and stays within [−1, 1]', () => {
    expect(newcombePairedDifference({ a: 0, b: 0, c: 0, d: 0 })).toMatchObject({ lower: -1, upper: 1 });
    const r = newcombePairedDifference({ a: 0, b: 10, c: 0, d: 0 });
    expect(r.upper).toBeLessThanOrEqual(1);
    expect(r.lower).toBeGreaterThan(0);
  });
});
