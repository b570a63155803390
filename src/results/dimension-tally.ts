import type { Dimension } from '../graders/dimensions.js';
import type { CaseResult, SampleResult } from './types.js';

/** Graded samples with a decided, non-advisory verdict of one dimension, and how many of them passed. */
export interface DimensionCount {
  passed: number;
  trials: number;
}

/**
 * One suite's samples by dimension of quality (graders/dimensions.ts): over all its cases, and
 * over the cases of each value of their `workflow` tag. What `evalgate run`'s dimension table
 * shows. The runner keeps it as cases finish (runner/metrics.ts), so a run's end need not read
 * its Results document back; `dimensionTalliesOf` gives the same from a document.
 */
export interface SuiteDimensionTallies {
  suite: string;
  all: Map<Dimension, DimensionCount>;
  byWorkflow: Map<string, Map<Dimension, DimensionCount>>;
  /** Every workflow a case of the suite is tagged with, measured or not. */
  workflows: Set<string>;
}

export function emptyTallies(suite: string): SuiteDimensionTallies {
  return { suite, all: new Map(), byWorkflow: new Map(), workflows: new Set() };
}

/** Folds a finished case's samples into its suite's tallies. */
export function tallyCase(
  into: SuiteDimensionTallies,
  tags: CaseResult['tags'] | undefined,
  samples: readonly SampleResult[],
): void {
  const workflows = workflowsOf(tags ?? {});
  for (const w of workflows) into.workflows.add(w);
  for (const sample of samples) {
    if (sample.status === 'error') continue;
    const verdicts = sampleDimensions(sample);
    if (verdicts.size === 0) continue;
    count(into.all, verdicts);
    for (const w of workflows) {
      let m = into.byWorkflow.get(w);
      if (!m) into.byWorkflow.set(w, (m = new Map()));
      count(m, verdicts);
    }
  }
}

/** The tallies of every suite of a Results document. */
export function dimensionTalliesOf(doc: { suites: readonly { id: string; cases: readonly CaseResult[] }[] }) {
  return doc.suites.map((suite) => {
    const t = emptyTallies(suite.id);
    for (const c of suite.cases) tallyCase(t, c.tags, c.samples);
    return t;
  });
}

/**
 * One graded sample's verdicts by dimension: a dimension counts once per sample, passing
 * when every decided verdict of it passed. Errors, verdicts that do not apply (`excluded`)
 * and advisory ones (an uncalibrated judge: it never blocks) are left out.
 */
export function tallyDimensions(into: Map<Dimension, DimensionCount>, sample: SampleResult): void {
  count(into, sampleDimensions(sample));
}

/** Per dimension the sample's decided verdicts measure: whether all of them passed. */
function sampleDimensions(sample: SampleResult): Map<Dimension, boolean> {
  const seen = new Map<Dimension, boolean>();
  for (const g of sample.graders) {
    if (!g.dimension || g.error || g.excluded || g.advisory) continue;
    seen.set(g.dimension, (seen.get(g.dimension) ?? true) && g.pass);
  }
  return seen;
}

function count(into: Map<Dimension, DimensionCount>, verdicts: ReadonlyMap<Dimension, boolean>): void {
  for (const [d, pass] of verdicts) {
    let t = into.get(d);
    if (!t) into.set(d, (t = { passed: 0, trials: 0 }));
    t.trials++;
    if (pass) t.passed++;
  }
}

/** The values of a case's `workflow` tag. */
export function workflowsOf(tags: CaseResult['tags']): string[] {
  const w = tags.workflow;
  return (Array.isArray(w) ? w : w === undefined ? [] : [w]).filter((x) => x !== '');
}
