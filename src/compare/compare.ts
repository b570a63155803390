import type { CaseResult, ResultsDocument, SampleResult, SuiteResult } from '../results/types.js';
import { formatInterval, formatMagnitude, formatPValue, plural } from './format.js';
import { pairedBootstrapMeanInterval } from './stats/bootstrap.js';
import { mean, quantile } from './stats/descriptive.js';
import { holmAdjust } from './stats/holm.js';
import { bootstrapIncrease, type IncreaseBounds, type IncreaseStatistic } from './stats/increase.js';
import { mcnemarExact } from './stats/mcnemar.js';
import { newcombePairedDifference } from './stats/newcombe.js';
import { createRng } from './stats/rng.js';
import { wilcoxonSignedRank } from './stats/wilcoxon.js';
import { wilsonInterval } from './stats/wilson.js';
import {
  COMPARISON_SCHEMA_VERSION,
  type ArmRates,
  type CaseFailure,
  type CaseOutcome,
  type CaseTransition,
  type CompareOptions,
  type ComparisonDocument,
  type Distribution,
  type LayerComparison,
  type MetricComparison,
  type MetricId,
  type MetricThresholds,
  type MetricVerdict,
  type RunRef,
  type SuiteComparison,
  type ThresholdSettings,
  type UsageComparison,
  type UnpairedCase,
  type UsageMetric,
} from './types.js';

export const DEFAULT_ALPHA = 0.05;
/** 2 percentage points of pass rate (and the same 0.02 for every other metric unless overridden). */
export const DEFAULT_MIN_EFFECT = 0.02;
export const DEFAULT_SEED = 20_240_601;
export const DEFAULT_BOOTSTRAP_RESAMPLES = 2000;
export const DEFAULT_STALE_AFTER_DAYS = 30;
/** Wilcoxon's exact distribution up to this many non-zero differences, the normal approximation above. */
export const WILCOXON_EXACT_MAX_N = 50;
/** Raw text kept per failing case in the document; the report truncates further. */
const TEXT_LIMIT = 300;
/** Unpaired case ids named in a suite's reason; the `unpaired` field lists them all. */
const UNPAIRED_NAMED = 10;

/**
 * Compares two Results documents, pairing cases by (suite id, case id) and, where both
 * carry one, the case's content hash (see `pairSuite`). Pure: the same two documents and
 * options always give the same Comparison, bootstrap included (seeded).
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
 *  - latency, tokens and cost as distributions, with a bootstrap lower bound of each one's
 *    increase for the budgets (stats/increase.ts).
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
  const ctx: Context = { seed, resamples, thresholds: options.thresholds ?? {}, tested: [] };

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
  };
}

/**
 * Holm's correction, one family per suite: a suite's tested metrics (pass rate, error and
 * refusal rates, grader scores) are adjusted among themselves and nothing else — in two
 * families: the metrics that gate (pass rate, grader scores) and the ones budgets watch
 * (error and refusal rates), so a refusal-rate test never halves a pass-rate test's α. Sets each
 * metric's `pAdjusted`; returns the size of each suite's family.
 *
 * Why per suite and not across the run. The run's plan decides which suites run (only
 * those a change touches), so a family spanning the run would make a suite's verdict depend
 * on which other suites happened to run beside it: the same 10 broken cases out of 120 are
 * `fail` alone and `inconclusive` next to three other suites (p 0.035 → 0.106). A required
 * check must give the same answer for the same data, so the family is fixed by the config:
 * each suite is its own family, tested at its own α.
 *
 * The price is stated plainly: with no real change anywhere, each trusted suite that runs
 * falsely blocks with probability at most α, so a PR that runs k trusted suites is falsely
 * blocked with probability at most k·α (about 1 − (1 − α)^k when independent). Splitting α
 * across every suite in the config would bound the PR at α, but then adding a suite to the
 * config would weaken every other suite's test, and a suite's power would fall with the
 * size of the repository's config — the same data again judged differently. Per-suite α
 * keeps each suite's guarantee local (its owner sets its α in `gate.suites`), and a false
 * block is cheap to clear (re-run, or re-sample with `gate.resample`) while a missed
 * regression ships.
 *
 * Tests with no informative pair (no discordant case, every difference zero) have p = 1
 * whatever happens and can never reject; leaving them out of the family is Tarone's (1990)
 * refinement for discrete tests, and keeps a suite with no errors from diluting the power
 * of its pass-rate test. Their `pAdjusted` is 1.
 */
