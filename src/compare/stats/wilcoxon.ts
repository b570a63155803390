import { twoSidedNormalP } from './normal.js';

/**
 * Wilcoxon signed-rank test on paired differences dᵢ = currentᵢ − baselineᵢ (per-case pass
 * fractions or mean scores).
 *
 * Zeros: the Wilcox method — cases with dᵢ = 0 are dropped before ranking. This is the
 * same conditioning McNemar uses (only discordant pairs count), so a suite whose cases are
 * stable contributes nothing but its changes; with one sample per case the test reduces to
 * the sign test on the discordant pairs. (Pratt's method keeps the zeros in the ranking;
 * it answers a slightly different question and does not reduce to McNemar.)
 *
 * Ranks: |dᵢ| ranked 1..n, ties given their mid-rank. W⁺ = Σ ranks of positive dᵢ,
 * W⁻ = Σ ranks of negative dᵢ, W⁺ + W⁻ = n(n+1)/2.
 *
 * p-value, two-sided: p = min(1, 2 · min(P(W ≤ W⁺), P(W ≥ W⁺))) under H0, where each
 * difference is equally likely to be positive or negative.
 *  - n ≤ exactMaxN (50): the exact permutation distribution of W⁺ given the observed
 *    (mid-)ranks, by dynamic programming over the 2ⁿ sign assignments. Without ties this
 *    is the classical exact null distribution; with ties it is the exact conditional one,
 *    which is better than any normal approximation at small n.
 *  - otherwise the normal approximation: E[W⁺] = Σr/2, Var[W⁺] = Σr²/4 (which equals
 *    n(n+1)(2n+1)/24 − Σ(t³ − t)/48 with mid-ranks), z = (W⁺ − E − ½·sign)/√Var with a
 *    continuity correction of ½.
 *
 * Effect size: the matched-pairs rank-biserial correlation r = (W⁺ − W⁻)/(W⁺ + W⁻), in
 * [−1, 1]; with binary outcomes it is (c − b)/(b + c).
 */
export interface WilcoxonResult {
  /** Non-zero differences ranked. */
  n: number;
  /** Zero differences dropped (Wilcox zero method). */
  zeros: number;
  wPlus: number;
  wMinus: number;
  pValue: number;
  method: 'exact' | 'normal' | 'none';
  ties: boolean;
  /** The normal deviate, when the normal approximation was used. */
  z?: number;
  rankBiserial: number;
}

export interface WilcoxonOptions {
  exactMaxN?: number;
  continuity?: boolean;
}

/** Differences closer than this to zero, or to each other, are treated as equal: fractions like 2/3 − 1/3 are not exact. */
const EPS = 1e-9;

export function wilcoxonSignedRank(diffs: readonly number[], options: WilcoxonOptions = {}): WilcoxonResult {
  const exactMaxN = options.exactMaxN ?? 50;
  const continuity = options.continuity ?? true;
  const nonzero = diffs.filter((d) => Math.abs(d) > EPS);
  const zeros = diffs.length - nonzero.length;
  const n = nonzero.length;
  if (n === 0)
    return { n: 0, zeros, wPlus: 0, wMinus: 0, pValue: 1, method: 'none', ties: false, rankBiserial: 0 };

  const { ranks, ties } = midRanks(nonzero.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (nonzero[i]! > 0) wPlus += ranks[i]!;
  const total = (n * (n + 1)) / 2;
  const wMinus = total - wPlus;
  const rankBiserial = (wPlus - wMinus) / total;

  if (n <= exactMaxN) {
    return { n, zeros, wPlus, wMinus, pValue: exactP(ranks, wPlus), method: 'exact', ties, rankBiserial };
  }
  const mean = total / 2;
  const variance = ranks.reduce((s, r) => s + r * r, 0) / 4;
  const dev = wPlus - mean;
  const corrected = continuity ? Math.sign(dev) * Math.max(0, Math.abs(dev) - 0.5) : dev;
  const z = variance > 0 ? corrected / Math.sqrt(variance) : 0;
  const pValue = twoSidedNormalP(z);
  return { n, zeros, wPlus, wMinus, pValue, method: 'normal', ties, z, rankBiserial };
}

/** Ranks 1..n of the values, ties sharing their mid-rank. */
export function midRanks(values: readonly number[]): { ranks: number[]; ties: boolean } {
  const order = values.map((v, i) => i).sort((i, j) => values[i]! - values[j]!);
  const ranks = new Array<number>(values.length);
  let ties = false;
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    const v = values[order[start]!]!;
    while (end < order.length && Math.abs(values[order[end]!]! - v) <= EPS * Math.max(1, Math.abs(v))) end++;
    if (end - start > 1) ties = true;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return { ranks, ties };
}

/**
 * Exact two-sided p of W⁺ by dynamic programming over doubled ranks (mid-ranks are
 * multiples of ½, so 2r is an integer): dist[s] = P(2W⁺ = s) under random signs.
 */
function exactP(ranks: readonly number[], wPlus: number): number {
  const doubled = ranks.map((r) => Math.round(2 * r));
  const total = doubled.reduce((s, r) => s + r, 0);
  const dist = new Float64Array(total + 1);
  dist[0] = 1;
  let reach = 0;
  for (const r of doubled) {
    reach += r;
    for (let s = reach; s >= 0; s--) dist[s] = 0.5 * (dist[s]! + (s >= r ? dist[s - r]! : 0));
  }
  const w = Math.round(2 * wPlus);
  let lower = 0;
  let upper = 0;
  for (let s = 0; s <= total; s++) {
    if (s <= w) lower += dist[s]!;
    if (s >= w) upper += dist[s]!;
  }
  return Math.min(1, 2 * Math.min(lower, upper));
}
