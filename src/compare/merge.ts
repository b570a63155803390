import type { CaseResult, ResultsDocument, SuiteResult } from '../results/types.js';
import { SuiteMetricsAccumulator } from '../runner/metrics.js';

/**
 * Folds extra baseline case results into a baseline: the cases `unpairedCases` named,
 * evaluated on the base commit (the `rerun` arm), so that an edited or new case is compared
 * with what the base commit does on the same definition. Pure: returns a new document.
 *
 * Per suite of `extra`: each of its cases replaces the baseline case with the same id (or is
 * added, after the baseline's cases), carrying its own `hash`, so it now pairs with the
 * current run. A suite the baseline lacks is added whole. The baseline's other cases, its
 * run description and contentHash are kept; every touched suite's metrics, and the summary,
 * are recomputed from the cases, so the document stays self-consistent. The summary is
 * partial when either document is.
 */
export function mergeBaselineCases(baseline: ResultsDocument, extra: ResultsDocument): ResultsDocument {
  const extraById = new Map(extra.suites.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const suites: SuiteResult[] = baseline.suites.map((suite) => {
    const more = extraById.get(suite.id);
    if (!more) return suite;
    seen.add(suite.id);
    const replacements = new Map(more.cases.map((c) => [c.id, c]));
    const cases: CaseResult[] = suite.cases.map((c) => replacements.get(c.id) ?? c);
    const existing = new Set(suite.cases.map((c) => c.id));
    for (const c of more.cases) if (!existing.has(c.id)) cases.push(c);
    return { ...suite, cases, metrics: suiteMetrics(cases) };
  });
  for (const more of extra.suites) if (!seen.has(more.id)) suites.push(more);

  const summary: ResultsDocument['summary'] = {
    suites: suites.length,
    cases: 0,
    samples: 0,
    passed: 0,
    failed: 0,
    errors: 0,
    blockerFailures: [],
    cost: null,
    partial: baseline.summary.partial || extra.summary.partial,
  };
  for (const s of suites) {
    const m = s.metrics;
    summary.cases += m.cases;
    summary.samples += m.samples;
    summary.passed += m.passed;
    summary.failed += m.failed;
    summary.errors += m.errors;
    summary.blockerFailures.push(...m.blockerFailures.map((c) => ({ suite: s.id, case: c })));
    if (m.cost) summary.cost = (summary.cost ?? 0) + m.cost.total;
  }
  return { ...baseline, summary, suites };
}

function suiteMetrics(cases: CaseResult[]): SuiteResult['metrics'] {
  const acc = new SuiteMetricsAccumulator();
  cases.forEach((c, index) => acc.addCase({ id: c.id, blocker: c.blocker, index }, c.status, c.samples));
  return acc.snapshot();
}
