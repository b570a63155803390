/**
 * An anytime-valid confidence sequence for a quantile (Howard and Ramdas, "Sequential
 * estimation of quantiles", 2022), made exact with a beta-binomial mixture.
 *
 * At the true p-quantile q, the indicators 1{Xᵢ ≤ q} are independent Bernoulli(p) (latency
 * is continuous), whatever the distribution. Their count S after n values, mixed over
 * θ ~ Beta(c·p, c·(1 − p)), gives the martingale
 *
 *   E(S) = B(c·p + S, c·(1 − p) + n − S) / B(c·p, c·(1 − p)) / (pˢ (1 − p)ⁿ⁻ˢ)
 *
 * and by Ville's inequality S stays in {S : E(S) < 1/α} at every n with probability ≥ 1 − α.
 * Since the count of values ≤ x only grows with x, the quantile lies in [X₍L₎, X₍U+1₎) for
 * the smallest L and largest U of that set (order statistics counted from 1).
 *
 * A quantile, not a mean or a rank: a canary whose latency spread grows while its median
 * stays put has the same Mann–Whitney rank distribution near the middle and a p95 that
 * moves; this sees the p95 move. Exact for any n and any number of looks; no normal
 * approximation of a tail.
 */

/** Prior concentration c: tuned for deviations of a few points of probability. */
const CONCENTRATION = 20;

function logGamma(x: number): number {
  // Lanczos (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

function logEvidence(s: number, n: number, p: number): number {
  const a = CONCENTRATION * p;
  const b = CONCENTRATION * (1 - p);
  return logBeta(a + s, b + n - s) - logBeta(a, b) - s * Math.log(p) - (n - s) * Math.log(1 - p);
}

export interface QuantileInterval {
  estimate: number;
  lower: number;
  upper: number;
}

/** The p-quantile of `sorted` (ascending) with its 1 − α confidence sequence. */
export function quantileInterval(sorted: ArrayLike<number>, p: number, alpha: number): QuantileInterval {
  const n = sorted.length;
  if (n === 0) return { estimate: NaN, lower: -Infinity, upper: Infinity };
  const limit = Math.log(1 / alpha);
  const start = Math.min(n, Math.max(0, Math.round(n * p)));
  let low = start;
  while (low > 0 && logEvidence(low - 1, n, p) < limit) low--;
  let high = start;
  while (high < n && logEvidence(high + 1, n, p) < limit) high++;
  return {
    estimate: sorted[Math.max(0, Math.ceil(p * n) - 1)]!,
    lower: low >= 1 ? sorted[low - 1]! : -Infinity,
    upper: high + 1 <= n ? sorted[high]! : Infinity,
  };
}
