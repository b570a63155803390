import type { ResultsDocument } from '../results/types.js';
import {
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_SEED,
  DEFAULT_STALE_AFTER_DAYS,
  WILCOXON_EXACT_MAX_N,
  type CompareContext,
} from './settings.js';
import { findTradeOff } from './breakdown.js';
import { compareSuite } from './suite.js';
import {
  COMPARISON_SCHEMA_VERSION,
  type CompareOptions,
  type ComparisonDocument,
  type RunRef,
} from './types.js';
import { adjustWithinSuites, judgeMetric } from './verdict.js';

export {
  DEFAULT_ALPHA,
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_MIN_EFFECT,
  DEFAULT_SEED,
  DEFAULT_STALE_AFTER_DAYS,
  WILCOXON_EXACT_MAX_N,
} from './settings.js';
export { unpairedCases } from './pairing.js';
export { adjustWithinSuites, judgeMetric, resolveThresholds } from './verdict.js';

/**
 * Compares two Results documents, pairing cases by (suite id, case id) and, where both
 * carry one, the case's content hash (see `pairSuite`). Pure: the same two documents and
 * options always give the same Comparison, bootstrap included (seeded).
 *
 * The steps, each in its own file:
 *   case-stats.ts  each case reduced once to counts, scores, latencies, tokens and cost
 *   pairing.ts     which cases pair with the baseline, and why a suite has nothing to pair
 *   suite.ts       per suite: status, transitions, layers, and the three below
 *   metrics.ts     the per-metric tests on the paired cases
 *   breakdown.ts   each dimension of quality, per workflow, tested per cell; trade-offs
 *   usage.ts       each arm's rates; latency, tokens and cost and their increase tests
 *   verdict.ts     Holm's correction within each suite, then each metric's verdict
 *   compare.ts     this function: the document assembled, with what changed between runs
 *
 * Per suite it lists comparable, new, removed and unpaired (new or edited) cases and every
 * case's transition; a suite with a baseline but nothing to pair is `nothing-comparable`.
 * Then it compares each metric on the paired cases:
 *  - pass rate (higher is better), error rate and refusal rate (lower is better): with one
 *    graded sample per case in both runs, the exact McNemar test, Wilson intervals for each
 *    arm and Newcombe's interval for the difference; otherwise (repeated samples) the
 *    Wilcoxon signed-rank test on per-case fractions and a paired bootstrap interval;
 *  - `score:<grader>` for graders whose scores are not all 0/1: Wilcoxon on per-case mean
 *    scores and a paired bootstrap interval (binary scores would repeat the pass rate);
 *  - latency, tokens, cost and tool calls as distributions, with a bootstrap lower bound of
 *    each one's increase for the budgets (stats/increase.ts), and the abstention rate, whose
 *    drop is tested as well as its rise;
 *  - each dimension of quality, over all paired cases and per workflow, tested per cell in
 *    its own Holm family (breakdown.ts); a cell improved and another regressed is a
 *    trade-off, named on the document (`tradeOff`).
 * Holm's correction then runs within each suite (see `adjustWithinSuites`), and each
 * metric gets its verdict.
 */
export function compare(
  baseline: ResultsDocument,
  current: ResultsDocument,
  options: CompareOptions = {},
): ComparisonDocument {
  const seed = options.seed ?? DEFAULT_SEED;
  const resamples = options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const staleAfterDays = options.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS;
  const ctx: CompareContext = { seed, resamples, thresholds: options.thresholds ?? {}, tested: [] };

  const baselineSuites = new Map(baseline.suites.map((s) => [s.id, s]));
  const currentIds = new Set(current.suites.map((s) => s.id));
  const suites = current.suites.map((suite) =>
    compareSuite(ctx, baseline, current, baselineSuites.get(suite.id), suite, options),
  );

  const tested = adjustWithinSuites(ctx.tested);
  for (const t of ctx.tested) {
    const { verdict, reason } = judgeMetric(t.metric);
    t.metric.verdict = verdict;
    t.metric.reason = reason;
  }
  for (const suite of suites) suite.tested = tested.get(suite.id) ?? 0;

  const days = ageInDays(baseline.run.finishedAt, current.run.finishedAt);
  const tradeOff = findTradeOff(suites);
  return {
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    baseline: runRef(baseline),
    current: runRef(current),
    baselineAge: { days, stale: days !== null && days > staleAfterDays, staleAfterDays },
    changes: runChanges(baseline, current),
    method: {
      correction: 'holm',
      family: 'suite',
      tested: [...tested.values()].reduce((a, b) => a + b, 0),
      seed,
      bootstrapResamples: resamples,
      wilcoxonZeroMethod: 'wilcox',
      wilcoxonExactMaxN: WILCOXON_EXACT_MAX_N,
    },
    suites,
    removedSuites: baseline.suites
      .filter((s) => !currentIds.has(s.id))
      .map((s) => ({
        id: s.id,
        tier: s.tier,
        cases: s.cases.length,
        blockers: s.cases.filter((c) => c.blocker).map((c) => c.id),
      })),
    ...(tradeOff && { tradeOff }),
  };
}

function runRef(doc: ResultsDocument): RunRef {
  const r = doc.run;
  return {
    id: r.id,
    ...(r.gitSha ? { gitSha: r.gitSha } : {}),
    ...(r.gitRef ? { gitRef: r.gitRef } : {}),
    finishedAt: r.finishedAt,
    evalgateVersion: r.evalgateVersion,
    configHash: r.configHash,
    partial: doc.summary.partial,
  };
}

function ageInDays(from: string, to: string): number | null {
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return (b - a) / 86_400_000;
}

function runChanges(baseline: ResultsDocument, current: ResultsDocument): string[] {
  const out: string[] = [];
  const b = baseline.run;
  const c = current.run;
  if (b.evalgateVersion !== c.evalgateVersion)
    out.push(`evalgate ${b.evalgateVersion} → ${c.evalgateVersion}`);
  if (b.configHash !== c.configHash) out.push(`config changed (hash ${b.configHash} → ${c.configHash})`);
  const names = [...new Set([...Object.keys(b.components), ...Object.keys(c.components)])].sort();
  for (const name of names) {
    const x = b.components[name];
    const y = c.components[name];
    if (!x) out.push(`component ${name} added (${y!.kind} ${y!.version})`);
    else if (!y) out.push(`component ${name} removed`);
    else if (x.version !== y.version) out.push(`component ${name} (${y.kind}) ${x.version} → ${y.version}`);
  }
  return out;
}
