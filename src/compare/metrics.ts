import type { CasePair, CaseStats } from './case-stats.js';
import { WILCOXON_EXACT_MAX_N, type CompareContext } from './settings.js';
import { pairedBootstrapMeanInterval } from './stats/bootstrap.js';
import { mean } from './stats/descriptive.js';
import { mcnemarExact } from './stats/mcnemar.js';
import { newcombePairedDifference } from './stats/newcombe.js';
import { createRng } from './stats/rng.js';
import { wilcoxonSignedRank } from './stats/wilcoxon.js';
import { wilsonInterval } from './stats/wilson.js';
import type { MetricComparison, MetricId, MetricThresholds } from './types.js';
import { resolveThresholds } from './verdict.js';

/**
 * The metrics of a suite and their tests: which metrics it has (pass, error and refusal
 * rates, continuous grader scores), each tested on the paired cases, or shown side by side
 * when the suite cannot be paired. Verdicts come later (verdict.ts), after Holm's correction.
 */

export interface MetricSpec {
  metric: MetricId;
  label: string;
  direction: MetricComparison['direction'];
  /** Proportion metrics: successes of trials per case (no value when trials is 0). */
  successes?: (c: CaseStats) => number;
  trials?: (c: CaseStats) => number;
  /** Continuous metrics: a per-case value, or null. */
  value?: (c: CaseStats) => number | null;
  /** From an advisory grader (an uncalibrated judge): reported, never blocking. */
  advisory?: boolean;
}

function metricSpecs(all: CaseStats[]): MetricSpec[] {
  const specs: MetricSpec[] = [
    {
      metric: 'passRate',
      label: 'pass rate',
      direction: 'higher-is-better',
      successes: (c) => c.passed,
      trials: (c) => c.passed + c.failed,
    },
    {
      metric: 'errorRate',
      label: 'error rate',
      direction: 'lower-is-better',
      successes: (c) => c.errors,
      trials: (c) => c.samples,
    },
  ];
  if (all.some((c) => c.refusalKnown > 0)) {
    specs.push({
      metric: 'refusalRate',
      label: 'refusal rate',
      direction: 'lower-is-better',
      successes: (c) => c.refusals,
      trials: (c) => c.refusalKnown,
    });
  }
  const continuous = new Set<string>();
  for (const c of all) for (const [name, acc] of c.scores) if (acc.continuous) continuous.add(name);
  for (const name of [...continuous].sort()) {
    const advisory = all.some((c) => c.scores.get(name)?.advisory);
    specs.push({
      metric: `score:${name}`,
      label: advisory ? `${name} score (advisory)` : `${name} score`,
      direction: 'higher-is-better',
      ...(advisory && { advisory: true }),
      value: (c) => {
        const acc = c.scores.get(name);
        return acc && acc.n > 0 ? acc.sum / acc.n : null;
      },
    });
  }
  return specs;
}

export function caseValue(spec: MetricSpec, c: CaseStats): number | null {
  if (spec.value) return spec.value(c);
  const n = spec.trials!(c);
  return n > 0 ? spec.successes!(c) / n : null;
}

/**
 * Every metric of a comparable suite, tested on its paired cases: the exact McNemar test when
 * each paired case has one trial in both runs, the Wilcoxon signed-rank test on per-case
 * values otherwise. Each tested metric joins the suite's Holm family (`ctx.tested`).
 */
export function pairedMetrics(ctx: CompareContext, suite: string, pairs: CasePair[]): MetricComparison[] {
  const specs = metricSpecs(pairs.flatMap((p) => [p.base, p.cur]));
  return specs.map((spec) => {
    const { metric, informative } = testMetric(ctx, suite, spec, pairs);
    if (informative !== null) ctx.tested.push({ suite, metric, informative });
    return metric;
  });
}

/**
 * One metric tested on paired cases, not yet judged (its Holm family adjusts `pAdjusted`
 * and `judgeMetric` gives the verdict): `informative` is how many pairs can move the test,
 * null when no case has a value in both runs. `stream` names the bootstrap's random stream
 * (default the metric id), so two tests of one metric in a suite draw independently.
 */
export function testMetric(
  ctx: CompareContext,
  suite: string,
  spec: MetricSpec,
  pairs: CasePair[],
  stream: string = spec.metric,
): { metric: MetricComparison; informative: number | null } {
  const t = resolveThresholds(ctx.thresholds, suite, spec.metric);
  const m = blankMetric(spec, t);
  const table = spec.trials ? singleSampleTable(spec, pairs) : null;
  const informative = table
    ? mcnemarTest(m, table, t.alpha)
    : perCaseTest(ctx, suite, spec, pairs, m, t.alpha, stream);
  return { metric: m, informative };
}

/**
 * One trial per paired case: the exact McNemar test, Wilson intervals for each arm and
 * Newcombe's interval for the difference, into `m`. Returns the discordant pairs (the ones
 * that inform the test).
 */
