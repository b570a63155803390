import type { CaseResult, ResultsDocument, SuiteResult } from '../results/types.js';
import { suiteMetricsOf, summaryOf } from '../results/summary.js';

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
    return { ...suite, cases, metrics: suiteMetricsOf(cases) };
  });
  for (const more of extra.suites) if (!seen.has(more.id)) suites.push(more);

  const summary = summaryOf(suites, baseline.summary.partial || extra.summary.partial);
  return { ...baseline, summary, suites };
}
