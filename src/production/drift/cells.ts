import { chiSquareSurvival } from './chi-square.js';

/**
 * One feature's comparison of two windows over cells (quantile bins of a numeric feature,
 * the categories of a categorical one, no/yes of a rate): a χ² test of homogeneity for the
 * significance and the population stability index (or Cohen's h, for a rate) for the size.
 */

/** Cells whose expected count in the smaller window falls below this are merged (Cochran's rule). */
export const MIN_EXPECTED = 5;

export interface Cell {
  label: string;
  reference: number;
  current: number;
}

export interface CellTest {
  /** The cells after merging, in order. */
  cells: Cell[];
  /** Pearson's χ² = Σ (O − E)² / E over the 2 × k table; 0 with a single cell. */
  chi2: number;
  /** k − 1; 0 when the cells merged into one (nothing to test). */
  df: number;
  /** P(χ²(df) ≥ chi2); 1 when df = 0. */
  p: number;
  /**
   * Population stability index Σ (cᵢ − rᵢ) · ln(cᵢ / rᵢ), over the cell shares of the
   * current (c) and reference (r) windows, each smoothed by half a record so an empty cell
   * does not make it infinite.
   */
  psi: number;
}

/**
 * Upper edges of `bins` quantile bins of the sorted reference values: the values at ranks
 * ⌊j·n/bins⌋, j = 1 … bins − 1, without repeats. A value v falls in bin #{edges ≤ v}, so a
 * tie at an edge goes up; a discrete feature (tool calls: 0, 1, 2, 3) gets fewer bins.
 */
export function quantileEdges(sortedReference: Float64Array, bins: number): number[] {
  const n = sortedReference.length;
  const edges: number[] = [];
  for (let j = 1; j < bins; j++) {
    const v = sortedReference[Math.floor((j * n) / bins)]!;
    if (v !== undefined && edges[edges.length - 1] !== v) edges.push(v);
  }
  return edges;
}

/** The bin of `value` under `edges`: the number of edges ≤ value (binary search). */
export function binOf(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Merges cells until every expected count is at least MIN_EXPECTED, so the χ² approximation
 * holds (an A/A check with a rare category would otherwise alarm far more often than α).
 * The expected count of a cell in the smaller window is its pooled count × min(n, m) / (n + m);
 * the cell with the smallest pooled count is merged first, into its smaller neighbour when
 * the cells are ordered (bins), else into the next smallest (categories). Merging looks
 * only at pooled counts, which do not depend on which window a record came from, so the
 * test stays valid.
 */
export function mergeSparse(cells: readonly Cell[], ordered: boolean): Cell[] {
  let out = cells.map((c) => ({ ...c }));
  const n = out.reduce((s, c) => s + c.reference, 0);
  const m = out.reduce((s, c) => s + c.current, 0);
  if (n === 0 || m === 0) return out.length ? [out.reduce(join)] : [];
  const factor = Math.min(n, m) / (n + m);
  const pooled = (c: Cell) => c.reference + c.current;
  while (out.length > 1) {
    let smallest = 0;
    for (let i = 1; i < out.length; i++) if (pooled(out[i]!) < pooled(out[smallest]!)) smallest = i;
    if (pooled(out[smallest]!) * factor >= MIN_EXPECTED) break;
    let other: number;
    if (ordered) {
      const left = smallest - 1;
      const right = smallest + 1;
      other =
        left < 0
          ? right
          : right >= out.length
            ? left
            : pooled(out[left]!) <= pooled(out[right]!)
              ? left
              : right;
    } else {
      other = -1;
      for (let i = 0; i < out.length; i++)
        if (i !== smallest && (other < 0 || pooled(out[i]!) < pooled(out[other]!))) other = i;
    }
    const [a, b] = smallest < other ? [smallest, other] : [other, smallest];
    const merged = join(out[a]!, out[b]!);
    out = [...out.slice(0, a), merged, ...out.slice(a + 1, b), ...out.slice(b + 1)];
  }
  return out;
}

function join(a: Cell, b: Cell): Cell {
  return {
    label: `${a.label}|${b.label}`,
    reference: a.reference + b.reference,
    current: a.current + b.current,
  };
}

/** The χ² test and the PSI of two windows' counts over the same cells (merged first). */
export function testCells(cells: readonly Cell[], ordered: boolean): CellTest {
  const merged = mergeSparse(cells, ordered);
  const n = merged.reduce((s, c) => s + c.reference, 0);
  const m = merged.reduce((s, c) => s + c.current, 0);
  const k = merged.length;
  let psi = 0;
  for (const c of merged) {
    const r = (c.reference + 0.5) / (n + 0.5 * k);
    const q = (c.current + 0.5) / (m + 0.5 * k);
    psi += (q - r) * Math.log(q / r);
  }
  if (k < 2 || n === 0 || m === 0) return { cells: merged, chi2: 0, df: 0, p: 1, psi };
  let chi2 = 0;
  const total = n + m;
  for (const c of merged) {
    const pooled = c.reference + c.current;
    const er = (pooled * n) / total;
    const ec = (pooled * m) / total;
    chi2 += (c.reference - er) ** 2 / er + (c.current - ec) ** 2 / ec;
  }
  return { cells: merged, chi2, df: k - 1, p: chiSquareSurvival(chi2, k - 1), psi };
}

/** Cohen's h = 2·asin√p₁ − 2·asin√p₀: a difference of proportions on a scale where its noise is constant. */
export function cohensH(p0: number, p1: number): number {
  return 2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p0));
}
