import { describe, expect, it } from 'vitest';
import { binOf, cohensH, mergeSparse, quantileEdges, testCells } from './cells.js';
import { chiSquareSurvival, logGamma } from './chi-square.js';

describe('χ² upper tail', () => {
  it('matches published critical values', () => {
    // Critical values from the standard table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4).
    expect(chiSquareSurvival(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(6.634897, 1)).toBeCloseTo(0.01, 6);
    expect(chiSquareSurvival(18.307038, 10)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(16.918978, 9)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(2, 2)).toBeCloseTo(Math.exp(-1), 12); // χ²(2) is exponential
  });
  it('keeps the far tail instead of rounding it to 0', () => {
    // P(χ²(1) ≥ 100) = erfc(√50) ≈ 1.5239706e-23
    expect(chiSquareSurvival(100, 1) / 1.5239706e-23).toBeCloseTo(1, 5);
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });
  it('ln Γ', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
});

describe('cells', () => {
  it('quantile edges of the reference, without repeats; ties go up', () => {
    const ref = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(quantileEdges(ref, 4)).toEqual([3, 6, 8]);
    expect(quantileEdges(Float64Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2, 3]), 5)).toEqual([0, 1, 2]);
    expect(binOf([3, 6, 8], 2)).toBe(0);
    expect(binOf([3, 6, 8], 3)).toBe(1);
    expect(binOf([3, 6, 8], 9)).toBe(3);
  });

  it('merges cells with an expected count under 5: ordered into a neighbour, categories into the next smallest', () => {
    const cells = [
      { label: 'a', reference: 50, current: 50 },
      { label: 'b', reference: 2, current: 1 },
      { label: 'c', reference: 30, current: 30 },
      { label: 'd', reference: 4, current: 4 },
    ];
    expect(mergeSparse(cells, true).map((c) => c.label)).toEqual(['a', 'b|c|d']);
    expect(mergeSparse(cells, false).map((c) => c.label)).toEqual(['a', 'b|d', 'c']);
    expect(
      mergeSparse(
        [
          { label: 'yes', reference: 1, current: 2 },
          { label: 'no', reference: 99, current: 98 },
        ],
        true,
      ),
    ).toHaveLength(1);
  });

  it('PSI and χ² of a worked example', () => {
    // 2 × 2 table [[60, 40], [40, 60]]: χ² = 4 · (10² / 50) = 8, df 1.
    const t = testCells(
      [
        { label: 'x', reference: 60, current: 40 },
        { label: 'y', reference: 40, current: 60 },
      ],
      false,
    );
    expect(t.chi2).toBeCloseTo(8, 10);
    expect(t.df).toBe(1);
    expect(t.p).toBeCloseTo(0.004678, 5);
    // PSI with half-record smoothing: r = (60.5, 40.5)/101, c = (40.5, 60.5)/101.
    const r = [60.5 / 101, 40.5 / 101];
    const c = [40.5 / 101, 60.5 / 101];
    expect(t.psi).toBeCloseTo(
      (c[0]! - r[0]!) * Math.log(c[0]! / r[0]!) + (c[1]! - r[1]!) * Math.log(c[1]! / r[1]!),
      12,
    );
  });

  it("Cohen's h", () => {
    expect(cohensH(0.5, 0.5)).toBe(0);
    expect(cohensH(0.02, 0.04)).toBeCloseTo(0.1192, 3);
  });
});
