import { DIMENSIONS, type Dimension } from '../graders/dimensions.js';
import type { CasePair } from './case-stats.js';
import { formatDelta } from './format.js';
import { blankMetric, caseValue, testMetric, type MetricSpec } from './metrics.js';
import type { CompareContext } from './settings.js';
import { mean } from './stats/descriptive.js';
import { holmAdjust } from './stats/holm.js';
import type { CellRef, DimensionCell, SuiteComparison, TradeOff } from './types.js';
import { judgeMetric, resolveThresholds } from './verdict.js';

/**
 * Quality is not one number. A suite's pass rate averages every grader of every case, so a
 * model change that writes better summaries and worse-grounded answers shows as a small
 * move, or none. The breakdown takes the paired cases of a comparable suite apart:
 *
 *   by dimension   each dimension its graders declare (correctness, usefulness, risk,
 *                  grounding; graders/dimensions.ts): per graded sample, the dimension
 *                  passes when every decided verdict of it passed; a case's value is the
 *                  share of its samples that passed (0 or 1 with one sample);
 *   by workflow    when the paired cases carry more than one `workflow` tag value, each
 *                  dimension again over the cases of each workflow (a case tagged with two
 *                  workflows counts in both; untagged cases count in the overall cell only).
 *
 * Each cell is tested exactly as the pass rate is (metrics.ts: exact McNemar with one
 * sample per case, Wilcoxon signed-rank and a paired bootstrap otherwise) when it has at
 * least `minCases` paired cases with a value in both runs (default 10; `gate.dimensions.
 * minCases`); a smaller cell is shown, untested (`tooFewCases`), since a handful of cases
 * cannot show a change. Advisory verdicts (an uncalibrated judge) and errors are left out.
 *
 * Multiplicity: a suite's cells are their own Holm family, apart from the suite's metrics,
 * so the breakdown never weakens the pass-rate test that gates, and a trade-off is only
 * called when its cells survive the correction for every cell the suite tested.
 */

export const DEFAULT_MIN_CELL_CASES = 10;

export function dimensionBreakdown(ctx: CompareContext, suite: string, pairs: CasePair[]): DimensionCell[] {
  const minCases = ctx.thresholds.dimensions?.minCases ?? DEFAULT_MIN_CELL_CASES;
  const present = DIMENSIONS.filter((d) =>
    pairs.some((p) => p.base.dimensions.has(d) || p.cur.dimensions.has(d)),
  );
  const workflows = [...new Set(pairs.flatMap((p) => p.cur.workflows))].sort();
  const groups: { workflow: string | null; pairs: CasePair[] }[] = [{ workflow: null, pairs }];
  if (workflows.length > 1)
    for (const w of workflows)
      groups.push({ workflow: w, pairs: pairs.filter((p) => p.cur.workflows.includes(w)) });

  const cells: DimensionCell[] = [];
  const tested: { cell: DimensionCell; informative: number }[] = [];
  for (const dimension of present) {
    const spec = dimensionSpec(dimension);
    for (const g of groups) {
      const both = g.pairs.filter((p) => caseValue(spec, p.base) !== null && caseValue(spec, p.cur) !== null);
      if (both.length === 0) continue;
      const where = { dimension, workflow: g.workflow };
      const label = g.workflow === null ? dimension : `${dimension} · ${g.workflow}`;
      if (both.length < minCases) {
        const metric = blankMetric({ ...spec, label }, resolveThresholds(ctx.thresholds, suite, spec.metric));
        const base = mean(both.map((p) => caseValue(spec, p.base)!));
        const cur = mean(both.map((p) => caseValue(spec, p.cur)!));
        cells.push({
          ...metric,
          ...where,
          n: both.length,
          baseline: base,
          current: cur,
          delta: cur - base,
          verdict: 'inconclusive',
          tooFewCases: true,
          reason: `${both.length} paired ${both.length === 1 ? 'case' : 'cases'}: fewer than ${minCases}, too few to test`,
        });
        continue;
      }
      const stream = `dimension:${dimension}@${g.workflow ?? '*'}`;
      const { metric, informative } = testMetric(ctx, suite, { ...spec, label }, g.pairs, stream);
      const cell: DimensionCell = { ...metric, ...where };
      cells.push(cell);
      if (informative) tested.push({ cell, informative });
      else cell.pAdjusted = 1;
    }
  }
  const adjusted = holmAdjust(tested.map((t) => t.cell.pValue ?? 1));
  tested.forEach((t, i) => (t.cell.pAdjusted = adjusted[i]!));
  for (const cell of cells) {
    if (cell.tooFewCases) continue;
    const { verdict, reason } = judgeMetric(cell);
    cell.verdict = verdict;
    cell.reason = reason;
  }
  return cells;
}

function dimensionSpec(d: Dimension): MetricSpec {
  return {
    metric: `dimension:${d}`,
    label: d,
    direction: 'higher-is-better',
    successes: (c) => c.dimensions.get(d)?.passed ?? 0,
    trials: (c) => c.dimensions.get(d)?.trials ?? 0,
  };
}

/**
 * A trade-off: some cell of the breakdown improved and another regressed, each
 * significantly after its suite's Holm correction, in one suite or across suites. Named
 * by its most specific cells: a dimension's overall cell is left out when one of its
 * workflow cells moved the same way (that cell says where). Undefined when there is none.
 */
export function findTradeOff(suites: readonly SuiteComparison[]): TradeOff | undefined {
  const cells = suites.flatMap((s) => (s.dimensions ?? []).map((c) => ({ suite: s.id, c })));
  const pick = (verdict: 'improved' | 'regressed') => {
    const moved = cells.filter((x) => x.c.verdict === verdict);
    return moved
      .filter(
        (x) =>
          x.c.workflow !== null ||
          !moved.some((y) => y.suite === x.suite && y.c.dimension === x.c.dimension && y.c.workflow !== null),
      )
      .map(({ suite, c }): CellRef => ({
        suite,
        dimension: c.dimension,
        workflow: c.workflow,
        n: c.n,
        baseline: c.baseline,
        current: c.current,
        delta: c.delta,
        pAdjusted: c.pAdjusted,
      }));
  };
  const improved = pick('improved');
  const regressed = pick('regressed');
  if (improved.length === 0 || regressed.length === 0) return undefined;
  const manySuites = new Set([...improved, ...regressed].map((x) => x.suite)).size > 1;
  const name = (x: CellRef) =>
    `${cellName(x)} ${formatDelta(`dimension:${x.dimension}`, x.delta)}${manySuites ? ` (${x.suite})` : ''}`;
  return {
    improved,
    regressed,
    summary: `${improved.map(name).join(', ')} vs ${regressed.map(name).join(', ')}`,
  };
}

/** `grounding of rag-answer`, or `risk` for a dimension's overall cell. */
export function cellName(x: { dimension: Dimension; workflow: string | null }): string {
  return x.workflow === null ? x.dimension : `${x.dimension} of ${x.workflow}`;
}