export function adjustWithinSuites(
  tested: readonly { suite: string; metric: MetricComparison; informative: number }[],
): Map<string, number> {
  const families = new Map<string, MetricComparison[]>();
  for (const t of tested) {
    if (t.informative === 0) {
      t.metric.pAdjusted = 1;
      continue;
    }
    // Error and refusal rates are watched (budgets), not gated by default: their own family,
    // so watching them never dilutes the pass-rate and score tests that can block.
    const watched = t.metric.metric === 'errorRate' || t.metric.metric === 'refusalRate';
    const key = `${t.suite}\u0000${watched ? 'watched' : 'gated'}`;
    const family = families.get(key) ?? [];
    family.push(t.metric);
    families.set(key, family);
  }
  const sizes = new Map<string, number>();
  for (const [key, family] of families) {
    const adjusted = holmAdjust(family.map((m) => m.pValue ?? 1));
    family.forEach((m, i) => (m.pAdjusted = adjusted[i]!));
    const suite = key.slice(0, key.indexOf('\u0000'));
    sizes.set(suite, (sizes.get(suite) ?? 0) + family.length);
  }
  return sizes;
}

/**
 * The verdict for one metric from its numbers, with `pAdjusted` already Holm-adjusted:
 *  - regressed: the change is worse than −minEffect AND pAdjusted < α;
 *  - improved: the change is better than +minEffect AND pAdjusted < α;
 *  - unchanged: the 1 − α interval lies within ±minEffect (equivalence; a 1 − α interval is
 *    conservative for a TOST at level α);
 *  - inconclusive: anything else — the data cannot tell.
 */
export function judgeMetric(m: MetricComparison): { verdict: MetricVerdict; reason: string } {
  if (m.n === 0 || m.delta === null || m.pAdjusted === null) {
    return { verdict: 'not-comparable', reason: m.reason || 'no case has a value in both runs' };
  }
  const better = m.direction === 'higher-is-better' ? m.delta : -m.delta;
  const significant = m.pAdjusted < m.alpha;
  const effect = formatMagnitude(m.metric, m.minEffect);
  const p = `${formatPValue(m.pAdjusted)} after Holm`;
  const move =
    m.delta === 0
      ? 'did not move'
      : `${m.delta > 0 ? 'rose' : 'fell'} ${formatMagnitude(m.metric, Math.abs(m.delta))}`;
  if (better < -m.minEffect && significant) {
    return {
      verdict: 'regressed',
      reason: `${move}, more than the ${effect} minimum effect, ${p} < α ${m.alpha}`,
    };
  }
  if (better > m.minEffect && significant) {
    return {
      verdict: 'improved',
      reason: `${move}, more than the ${effect} minimum effect, ${p} < α ${m.alpha}`,
    };
  }
  if (m.interval && m.interval.lower >= -m.minEffect && m.interval.upper <= m.minEffect) {
    return {
      verdict: 'unchanged',
      reason: `the ${confidence(m.alpha)} interval (${formatInterval(m.metric, m.interval)}) rules out a change larger than ${effect}`,
    };
  }
  if (Math.abs(m.delta) > m.minEffect) {
    return {
      verdict: 'inconclusive',
      reason: `${move} but ${p} ≥ α ${m.alpha}: too few ${m.test?.method === 'mcnemar-exact' ? 'discordant cases' : 'changed cases'} to tell it from noise`,
    };
  }
  return {
    verdict: 'inconclusive',
    reason: `${move}; the ${confidence(m.alpha)} interval (${formatInterval(m.metric, m.interval)}) still allows a change larger than ${effect}`,
  };
}

