import { quantileSorted } from './descriptive.js';
import type { Rng } from './rng.js';

/**
 * Seeded bootstrap lower confidence bounds for the increase of a statistic (p95 or mean)
 * from a baseline to a current run: what a cost, token or latency budget tests before it
 * fires, so that jitter between two identical runs does not look like a regression.
 *
 * Paired (the same cases in both arms, baselineᵢ and currentᵢ of case i): each of B
 * resamples draws n case indices with replacement and recomputes the statistic over those
 * cases in both arms, keeping each case's two values together (Efron & Tibshirani 1993,
 * ch. 13). Unpaired (a suite that could not be paired): each arm is resampled on its own.
 * For resample b,
 *
 *   d*⁽ᵇ⁾ = T(current*) − T(baseline*),   r*⁽ᵇ⁾ = 100 · d*⁽ᵇ⁾ / T(baseline*)
 *
 * and the one-sided (1 − α) lower bounds are the α-quantiles Q(α) of {d*} and {r*} (the
 * percentile method). The relative bound is bootstrapped rather than read off the point
 * baseline, so the baseline's own noise is in it. `upper` (Q(1 − α) of d*) completes the
 * 1 − 2α interval shown to a reader.
 *
 * T is the mean, or the p95 by linear interpolation (Hyndman & Fan type 7, as
 * `quantileSorted`). For the p95 a resample needs only its top 5%: the arm's values are
 * sorted once, a resample is a count per case, and the quantile is found by walking the
 * counts down from the largest value. So a resample costs O(n) draws and no sort.
 *
 * Work is bounded: B is cut so that B · n stays under WORK_LIMIT draws per arm (never
 * below MIN_RESAMPLES); at such n the statistic's spread is tiny and fewer resamples
 * estimate its α-quantile well enough.
 */
export type IncreaseStatistic = 'p95' | 'mean';

export interface IncreaseBounds {
  statistic: IncreaseStatistic;
  paired: boolean;
  /** Cases in each arm. */
  n: { baseline: number; current: number };
  baseline: number;
  current: number;
  /** current − baseline, in the value's unit. */
  increase: number;
  /** 100 · increase / baseline; null when the baseline is 0. */
  increasePct: number | null;
  /** One-sided 1 − α lower bound of the increase (Q(α) of d*). */
  lower: number;
  /** Q(1 − α) of d*: with `lower`, a 1 − 2α interval. */
  upper: number;
  /** One-sided 1 − α lower bound of the relative increase, %; +∞ when rising from a 0 baseline. */
  lowerPct: number;
  alpha: number;
  resamples: number;
}

const WORK_LIMIT = 10_000_000;
const MIN_RESAMPLES = 100;

