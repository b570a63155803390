import { describe, expect, it } from 'vitest';
import { midRanks, wilcoxonSignedRank } from './wilcoxon.js';

describe('wilcoxonSignedRank', () => {
  it('Hollander & Wolfe (1999) Example 3.1, Hamilton depression scale: V = 40, one-sided p = 0.01953', () => {
    // Nonparametric Statistical Methods, 2nd ed., p. 39 (also the example of R's wilcox.test):
    // first (x) and second (y) visit scores of nine patients; exact one-sided p = 0.01953,
    // so the two-sided p is 0.0391.
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = wilcoxonSignedRank(x.map((v, i) => v - y[i]!));
    console.log(
      `Wilcoxon Hollander-Wolfe 3.1: W+=${r.wPlus}, W-=${r.wMinus}, two-sided p=${r.pValue.toFixed(5)} (${r.method})`,
    );
    expect(r.wPlus).toBe(40);
    expect(r.wMinus).toBe(5);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(2 * 0.01953125, 8);
  });

  it("Darwin's Zea mays data (Fisher 1935; Hollander & Wolfe): W− = 24, exact two-sided p = 0.04126", () => {
    // Height differences, cross- minus self-fertilised, in eighths of an inch.
    const d = [49, -67, 8, 16, 6, 23, 28, 41, 14, 29, 56, 24, 75, 60, -48];
    const r = wilcoxonSignedRank(d);
    console.log(`Wilcoxon Darwin: W+=${r.wPlus}, W-=${r.wMinus}, exact p=${r.pValue.toFixed(6)}`);
    expect(r.wMinus).toBe(24);
    expect(r.pValue).toBeCloseTo(0.041259765625, 10);
    // Normal approximation with continuity correction on the same data (the same value as
    // scipy.stats.wilcoxon(d, method='approx', correction=True)).
    const approx = wilcoxonSignedRank(d, { exactMaxN: 0 });
    console.log(
      `Wilcoxon Darwin, normal approximation: z=${approx.z?.toFixed(4)}, p=${approx.pValue.toFixed(6)}`,
    );
    expect(approx.method).toBe('normal');
    expect(approx.pValue).toBeCloseTo(0.043772323763041174, 8);
  });

  it('handles ties and zeros: Wilcox zero method, tie-corrected variance', () => {
    // Two zeros dropped, heavy ties among the rest. Reference: scipy.stats.wilcoxon(d,
    // zero_method='wilcox', method='approx', correction=True) → T = 20.5, p = 0.013133.
    const d = [1, 1, 1, 2, 2, -1, 3, -2, 0, 0, 1, 2, 2, -1, 4, 1, 1, 2];
    const r = wilcoxonSignedRank(d, { exactMaxN: 0 });
    expect(r.zeros).toBe(2);
    expect(r.n).toBe(16);
    expect(r.ties).toBe(true);
    expect(r.wMinus).toBe(20.5);
    expect(r.pValue).toBeCloseTo(0.013133324292253577, 8);
    // The exact conditional distribution of the same mid-ranks is a little more conservative here.
    const exact = wilcoxonSignedRank(d);
    console.log(
      `Wilcoxon with ties: normal p=${r.pValue.toFixed(6)}, exact conditional p=${exact.pValue.toFixed(6)}`,
    );
    expect(exact.method).toBe('exact');
    expect(Math.abs(exact.pValue - r.pValue)).toBeLessThan(0.01);
  });

  it('reduces to the exact sign test (= exact McNemar) on ±1 differences', () => {
    const d = [...Array<number>(7).fill(-1), 1, ...Array<number>(30).fill(0)];
    const r = wilcoxonSignedRank(d);
    expect(r.pValue).toBeCloseTo(0.0703125, 10);
    expect(r.rankBiserial).toBeCloseTo(-6 / 8, 12);
  });

  it('gives p = 1 and no test when nothing changed', () => {
    expect(wilcoxonSignedRank([0, 0, 0])).toMatchObject({ n: 0, pValue: 1, method: 'none' });
  });

  it('treats fractions equal to rounding as ties', () => {
    expect(midRanks([2 / 3 - 1 / 3, 1 / 3, 1]).ranks).toEqual([1.5, 1.5, 3]);
  });
});