/** Thresholds for one suite and metric: suite + metric, then suite, then metric, then top level, then defaults. */
export function resolveThresholds(
  settings: ThresholdSettings,
  suite: string,
  metric: MetricId,
): MetricThresholds {
  const s = settings.suites?.[suite];
  const sm = s?.metrics?.[metric] ?? (metric.startsWith('score:') ? s?.metrics?.['score:*'] : undefined);
  const m =
    settings.metrics?.[metric] ?? (metric.startsWith('score:') ? settings.metrics?.['score:*'] : undefined);
  return {
    alpha: sm?.alpha ?? s?.alpha ?? m?.alpha ?? settings.alpha ?? DEFAULT_ALPHA,
    minEffect: sm?.minEffect ?? s?.minEffect ?? m?.minEffect ?? settings.minEffect ?? DEFAULT_MIN_EFFECT,
  };
}

// ---------------------------------------------------------------- suites

interface Context {
  seed: number;
  resamples: number;
  thresholds: ThresholdSettings;
  tested: { suite: string; metric: MetricComparison; informative: number }[];
}

function compareSuite(
  ctx: Context,
  baselineDoc: ResultsDocument,
  currentDoc: ResultsDocument,
  base: SuiteResult | undefined,
  cur: SuiteResult,
  options: CompareOptions,
): SuiteComparison {
  const curStats = cur.cases.map(caseStats);
  const baseStats = base ? base.cases.map(caseStats) : [];
  const baseById = new Map(baseStats.map((c) => [c.id, c]));
  const curIds = new Set(curStats.map((c) => c.id));
  const pairing = pairSuite(base, cur);
  const unpairedIds = new Set(pairing.unpaired.map((u) => u.id));
  const pairs = curStats.flatMap((c) => {
    const b = baseById.get(c.id);
    return b && !unpairedIds.has(c.id) ? [{ base: b, cur: c }] : [];
  });

  const reasons: string[] = [];
  const contentChanges: string[] = [];
  let status: SuiteComparison['status'] = 'comparable';
  if (!base) {
    status = 'new';
    reasons.push('no baseline for this suite');
  } else {
    if (base.contentHash !== cur.contentHash) {
      if (pairing.mode === 'suite') {
        reasons.push(
          `suite content changed (cases or graders; contentHash ${base.contentHash} → ${cur.contentHash}) and the baseline has no per-case hashes to pair the unchanged cases: re-record the baseline`,
        );
      } else {
        contentChanges.push(
          `suite content changed (contentHash ${base.contentHash} → ${cur.contentHash}): cases compared one by one, ${plural(pairing.unpaired.filter((u) => u.why === 'changed').length, 'case')} changed`,
        );
      }
    }
    reasons.push(...(options.notComparable?.[cur.id] ?? []));
    if (reasons.length > 0) status = 'not-comparable';
    else {
      const nothing = nothingComparable(base, cur, pairs, pairing.unpaired);
      if (nothing) {
        status = 'nothing-comparable';
        reasons.push(nothing);
      } else if (pairing.unpaired.length) {
        reasons.push(unpairedSummary(pairing.unpaired));
      }
    }
  }

  const transitions: CaseTransition[] = curStats.map((c) => {
    const b = baseById.get(c.id);
    return {
      id: c.id,
      blocker: c.blocker,
      baseline: b ? outcome(b) : null,
      current: outcome(c),
      change: b && unpairedIds.has(c.id) ? 'changed' : change(b, c),
      ...(c.failure ? { failure: c.failure } : {}),
    };
  });

  const metrics =
    status === 'comparable'
      ? pairedMetrics(ctx, cur.id, pairs)
      : descriptiveMetrics(ctx, cur.id, baseStats, curStats, reasons.join('; '));

  // Usage compares like with like: over paired cases when the suite is comparable.
  const comparable = status === 'comparable';
  const usageBase = comparable ? pairs.map((p) => p.base) : baseStats;
  const usageCur = comparable ? pairs.map((p) => p.cur) : curStats;

  return {
    id: cur.id,
    tier: cur.tier,
    kind: cur.kind,
    status,
    reasons,
    changes: [
      ...suiteChanges(baselineDoc, currentDoc, base, cur),
      ...contentChanges,
      ...(options.fingerprintDiffs?.[cur.id] ?? []),
    ],
    repeat: { baseline: base?.repeat ?? null, current: cur.repeat },
    cases: {
      comparable: pairs.length,
      new: curStats.filter((c) => !baseById.has(c.id)).map((c) => c.id),
      removed: baseStats.filter((c) => !curIds.has(c.id)).map((c) => c.id),
    },
    unpaired: base ? pairing.unpaired : [],
    transitions,
    removedCases: baseStats
      .filter((c) => !curIds.has(c.id))
      .map((c) => ({ id: c.id, blocker: c.blocker, status: c.status })),
    metrics,
    tested: 0,
    advisoryGraders: advisoryGraders(cur),
    layers: layerComparison(base?.cases ?? [], cur.cases, new Set(pairs.map((p) => p.cur.id))),
    overall: { baseline: base ? armRates(baseStats) : null, current: armRates(curStats) },
    usage: usage(ctx, cur.id, comparable ? pairs : null, base ? usageBase : [], usageCur),
  };
}