export function bootstrapIncrease(
  baseline: readonly number[],
  current: readonly number[],
  options: { statistic: IncreaseStatistic; paired: boolean; alpha: number; resamples: number; rng: Rng },
): IncreaseBounds | null {
  const { statistic, paired, alpha, rng } = options;
  const nb = baseline.length;
  const nc = current.length;
  if (nb === 0 || nc === 0 || (paired && nb !== nc)) return null;
  const stat = (v: readonly number[]) =>
    statistic === 'p95' ? quantileSorted(Float64Array.from(v).sort(), 0.95) : meanOf(Float64Array.from(v));
  const b0 = stat(baseline);
  const c0 = stat(current);
  const resamples = Math.max(
    MIN_RESAMPLES,
    Math.min(options.resamples, Math.floor(WORK_LIMIT / Math.max(nb, nc))),
  );

  const diffs = new Float64Array(resamples);
  const rel = new Float64Array(resamples);
  const record = (r: number, bs: number, cs: number) => {
    const d = cs - bs;
    diffs[r] = d;
    rel[r] = bs !== 0 ? (100 * d) / bs : d > 0 ? Infinity : d < 0 ? -Infinity : 0;
  };
  if (statistic === 'mean') {
    // A resample's mean needs only the sum of the drawn values: no counts, no sorting.
    const bv = Float64Array.from(baseline);
    const cv = Float64Array.from(current);
    for (let r = 0; r < resamples; r++) {
      let sb = 0;
      let sc = 0;
      if (paired) {
        for (let i = 0; i < nb; i++) {
          const j = rng.int(nb);
          sb += bv[j]!;
          sc += cv[j]!;
        }
      } else {
        for (let i = 0; i < nb; i++) sb += bv[rng.int(nb)]!;
        for (let i = 0; i < nc; i++) sc += cv[rng.int(nc)]!;
      }
      record(r, sb / nb, sc / nc);
    }
  } else {
    const sortedB = sortWithOrder(baseline);
    const sortedC = sortWithOrder(current);
    const countsB = new Uint32Array(nb);
    const countsC = paired ? countsB : new Uint32Array(nc);
    for (let r = 0; r < resamples; r++) {
      countsB.fill(0);
      for (let i = 0; i < nb; i++) countsB[rng.int(nb)]!++;
      if (!paired) {
        countsC.fill(0);
        for (let i = 0; i < nc; i++) countsC[rng.int(nc)]!++;
      }
      record(r, p95Of(sortedB, countsB), p95Of(sortedC, countsC));
    }
  }
  diffs.sort();
  rel.sort();
  const increase = c0 - b0;
  return {
    statistic,
    paired,
    n: { baseline: nb, current: nc },
    baseline: b0,
    current: c0,
    increase,
    increasePct: b0 !== 0 ? (100 * increase) / b0 : null,
    lower: quantileSorted(diffs, alpha),
    upper: quantileSorted(diffs, 1 - alpha),
    lowerPct: lowerQuantile(rel, alpha),
    alpha,
    resamples,
  };
}

/** Values sorted ascending, with each one's original index (a resample's counts are by index). */
interface Sorted {
  values: Float64Array;
  index: Uint32Array;
}

function sortWithOrder(values: readonly number[]): Sorted {
  // A plain array sorts with a comparator far faster than a typed one.
  const index = Uint32Array.from(Array.from(values.keys()).sort((i, j) => values[i]! - values[j]! || i - j));
  return { values: Float64Array.from(index, (i) => values[i]!), index };
}

/**
 * Type-7 p95 of the multiset with `counts[i]` copies of value i. Position h = (m − 1) · 0.95
 * of the m values; found from the top, where little is left.
 */
function p95Of(data: Sorted, counts: Uint32Array): number {
  const { values, index } = data;
  // A resample has as many values as the arm (n draws).
  const m = values.length;
  const h = (m - 1) * 0.95;
  const lo = Math.floor(h);
  // Ranks (0-based, ascending) lo and lo + 1, counted down from the top rank m − 1.
  const x = valueAtRank(values, index, counts, m, lo);
  const y = lo + 1 <= m - 1 ? valueAtRank(values, index, counts, m, lo + 1) : x;
  return x + (h - lo) * (y - x);
}

function valueAtRank(
  values: Float64Array,
  index: Uint32Array,
  counts: Uint32Array,
  m: number,
  rank: number,
): number {
  let above = m; // values at ranks ≥ above have been passed
  for (let k = values.length - 1; k >= 0; k--) {
    const c = counts[index[k]!]!;
    if (c === 0) continue;
    above -= c;
    if (rank >= above) return values[k]!;
  }
  return values[0]!;
}

function meanOf(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Q(α) of ascending values that may hold ±∞ (interpolating between ∞s would give NaN). */
function lowerQuantile(sorted: Float64Array, alpha: number): number {
  const h = (sorted.length - 1) * alpha;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(sorted.length - 1, lo + 1)]!;
  // The smaller neighbour, conservatively, when an infinity is involved.
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a;
  return a + (h - lo) * (b - a);
}
