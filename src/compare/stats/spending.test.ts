import { describe, expect, it } from 'vitest';
import { alphaSpent, splitAlpha } from './spending.js';

describe('splitAlpha', () => {
  it('spends exactly α over all stages, whatever the function', () => {
    for (const f of ['bonferroni', 'pocock', 'obrien-fleming'] as const) {
      const stages = splitAlpha(0.05, [0.5, 1], f);
      console.log(`${f}: stage α = ${stages.map((a) => a.toFixed(5)).join(' + ')}`);
      expect(stages.reduce((a, b) => a + b, 0)).toBeCloseTo(0.05, 12);
      expect(stages.every((a) => a > 0)).toBe(true);
    }
  });

  it('matches the Lan–DeMets spending functions at t = ½', () => {
    expect(splitAlpha(0.05, 2, 'bonferroni')).toEqual([0.025, 0.025].map((x) => expect.closeTo(x, 12)));
    // Pocock-type: 0.05 · ln(1 + (e − 1)/2) = 0.0310057.
    expect(alphaSpent(0.05, 0.5, 'pocock')).toBeCloseTo(0.0310057253, 9);
    // O'Brien–Fleming-type: 2 − 2Φ(1.959964/√0.5) = 0.0055746.
    expect(alphaSpent(0.05, 0.5, 'obrien-fleming')).toBeCloseTo(0.0055745967, 9);
  });

  it('refuses a bad design', () => {
    expect(() => splitAlpha(0, 2)).toThrow(RangeError);
    expect(() => splitAlpha(0.05, [0.6, 0.4])).toThrow(RangeError);
  });
});