/**
 * Which cases of a suite pair with the baseline. Two modes:
 *  - case: every current case, and every baseline case with the same id, carries a per-case
 *    `hash`. A case pairs when its id and hash match; otherwise it is unpaired, `new` (no
 *    baseline case of that id) or `changed` (the case or a grader that applies to it was
 *    edited). An edit to one case leaves the others compared.
 *  - suite: a side has no per-case hashes (a document from before they existed). Cases pair
 *    by id alone, and only while the suite's contentHash is unchanged; when it changed,
 *    every case counts as `changed` (the suite is not comparable).
 * Cases with no baseline at all (the suite is new) are not listed.
 */
function pairSuite(
  base: SuiteResult | undefined,
  cur: SuiteResult,
): { mode: 'case' | 'suite'; unpaired: UnpairedCase[] } {
  if (!base) return { mode: 'case', unpaired: [] };
  const baseById = new Map(base.cases.map((c) => [c.id, c]));
  const hashed = cur.cases.every(
    (c) => c.hash !== undefined && (!baseById.has(c.id) || baseById.get(c.id)!.hash !== undefined),
  );
  const mode = hashed ? 'case' : 'suite';
  const unpaired: UnpairedCase[] = [];
  for (const c of cur.cases) {
    const b = baseById.get(c.id);
    if (!b) unpaired.push({ id: c.id, why: 'new' });
    else if (mode === 'case' ? b.hash !== c.hash : base.contentHash !== cur.contentHash)
      unpaired.push({ id: c.id, why: 'changed' });
  }
  return { mode, unpaired };
}

/**
 * Cases of `current` that cannot be paired with `baseline`, suite by suite: new ones (no
 * baseline case of that id) and changed ones (their hash, or for documents without per-case
 * hashes their suite's contentHash, differs). Suites the baseline does not have are left
 * out. These are the cases to evaluate on the base commit and fold into the baseline with
 * `mergeBaselineCases` before comparing. Pure; the same rule `compare` applies.
 */
export function unpairedCases(
  baseline: ResultsDocument,
  current: ResultsDocument,
): { suite: string; cases: UnpairedCase[] }[] {
  const bySuite = new Map(baseline.suites.map((s) => [s.id, s]));
  return current.suites.flatMap((cur) => {
    const base = bySuite.get(cur.id);
    if (!base) return [];
    const { unpaired } = pairSuite(base, cur);
    return unpaired.length ? [{ suite: cur.id, cases: unpaired }] : [];
  });
}

/**
 * Why a suite that has a baseline still has nothing to compare, or null when it has. Not
 * an ordinary edit: a suite whose cases all changed is compared case by case (with every
 * case unpaired), not judged here. What is left is a baseline that cannot be this suite's:
 * no case id in common (a Results file of another suite, renamed ids), no cases on a side,
 * or no paired case graded in both runs (every baseline sample errored).
 */
