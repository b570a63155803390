import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './wilson.js';

describe('wilsonInterval', () => {
  // Newcombe (1998a), "Two-sided confidence intervals for the single proportion: comparison
  // of seven methods", Stat Med 17:857–872, Table I, method 3 (score, no continuity
  // correction), 95%.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i → %f to %f (Newcombe 1998a)', (x, n, lower, upper) => {
    const w = wilsonInterval(x, n);
    console.log(
      `Wilson ${x}/${n}: ${w.lower.toFixed(4)} to ${w.upper.toFixed(4)} (published ${lower} to ${upper})`,
    );
    expect(w.lower).toBeCloseTo(lower, 4);
    expect(w.upper).toBeCloseTo(upper, 4);
  });

  it('stays inside [0, 1] at the edges', () => {
    expect(wilsonInterval(20, 20)).toMatchObject({ upper: 1 });
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
  });
});