function mcnemarTest(m: MetricComparison, table: SingleSampleTable, alpha: number): number {
  const { both, baseOnly, curOnly, neither } = table;
  const n = both + baseOnly + curOnly + neither;
  const diff = newcombePairedDifference({ a: both, b: curOnly, c: baseOnly, d: neither }, alpha);
  const test = mcnemarExact(baseOnly, curOnly);
  Object.assign(m, {
    n,
    baseline: (both + baseOnly) / n,
    current: (both + curOnly) / n,
    delta: diff.estimate,
    interval: { lower: diff.lower, upper: diff.upper, method: 'newcombe' },
    armIntervals: {
      baseline: wilsonInterval(both + baseOnly, n, alpha),
      current: wilsonInterval(both + curOnly, n, alpha),
    },
    test: { method: 'mcnemar-exact', baselineOnly: baseOnly, currentOnly: curOnly },
    pValue: test.pValue,
    effectSize: test.discordant > 0 ? (curOnly - baseOnly) / test.discordant : 0,
  } satisfies Partial<MetricComparison>);
  return test.discordant;
}

/**
 * Repeated samples, or scores: the Wilcoxon signed-rank test on per-case values and a seeded
 * paired bootstrap interval of the mean difference, into `m`. Returns the non-zero
 * differences (the ones that inform the test), or null when no case has a value in both runs.
 */
function perCaseTest(
  ctx: CompareContext,
  suite: string,
  spec: MetricSpec,
  pairs: CasePair[],
  m: MetricComparison,
  alpha: number,
  stream: string,
): number | null {
  const base: number[] = [];
  const diffs: number[] = [];
  let curSum = 0;
  for (const p of pairs) {
    const b = caseValue(spec, p.base);
    const c = caseValue(spec, p.cur);
    if (b === null || c === null) continue;
    base.push(b);
    diffs.push(c - b);
    curSum += c;
  }
  if (diffs.length === 0) {
    m.reason = 'no case has a value in both runs';
    return null;
  }
  const w = wilcoxonSignedRank(diffs, { exactMaxN: WILCOXON_EXACT_MAX_N });
  const rng = createRng(`${ctx.seed}:${suite}:${stream}`);
  const interval = pairedBootstrapMeanInterval(diffs, { alpha, resamples: ctx.resamples, rng });
  Object.assign(m, {
    n: diffs.length,
    baseline: mean(base),
    current: curSum / diffs.length,
    delta: mean(diffs),
    interval: { ...interval, method: 'bootstrap-percentile' },
    test: {
      method: w.method === 'normal' ? 'wilcoxon-normal' : 'wilcoxon-exact',
      nonZero: w.n,
      wPlus: w.wPlus,
      wMinus: w.wMinus,
      ...(w.z !== undefined ? { z: w.z } : {}),
    },
    pValue: w.pValue,
    effectSize: w.rankBiserial,
  } satisfies Partial<MetricComparison>);
  return w.n;
}

/** A paired 2×2 table of one trial per case: passed in both runs, in one, or in neither. */
interface SingleSampleTable {
  both: number;
  baseOnly: number;
  curOnly: number;
  neither: number;
}

/**
 * The paired 2×2 table when every paired case has exactly one trial in both runs (the
 * McNemar setting); null when any has more, which sends the metric to the per-case test.
 */
function singleSampleTable(spec: MetricSpec, pairs: CasePair[]): SingleSampleTable | null {
  let both = 0;
  let baseOnly = 0;
  let curOnly = 0;
  let neither = 0;
  for (const p of pairs) {
    const nb = spec.trials!(p.base);
    const nc = spec.trials!(p.cur);
    if (nb === 0 || nc === 0) continue;
    if (nb !== 1 || nc !== 1) return null;
    const b = spec.successes!(p.base) === 1;
    const c = spec.successes!(p.cur) === 1;
    if (b && c) both++;
    else if (b) baseOnly++;
    else if (c) curOnly++;
    else neither++;
  }
  return both + baseOnly + curOnly + neither > 0 ? { both, baseOnly, curOnly, neither } : null;
}

/** Values side by side, no test: for suites that cannot be paired. */
export function descriptiveMetrics(
  ctx: CompareContext,
  suite: string,
  base: CaseStats[],
  cur: CaseStats[],
  reason: string,
): MetricComparison[] {
  return metricSpecs([...base, ...cur]).map((spec) => {
    const m = blankMetric(spec, resolveThresholds(ctx.thresholds, suite, spec.metric));
    const arm = (cases: CaseStats[]) => {
      const v = cases.map((c) => caseValue(spec, c)).filter((x): x is number => x !== null);
      return v.length ? mean(v) : null;
    };
    m.baseline = base.length ? arm(base) : null;
    m.current = arm(cur);
    m.delta = m.baseline !== null && m.current !== null ? m.current - m.baseline : null;
    m.reason = reason;
    return m;
  });
}

export function blankMetric(spec: MetricSpec, t: MetricThresholds): MetricComparison {
  return {
    ...(spec.advisory && { advisory: true }),
    metric: spec.metric,
    label: spec.label,
    direction: spec.direction,
    n: 0,
    baseline: null,
    current: null,
    delta: null,
    interval: null,
    test: null,
    pValue: null,
    pAdjusted: null,
    effectSize: null,
    alpha: t.alpha,
    minEffect: t.minEffect,
    verdict: 'not-comparable',
    reason: '',
  };
}
