import { SuiteMetricsAccumulator } from '../runner/metrics.js';
import type { CaseResult, ResultsDocument, SuiteMetrics } from './types.js';

/**
 * A Results document's summary from its suites' metrics: what the runner writes, and what a
 * document rebuilt from cases (a merged baseline, merged shards) must say too.
 */
export function summaryOf(
  suites: readonly { id: string; metrics: SuiteMetrics }[],
  partial: boolean,
): ResultsDocument['summary'] {
  let cases = 0;
  let samples = 0;
  let passed = 0;
  let failed = 0;
  let errors = 0;
  let cost: number | null = null;
  const blockerFailures: { suite: string; case: string }[] = [];
  for (const { id, metrics: m } of suites) {
    cases += m.cases;
    samples += m.samples;
    passed += m.passed;
    failed += m.failed;
    errors += m.errors;
    if (m.cost) cost = (cost ?? 0) + m.cost.total;
    for (const c of m.blockerFailures) blockerFailures.push({ suite: id, case: c });
  }
  return { suites: suites.length, cases, samples, passed, failed, errors, blockerFailures, cost, partial };
}

/** A suite's metrics from its cases, in suite order (which orders blockerFailures). */
export function suiteMetricsOf(cases: readonly CaseResult[]): SuiteMetrics {
  const acc = new SuiteMetricsAccumulator();
  cases.forEach((c, index) => acc.addCase({ id: c.id, blocker: c.blocker, index }, c.status, c.samples));
  return acc.snapshot();
}