function nothingComparable(
  base: SuiteResult,
  cur: SuiteResult,
  pairs: { base: CaseStats; cur: CaseStats }[],
  unpaired: UnpairedCase[],
): string | null {
  if (unpaired.some((u) => u.why === 'changed')) return null;
  if (cur.cases.length === 0) return 'the current run has no cases for this suite';
  if (base.cases.length === 0) return 'the baseline has no cases for this suite';
  if (pairs.length === 0) {
    return `no case id in common with the baseline (${plural(cur.cases.length, 'case')} now, ${base.cases.length} in the baseline): the baseline may be another suite's results, or the case ids were renamed`;
  }
  if (pairs.some((p) => passFraction(p.base) !== null && passFraction(p.cur) !== null)) return null;
  const baseGraded = pairs.some((p) => passFraction(p.base) !== null);
  return baseGraded
    ? `none of the ${plural(pairs.length, 'paired case')} was graded in this run (every sample errored)`
    : `every sample of the ${plural(pairs.length, 'paired case')} errored in the baseline: it measured nothing`;
}

/** `3 cases not paired with the baseline: a (changed), b (new), …` — names, capped. */
function unpairedSummary(unpaired: UnpairedCase[]): string {
  const shown = unpaired.slice(0, UNPAIRED_NAMED).map((u) => `${u.id} (${u.why})`);
  const more = unpaired.length > UNPAIRED_NAMED ? `, and ${unpaired.length - UNPAIRED_NAMED} more` : '';
  return `${plural(unpaired.length, 'case')} not paired with the baseline, left out of the statistics: ${shown.join(', ')}${more}`;
}

/**
 * Which layer of evaluation moved: per layer (hard checks, task metrics, judge, human review),
 * the share of decided verdicts that passed over the paired cases, baseline and now.
 * Descriptive: the gate judges the pass rate and scores; this says where a move came from.
 */
function layerComparison(base: CaseResult[], cur: CaseResult[], paired: Set<string>): LayerComparison[] {
  const tally = (cases: CaseResult[]) => {
    const out = new Map<string, { passed: number; decided: number }>();
    for (const c of cases) {
      if (!paired.has(c.id)) continue;
      for (const s of c.samples)
        for (const g of s.graders) {
          if (!g.layer || g.error) continue;
          const t = out.get(g.layer) ?? { passed: 0, decided: 0 };
          t.decided++;
          if (g.pass) t.passed++;
          out.set(g.layer, t);
        }
    }
    return out;
  };
  const b = tally(base);
  const c = tally(cur);
  const order: LayerComparison['layer'][] = ['hard-check', 'task-metric', 'judge', 'human-review'];
  return order.flatMap((layer) => {
    const bt = b.get(layer);
    const ct = c.get(layer);
    if (!bt && !ct) return [];
    const baseline = bt && bt.decided ? bt.passed / bt.decided : null;
    const current = ct && ct.decided ? ct.passed / ct.decided : null;
    return [
      {
        layer,
        verdicts: { baseline: bt?.decided ?? 0, current: ct?.decided ?? 0 },
        baseline,
        current,
        delta: baseline !== null && current !== null ? current - baseline : null,
      },
    ];
  });
}

/** Graders whose verdicts in this run were advisory (a judge below its calibration minimum). */
function advisoryGraders(suite: SuiteResult): string[] {
  const names = new Set<string>();
  for (const c of suite.cases)
    for (const s of c.samples) for (const g of s.graders) if (g.advisory) names.add(g.grader);
  return [...names].sort();
}

// ---------------------------------------------------------------- per-case aggregates

interface CaseStats {
  id: string;
  blocker: boolean;
  status: CaseResult['status'];
  samples: number;
  passed: number;
  failed: number;
  errors: number;
  refusals: number;
  /** Error samples whose target answered but a grader could not decide. */
  graderErrors: number;
  /** Graded samples the refusal detector read. */
  refusalKnown: number;
  /** Per grader: sum and count of scores over answered samples where the grader decided. */
  scores: Map<string, { sum: number; n: number; continuous: boolean; advisory: boolean }>;
  latencies: number[];
  tokensPerCall: number | null;
  costPerCall: number | null;
  failure?: CaseFailure;
}

