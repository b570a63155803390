/**
 * Exact two-sided McNemar test for paired pass/fail outcomes.
 *
 * Only discordant pairs carry information about a change: with b pairs that passed in the
 * baseline and fail now, and c the reverse, under H0 (no change) each of the n = b + c
 * discordant pairs is equally likely to go either way, so b ~ Binomial(n, ½) and
 *
 *   p = min(1, 2 · P(X ≤ min(b, c))),   X ~ Binomial(b + c, ½).
 *
 * The exact conditional test is used rather than the χ² approximation because suites often
 * have a handful of discordant cases, where the approximation is anti-conservative.
 */
export interface McNemarResult {
  /** Pairs that passed in the first arm only. */
  b: number;
  /** Pairs that passed in the second arm only. */
  c: number;
  discordant: number;
  pValue: number;
}

export function mcnemarExact(b: number, c: number): McNemarResult {
  assertCount(b, 'b');
  assertCount(c, 'c');
  const n = b + c;
  if (n === 0) return { b, c, discordant: 0, pValue: 1 };
  const k = Math.min(b, c);
  return { b, c, discordant: n, pValue: Math.min(1, 2 * binomialHalfCdf(k, n)) };
}

/**
 * P(X ≤ k) for X ~ Binomial(n, ½), summed in log space: 2⁻ⁿ underflows past n ≈ 1074 and
 * the binomial coefficients overflow long before that.
 */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const log2n = n * Math.LN2;
  let logC = 0; // log C(n, 0)
  let max = -Infinity;
  const terms: number[] = [];
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    const t = logC - log2n;
    terms.push(t);
    if (t > max) max = t;
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return Math.min(1, Math.exp(max) * sum);
}

function assertCount(x: number, name: string): void {
  if (!Number.isInteger(x) || x < 0) throw new RangeError(`${name} must be a non-negative integer, got ${x}`);
}
