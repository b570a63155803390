import { quantileSorted } from './descriptive.js';
import type { Rng } from './rng.js';
import type { Interval } from './wilson.js';

/**
 * Seeded paired bootstrap percentile interval for the mean of paired differences
 * dᵢ = currentᵢ − baselineᵢ (Efron & Tibshirani 1993, ch. 13).
 *
 * Cases, not samples, are resampled: the case is the unit that was paired, and resampling
 * it keeps each case's baseline and current values together (that is what makes it a
 * paired bootstrap). For B resamples d*⁽ᵇ⁾ of size n drawn with replacement,
 *
 *   θ*⁽ᵇ⁾ = mean(d*⁽ᵇ⁾),   interval = [ Q(α/2), Q(1 − α/2) ] of {θ*⁽ᵇ⁾}
 *
 * with Q the linearly interpolated sample quantile.
 *
 * Most cases of a stable suite have dᵢ = 0 and add nothing to a resample's sum, so each
 * resample draws how many of its n picks land on the k non-zero cases,
 * M ~ Binomial(n, k/n), and then M picks among those k only. The resample means have
 * exactly the distribution of the plain algorithm at a fraction of the draws.
 */
export interface BootstrapOptions {
  alpha?: number;
  resamples?: number;
  rng: Rng;
}

export function pairedBootstrapMeanInterval(diffs: readonly number[], options: BootstrapOptions): Interval {
  const n = diffs.length;
  if (n === 0) return { lower: -1, upper: 1 };
  const alpha = options.alpha ?? 0.05;
  const resamples = options.resamples ?? 2000;
  const first = diffs[0]!;
  // Every resample of a constant vector has the same mean: skip the work.
  if (diffs.every((d) => d === first)) return { lower: first, upper: first };
  const nonzero = Float64Array.from(diffs.filter((d) => d !== 0));
  const k = nonzero.length;
  const picks = binomialCdf(n, k / n);
  const draw = options.rng.int;
  const uniform = options.rng.next;
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const m = k === n ? n : inverse(picks, uniform());
    let sum = 0;
    for (let i = 0; i < m; i++) sum += nonzero[draw(k)]!;
    means[b] = sum / n;
  }
  means.sort();
  return { lower: quantileSorted(means, alpha / 2), upper: quantileSorted(means, 1 - alpha / 2) };
}

/** cdf[m] = P(M ≤ m) for M ~ Binomial(n, p), from log-space pmf terms. */
function binomialCdf(n: number, p: number): Float64Array {
  const cdf = new Float64Array(n + 1);
  if (p >= 1) {
    cdf[n] = 1;
    return cdf;
  }
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logC = 0;
  let acc = 0;
  for (let m = 0; m <= n; m++) {
    if (m > 0) logC += Math.log((n - m + 1) / m);
    acc += Math.exp(logC + m * lp + (n - m) * lq);
    cdf[m] = acc;
  }
  return cdf;
}

/** Smallest m with cdf[m] > u; rounding can leave cdf[n] a hair under 1, hence the cap. */
function inverse(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