function caseStats(c: CaseResult): CaseStats {
  const s: CaseStats = {
    id: c.id,
    blocker: c.blocker,
    status: c.status,
    samples: c.samples.length,
    passed: 0,
    failed: 0,
    errors: 0,
    graderErrors: 0,
    refusals: 0,
    refusalKnown: 0,
    scores: new Map(),
    latencies: [],
    tokensPerCall: null,
    costPerCall: null,
  };
  let tokenSum = 0;
  let tokenCount = 0;
  let costSum = 0;
  let costCount = 0;
  for (let i = 0; i < c.samples.length; i++) {
    const sample = c.samples[i]!;
    if (sample.status === 'error') {
      s.errors++;
      // The target answered; a grader (say, a judge that timed out) could not decide.
      if (!sample.error) s.graderErrors++;
    } else if (sample.status === 'pass') s.passed++;
    else s.failed++;
    const t = sample.tokens?.total ?? sample.output?.usage?.total;
    if (typeof t === 'number') {
      tokenSum += t;
      tokenCount++;
    }
    if (typeof sample.cost === 'number') {
      costSum += sample.cost;
      costCount++;
    }
    if (sample.status === 'error') continue;
    if (typeof sample.latencyMs === 'number') s.latencies.push(sample.latencyMs);
    if (typeof sample.refusal === 'boolean') {
      s.refusalKnown++;
      if (sample.refusal) s.refusals++;
    }
    for (let j = 0; j < sample.graders.length; j++) {
      const g = sample.graders[j]!;
      if (g.error) continue;
      let acc = s.scores.get(g.grader);
      if (!acc) s.scores.set(g.grader, (acc = { sum: 0, n: 0, continuous: false, advisory: false }));
      if (g.advisory) acc.advisory = true;
      acc.sum += g.score;
      acc.n++;
      if (g.score !== 0 && g.score !== 1) acc.continuous = true;
    }
  }
  s.tokensPerCall = tokenCount ? tokenSum / tokenCount : null;
  s.costPerCall = costCount ? costSum / costCount : null;
  if (c.status !== 'pass') {
    const failure = failureOf(c.samples);
    if (failure) s.failure = failure;
  }
  return s;
}

function failureOf(samples: SampleResult[]): CaseFailure | undefined {
  const failed = samples.find((x) => x.status === 'fail');
  if (failed) {
    const graders = failed.graders
      .filter((g) => !g.pass && !g.error)
      .map((g) => ({ grader: g.grader, reason: clip(g.reason) }));
    return { graders, ...(failed.output ? { output: clip(failed.output.output) } : {}) };
  }
  const errored = samples.find((x) => x.status === 'error');
  if (errored) {
    const error = errored.error ?? {
      kind: 'unknown',
      message: errored.graders.find((g) => g.error)?.reason ?? 'no grader could decide',
    };
    return { graders: [], error: { kind: error.kind, message: clip(error.message) } };
  }
  return undefined;
}

function clip(text: string): string {
  return text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT)}…` : text;
}

function outcome(c: CaseStats): CaseOutcome {
  return { status: c.status, passed: c.passed, failed: c.failed, errors: c.errors };
}

function passFraction(c: CaseStats): number | null {
  const graded = c.passed + c.failed;
  return graded > 0 ? c.passed / graded : null;
}

function change(b: CaseStats | undefined, c: CaseStats): CaseTransition['change'] {
  if (!b) return 'new';
  const fb = passFraction(b);
  const fc = passFraction(c);
  if (fb === null || fc === null) return 'unknown';
  return fc < fb ? 'worse' : fc > fb ? 'better' : 'same';
}

// ---------------------------------------------------------------- metrics

interface MetricSpec {
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

function caseValue(spec: MetricSpec, c: CaseStats): number | null {
  if (spec.value) return spec.value(c);
  const n = spec.trials!(c);
  return n > 0 ? spec.successes!(c) / n : null;
}

function pairedMetrics(
  ctx: Context,
  suite: string,
  pairs: { base: CaseStats; cur: CaseStats }[],
): MetricComparison[] {
  const specs = metricSpecs(pairs.flatMap((p) => [p.base, p.cur]));
  return specs.map((spec) => {
    const t = resolveThresholds(ctx.thresholds, suite, spec.metric);
    const m = blankMetric(spec, t);
    const table = spec.trials ? singleSampleTable(spec, pairs) : null;

    if (table) {
      const { both, baseOnly, curOnly, neither } = table;
      const n = both + baseOnly + curOnly + neither;
      const diff = newcombePairedDifference({ a: both, b: curOnly, c: baseOnly, d: neither }, t.alpha);
      const test = mcnemarExact(baseOnly, curOnly);
      Object.assign(m, {
        n,
        baseline: (both + baseOnly) / n,
        current: (both + curOnly) / n,
        delta: diff.estimate,
        interval: { lower: diff.lower, upper: diff.upper, method: 'newcombe' },
        armIntervals: {
          baseline: wilsonInterval(both + baseOnly, n, t.alpha),
          current: wilsonInterval(both + curOnly, n, t.alpha),
        },
        test: { method: 'mcnemar-exact', baselineOnly: baseOnly, currentOnly: curOnly },
        pValue: test.pValue,
        effectSize: test.discordant > 0 ? (curOnly - baseOnly) / test.discordant : 0,
      } satisfies Partial<MetricComparison>);
      ctx.tested.push({ suite, metric: m, informative: test.discordant });
      return m;
    }

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
      return m;
    }
    const w = wilcoxonSignedRank(diffs, { exactMaxN: WILCOXON_EXACT_MAX_N });
    const rng = createRng(`${ctx.seed}:${suite}:${spec.metric}`);
    const interval = pairedBootstrapMeanInterval(diffs, { alpha: t.alpha, resamples: ctx.resamples, rng });
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
    ctx.tested.push({ suite, metric: m, informative: w.n });
    return m;
  });
}

/**
 * The paired 2×2 table when every paired case has exactly one trial in both runs (the
 * McNemar setting); null when any has more, which sends the metric to the per-case test.
 */
function singleSampleTable(spec: MetricSpec, pairs: { base: CaseStats; cur: CaseStats }[]) {
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
function descriptiveMetrics(
  ctx: Context,
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

function blankMetric(spec: MetricSpec, t: MetricThresholds): MetricComparison {
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

function confidence(alpha: number): string {
  return `${+((1 - alpha) * 100).toFixed(2)}%`;
}

// ---------------------------------------------------------------- rates and usage

function armRates(cases: CaseStats[]): ArmRates {
  const fractions = cases.map(passFraction).filter((x): x is number => x !== null);
  const samples = cases.reduce((s, c) => s + c.samples, 0);
  const errors = cases.reduce((s, c) => s + c.errors, 0);
  const graderErrors = cases.reduce((s, c) => s + c.graderErrors, 0);
  const known = cases.reduce((s, c) => s + c.refusalKnown, 0);
  const refusals = cases.reduce((s, c) => s + c.refusals, 0);
  return {
    cases: cases.length,
    samples,
    passRate: fractions.length ? mean(fractions) : null,
    errorRate: samples ? errors / samples : 0,
    graderErrors,
    refusalRate: known ? refusals / known : null,
  };
}

/**
 * Latency, tokens and cost: each arm's distribution (as before: latency over answered
 * samples, tokens and cost per case), and for each a bootstrap test of its increase, which
 * the budgets read. The test is over cases: a case's value is the mean over its samples
 * (latency: answered samples), the statistic is the p95 (latency) or mean (tokens, cost) of
 * those values; paired over the cases with a value in both runs when the suite is
 * comparable, each arm resampled on its own otherwise. One-sided at the suite's α.
 */
function usage(
  ctx: Context,
  suite: string,
  pairs: { base: CaseStats; cur: CaseStats }[] | null,
  base: CaseStats[],
  cur: CaseStats[],
): UsageComparison {
  const latency = (cases: CaseStats[]) => distribution(cases.flatMap((c) => c.latencies));
  const perCase = (cases: CaseStats[], pick: (c: CaseStats) => number | null) =>
    distribution(cases.map(pick).filter((x): x is number => x !== null));
  const alpha = ctx.thresholds.suites?.[suite]?.alpha ?? ctx.thresholds.alpha ?? DEFAULT_ALPHA;
  const test = (name: string, statistic: IncreaseStatistic, pick: (c: CaseStats) => number | null) => {
    const rng = createRng(`${ctx.seed}:${suite}:usage:${name}`);
    const options = { statistic, alpha, resamples: ctx.resamples, rng };
    if (pairs) {
      const b: number[] = [];
      const c: number[] = [];
      for (const p of pairs) {
        const x = pick(p.base);
        const y = pick(p.cur);
        if (x === null || y === null) continue;
        b.push(x);
        c.push(y);
      }
      return bootstrapIncrease(b, c, { ...options, paired: true });
    }
    const values = (cases: CaseStats[]) => cases.map(pick).filter((x): x is number => x !== null);
    return bootstrapIncrease(values(base), values(cur), { ...options, paired: false });
  };
  const caseLatency = (c: CaseStats) => (c.latencies.length ? mean(c.latencies) : null);
  return {
    latencyMs: usageMetric(latency(base), latency(cur), test('latency', 'p95', caseLatency)),
    tokensPerCase: usageMetric(
      perCase(base, (c) => c.tokensPerCall),
      perCase(cur, (c) => c.tokensPerCall),
      test('tokens', 'mean', (c) => c.tokensPerCall),
    ),
    costPerCase: usageMetric(
      perCase(base, (c) => c.costPerCall),
      perCase(cur, (c) => c.costPerCall),
      test('cost', 'mean', (c) => c.costPerCall),
    ),
  };
}

function distribution(values: number[]): Distribution | null {
  if (values.length === 0) return null;
  return { n: values.length, p50: quantile(values, 0.5), p95: quantile(values, 0.95), mean: mean(values) };
}

function usageMetric(
  baseline: Distribution | null,
  current: Distribution | null,
  increase: IncreaseBounds | null,
): UsageMetric {
  const pct = (b: number, c: number) => (b === 0 ? (c === 0 ? 0 : null) : ((c - b) / b) * 100);
  return {
    baseline,
    current,
    increase: baseline && current ? increase : null,
    changePct:
      baseline && current
        ? {
            p50: pct(baseline.p50, current.p50),
            p95: pct(baseline.p95, current.p95),
            mean: pct(baseline.mean, current.mean),
          }
        : null,
  };
}

// ---------------------------------------------------------------- fingerprints

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

function suiteChanges(
  baselineDoc: ResultsDocument,
  currentDoc: ResultsDocument,
  base: SuiteResult | undefined,
  cur: SuiteResult,
): string[] {
  if (!base) return [];
  const out: string[] = [];
  if (base.tier !== cur.tier) out.push(`tier ${base.tier} → ${cur.tier}`);
  if (base.kind !== cur.kind) out.push(`kind ${base.kind} → ${cur.kind}`);
  if (base.target !== cur.target) out.push(`target ${base.target} → ${cur.target}`);
  if (base.repeat !== cur.repeat) out.push(`repeat ${base.repeat} → ${cur.repeat}`);
  const bt = baselineDoc.run.targets[base.target];
  const ct = currentDoc.run.targets[cur.target];
  if (bt && ct) {
    if (bt.kind !== ct.kind) out.push(`target kind ${bt.kind} → ${ct.kind}`);
    if ((bt.model ?? '') !== (ct.model ?? ''))
      out.push(`model ${bt.model ?? '(none)'} → ${ct.model ?? '(none)'}`);
    if ((bt.systemVersion ?? '') !== (ct.systemVersion ?? '')) {
      out.push(`system version ${bt.systemVersion ?? '(none)'} → ${ct.systemVersion ?? '(none)'}`);
    }
  }
  return out;
}
