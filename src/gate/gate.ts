import {
  formatDelta,
  formatInterval,
  formatPValue,
  formatValue,
  plural,
  formatUsd,
} from '../compare/format.js';
import {
  COMPARISON_SCHEMA_VERSION,
  type ComparisonDocument,
  type IncreaseBounds,
  type MetricComparison,
  type SuiteComparison,
  type TradeOff,
} from '../compare/types.js';
import {
  BUDGET_KEYS,
  defaultGatePolicy,
  type Budget,
  type BudgetKey,
  type GatePolicy,
  type InconclusivePolicy,
  type NothingComparablePolicy,
} from './schema.js';
import {
  VERDICT_SCHEMA_VERSION,
  type GateReason,
  type GateVerdict,
  type ReasonLevel,
  type Verdict,
} from './types.js';

const SEVERITY: Record<ReasonLevel, number> = { info: 0, warn: 1, inconclusive: 2, fail: 3, error: 4 };
const VERDICT_OF: Record<ReasonLevel, GateVerdict> = {
  info: 'pass',
  warn: 'warn',
  inconclusive: 'inconclusive',
  fail: 'fail',
  error: 'error',
};

/**
 * Decides pass / warn / inconclusive / fail / error from a Comparison and the policy. Pure.
 * The verdict is the most severe reason's level; every reason is kept, most severe first.
 *
 * Rules, in the order a reviewer cares about them:
 *  - Blocker cases, zero tolerance and no statistics, whatever the suite's tier: a blocker
 *    that passed in the baseline and fails now fails the gate; a new failing blocker (or
 *    one in a suite that cannot be compared) fails; one that still fails follows
 *    `blockers.stillFailing` (fail); one that errors is `error` — it could not be checked.
 *  - Trusted suites fail on a blocking metric (pass rate, grader scores) whose verdict is
 *    `regressed` (beyond the minimum effect and significant after Holm). An inconclusive
 *    regression (a drop beyond the minimum effect that is not significant), or a suite that
 *    cannot be compared, follows `onInconclusive`: neutral → the verdict is
 *    `inconclusive`, warn, or fail. Never a silent pass.
 *  - A suite with a baseline where nothing could be paired (`nothing-comparable`: another
 *    suite's baseline, no cases, every baseline sample errored) follows
 *    `onNothingComparable` (fail by default) when trusted, warns when monitoring: a check
 *    that compared nothing must not look green. So does the run-wide `nothing-compared`
 *    when a trusted suite is among those, or when the baseline holds trusted suites and
 *    none of them ran (a Results file of other suites).
 *  - Cases a comparable suite could not pair (`unpaired`: new, or edited since the
 *    baseline) are named at the `onInconclusive` level for a trusted suite.
 *  - Monitoring suites never block: at most warn.
 *  - A dimension of quality gates where the policy says so (`dimension:risk: { block: true }`):
 *    each of its cells (overall, and per workflow) as a grader score would.
 *  - A trade-off (one cell of the dimension/workflow breakdown improved, another regressed)
 *    is a product decision: `dimensions.onTradeOff` (warn).
 *  - Budgets relative to the baseline and absolute: warn, or fail where configured; the
 *    abstention rate's budget also trips on a drop.
 *  - Infrastructure errors: a trusted suite whose errored share of samples is above
 *    `errors.maxRate`, or an interrupted run, gives `error` — the run says nothing, so the
 *    gate fails closed.
 */
export function gate(comparison: ComparisonDocument, policy: GatePolicy = defaultGatePolicy()): Verdict {
  const reasons: GateReason[] = [];
  const add = (
    level: ReasonLevel,
    code: GateReason['code'],
    message: string,
    where: Omit<GateReason, 'level' | 'code' | 'message'> = {},
  ) => reasons.push({ level, code, ...where, message });

  if (comparison.schemaVersion !== COMPARISON_SCHEMA_VERSION) {
    add(
      'error',
      'comparison-unsupported',
      `comparison schema version ${String(comparison.schemaVersion)} is not ${COMPARISON_SCHEMA_VERSION}`,
    );
    return verdictFromReasons(reasons);
  }

  if (comparison.current.partial)
    add('error', 'run-partial', 'the current run was interrupted: its results are incomplete');
  if (comparison.baseline.partial)
    add('warn', 'baseline-partial', 'the baseline run was interrupted: cases it did not reach count as new');
  const age = comparison.baselineAge.days;
  if (age === null) add('warn', 'baseline-stale', 'the baseline age is unknown (unreadable timestamps)');
  else if (age > policy.baseline.maxAgeDays) {
    add(
      policy.baseline.onStale,
      'baseline-stale',
      `the baseline is ${age.toFixed(1)} days old (limit ${policy.baseline.maxAgeDays}): re-record it`,
    );
  }
  if (comparison.changes.length)
    add('info', 'fingerprint-changed', `changed since the baseline: ${comparison.changes.join('; ')}`);

  for (const suite of comparison.suites) gateSuite(suite, policy, add);
  if (comparison.tradeOff) gateTradeOff(comparison, comparison.tradeOff, policy, add);

  for (const removed of comparison.removedSuites) {
    const blockers = removed.blockers.length
      ? `, with ${plural(removed.blockers.length, 'blocker case')}`
      : '';
    add(
      removed.tier === 'trusted' ? 'warn' : 'info',
      'suite-removed',
      `in the baseline but not run now (${plural(removed.cases, 'case')}${blockers})`,
      {
        suite: removed.id,
      },
    );
  }

  if (!comparison.suites.some((s) => s.status === 'comparable')) {
    // The check compared nothing although a trusted suite had a baseline: one paired
    // nothing, or the baseline holds trusted suites and none of them ran (a Results file of
    // other suites). That is never green (onNothingComparable). Otherwise (the suites are
    // new, say) onInconclusive.
    const pairedNothing = comparison.suites.some(
      (s) => s.tier === 'trusted' && s.status === 'nothing-comparable',
    );
    const otherSuites =
      comparison.suites.length > 0 &&
      comparison.suites.every((s) => s.status === 'new') &&
      comparison.removedSuites.some((s) => s.tier === 'trusted');
    const what = otherSuites
      ? `no suite could be compared with the baseline: it holds ${comparison.removedSuites.map((s) => s.id).join(', ')}, not the suites that ran (${comparison.suites.map((s) => s.id).join(', ')})`
      : 'no suite could be compared with the baseline';
    add(
      pairedNothing || otherSuites
        ? nothingComparableLevel(policy.onNothingComparable)
        : inconclusiveLevel(policy.onInconclusive),
      'nothing-compared',
      pairedNothing || otherSuites ? `${what}: ${NOTHING_COMPARABLE_ADVICE}` : what,
    );
  }
  return verdictFromReasons(reasons);
}

type Add = (
  level: ReasonLevel,
  code: GateReason['code'],
  message: string,
  where?: Omit<GateReason, 'level' | 'code' | 'message'>,
) => void;

function gateSuite(suite: SuiteComparison, policy: GatePolicy, add: Add): void {
  const trusted = suite.tier === 'trusted';
  const sp = policy.suites[suite.id];
  const onInconclusive = sp?.onInconclusive ?? policy.onInconclusive;
  const at = { suite: suite.id };

  gateBlockers(suite, policy, add);
  if (suite.changes.length)
    add('info', 'fingerprint-changed', `changed since the baseline: ${suite.changes.join('; ')}`, at);

  if (suite.status === 'new') {
    add('info', 'suite-new', 'no baseline for this suite: only its blocker cases are checked', at);
  } else if (suite.status === 'not-comparable') {
    add(
      trusted ? inconclusiveLevel(onInconclusive) : 'info',
      'suite-not-comparable',
      `cannot be compared: ${suite.reasons.join('; ')}`,
      at,
    );
  } else if (suite.status === 'nothing-comparable') {
    add(
      trusted ? nothingComparableLevel(sp?.onNothingComparable ?? policy.onNothingComparable) : 'warn',
      'nothing-comparable',
      `has a baseline but nothing to compare: ${suite.reasons.join('; ')}. ${capitalise(NOTHING_COMPARABLE_ADVICE)}`,
      at,
    );
  } else {
    for (const m of suite.metrics)
      gateMetric(suite, m, trusted && metricBlocks(policy, suite.id, m), onInconclusive, add);
    // A dimension gates only where the policy says so (`dimension:risk: { block: true }`):
    // each of its cells, overall and per workflow, as a grader score would.
    for (const cell of suite.dimensions ?? [])
      if (trusted && isBlocking(policy, suite.id, cell.metric))
        gateMetric(suite, cell, true, onInconclusive, add);
    const unpaired = suite.unpaired ?? [];
    if (unpaired.length) {
      const names = unpaired.slice(0, UNPAIRED_NAMED).map((u) => `${u.id} (${u.why})`);
      const more = unpaired.length > UNPAIRED_NAMED ? `, and ${unpaired.length - UNPAIRED_NAMED} more` : '';
      add(
        trusted ? inconclusiveLevel(onInconclusive) : 'info',
        'cases-unpaired',
        `${plural(unpaired.length, 'case')} not verified against the baseline (new, or edited since it was recorded; not in the paired statistics): ${names.join(', ')}${more}`,
        at,
      );
    }
  }
  if (suite.advisoryGraders?.length) {
    add(
      'info',
      'grader-advisory',
      `${suite.advisoryGraders.map((g) => `'${g}'`).join(', ')} ${suite.advisoryGraders.length === 1 ? 'is' : 'are'} advisory: an LLM judge that has not reached its minimum agreement with human labels (evalgate calibrate); its verdicts are reported but do not block`,
      at,
    );
  }

  const errorRate = suite.overall.current.errorRate;
  if (errorRate > policy.errors.maxRate) {
    add(
      trusted ? 'error' : 'warn',
      'infrastructure-errors',
      `${pct(errorRate)} of samples errored (threshold ${pct(policy.errors.maxRate)}): the results cannot be trusted`,
      at,
    );
  }
  const graderErrors = suite.overall.current.graderErrors ?? 0;
  if (graderErrors > 0) {
    const of = suite.overall.current.samples;
    add(
      'info',
      'grader-errors',
      `${plural(graderErrors, 'sample')} of ${of} could not be graded (a grader such as a judge returned invalid JSON, refused or timed out): counted as errors, neither passes nor fails`,
      at,
    );
  }
  const baseErrors = suite.overall.baseline?.errorRate ?? 0;
  if (baseErrors > policy.errors.maxRate) {
    add(
      'warn',
      'baseline-errors',
      `${pct(baseErrors)} of baseline samples errored: fewer cases could be paired`,
      at,
    );
  }

  for (const key of BUDGET_KEYS)
    gateBudget(suite, key, { ...policy.budgets[key], ...definedOnly(sp?.budgets?.[key]) }, trusted, add);
}

function gateBlockers(suite: SuiteComparison, policy: GatePolicy, add: Add): void {
  const paired = suite.status === 'comparable';
  const unpaired = new Set((suite.unpaired ?? []).map((u) => u.id));
  for (const t of suite.transitions) {
    if (!t.blocker) continue;
    const at = { suite: suite.id, case: t.id };
    const before = paired && !unpaired.has(t.id) ? t.baseline : null;
    if (t.current.status === 'error') {
      add('error', 'blocker-error', 'blocker case could not be evaluated (every sample errored)', at);
    } else if (t.current.status === 'fail') {
      if (!before) {
        const why = !t.baseline
          ? 'new case'
          : paired
            ? 'the case changed since the baseline'
            : 'the suite changed since the baseline';
        add('fail', 'blocker-new-failing', `blocker case fails (${why})`, at);
      } else if (before.status === 'pass')
        add('fail', 'blocker-regressed', 'blocker case passed in the baseline and fails now', at);
      else if (before.status === 'fail')
        add(
          policy.blockers.stillFailing,
          'blocker-still-failing',
          'blocker case failed in the baseline and still fails',
          at,
        );
      else add('fail', 'blocker-new-failing', 'blocker case fails; the baseline could not evaluate it', at);
    } else if (before && before.status !== 'pass') {
      add('info', 'blocker-fixed', `blocker case passes now (was ${before.status})`, at);
    }
  }
  for (const r of suite.removedCases) {
    if (r.blocker)
      add(policy.blockers.removed, 'blocker-removed', 'blocker case is in the baseline but not in this run', {
        suite: suite.id,
        case: r.id,
      });
  }
}

function gateMetric(
  suite: SuiteComparison,
  m: MetricComparison,
  blocking: boolean,
  onInconclusive: InconclusivePolicy,
  add: Add,
): void {
  const at = { suite: suite.id, metric: m.metric };
  switch (m.verdict) {
    case 'regressed':
      add(blocking ? 'fail' : 'warn', 'metric-regressed', `${m.label} regressed: ${summary(m)}`, at);
      return;
    case 'improved':
      add('info', 'metric-improved', `${m.label} improved: ${summary(m)}`, at);
      return;
    case 'inconclusive':
      // Error and refusal rates are the budgets' business; a note for each would be noise.
      if (!blocking) return;
      add(
        isInconclusiveRegression(m) ? inconclusiveLevel(onInconclusive) : 'info',
        'metric-inconclusive',
        `${m.label} inconclusive: ${m.reason}`,
        at,
      );
      return;
    case 'not-comparable':
      // A grader new in this run has no baseline score; that is not the suite failing to compare.
      add(
        blocking && m.metric === 'passRate' ? inconclusiveLevel(onInconclusive) : 'info',
        'metric-not-comparable',
        `${m.label} not comparable: ${m.reason}`,
        at,
      );
      return;
    case 'unchanged':
      return;
  }
}

function summary(m: MetricComparison): string {
  const conf = `${+((1 - m.alpha) * 100).toFixed(2)}% CI ${formatInterval(m.metric, m.interval)}`;
  return `${formatValue(m.metric, m.baseline)} → ${formatValue(m.metric, m.current)} (${formatDelta(m.metric, m.delta)}; ${conf}; ${formatPValue(m.pAdjusted)} after Holm)`;
}

/**
 * An inconclusive metric that looks like a regression: it moved the wrong way by more than
 * its minimum effect, but not significantly. This is what `onInconclusive` governs and what
 * re-sampling can settle. An inconclusive metric that did not visibly drop (the interval is
 * merely too wide to prove equivalence) is only a note: otherwise every small suite would be
 * inconclusive on every change.
 */
export function isInconclusiveRegression(m: MetricComparison): boolean {
  if (m.verdict !== 'inconclusive' || m.delta === null) return false;
  const worse = m.direction === 'higher-is-better' ? -m.delta : m.delta;
  return worse > m.minEffect;
}

/**
 * Whether this metric of this suite can fail the gate: never for an advisory grader's score.
 * Pass rate and grader scores block by default; error and refusal rates are watched by
 * budgets; a dimension's cells (`dimension:<d>`) block only when the policy says so.
 */
export function metricBlocks(
  policy: GatePolicy,
  suite: string,
  m: Pick<MetricComparison, 'metric' | 'advisory'>,
): boolean {
  return !m.advisory && isBlocking(policy, suite, m.metric);
}

export function isBlocking(policy: GatePolicy, suite: string, metric: string): boolean {
  const prefix = /^(score|dimension):/.exec(metric)?.[1];
  const scoreWildcard = prefix ? `${prefix}:*` : undefined;
  const sm = policy.suites[suite]?.metrics;
  const explicit =
    sm?.[metric]?.block ??
    (scoreWildcard ? sm?.[scoreWildcard]?.block : undefined) ??
    policy.metrics[metric]?.block ??
    (scoreWildcard ? policy.metrics[scoreWildcard]?.block : undefined);
  return explicit ?? (metric === 'passRate' || metric.startsWith('score:'));
}

/**
 * A trade-off (compare/breakdown.ts: a cell of the breakdown improved and another
 * regressed, each significantly) is a product decision, said as one: at
 * `dimensions.onTradeOff` (warn by default). It can fail the gate only when a trusted suite
 * is among its cells; monitoring suites never block.
 */
function gateTradeOff(c: ComparisonDocument, t: TradeOff, policy: GatePolicy, add: Add): void {
  const cells = [...t.improved, ...t.regressed];
  const suites = [...new Set(cells.map((x) => x.suite))];
  const trusted = suites.some((id) => c.suites.find((s) => s.id === id)?.tier === 'trusted');
  const wanted = policy.dimensions.onTradeOff;
  add(
    wanted === 'fail' && !trusted ? 'warn' : wanted,
    'trade-off',
    `trade-off needing a product decision: ${t.summary}`,
    suites.length === 1 ? { suite: suites[0]! } : {},
  );
}

// ---------------------------------------------------------------- budgets

const BUDGET_LABEL: Record<BudgetKey, string> = {
  latencyP95: 'p95 latency',
  costPerCase: 'cost per case',
  tokensPerCase: 'tokens per case',
  errorRate: 'error rate',
  refusalRate: 'refusal rate',
  toolCallsPerCase: 'tool calls per case',
  abstentionRate: 'abstention rate',
};

function budgetValues(
  suite: SuiteComparison,
  key: BudgetKey,
): { baseline: number | null; current: number | null } {
  const metric = (id: string) => suite.metrics.find((m) => m.metric === id);
  switch (key) {
    case 'latencyP95':
      return {
        baseline: suite.usage.latencyMs.baseline?.p95 ?? null,
        current: suite.usage.latencyMs.current?.p95 ?? null,
      };
    case 'costPerCase':
      return {
        baseline: suite.usage.costPerCase.baseline?.mean ?? null,
        current: suite.usage.costPerCase.current?.mean ?? null,
      };
    case 'tokensPerCase':
      return {
        baseline: suite.usage.tokensPerCase.baseline?.mean ?? null,
        current: suite.usage.tokensPerCase.current?.mean ?? null,
      };
    case 'errorRate':
      return {
        baseline: metric('errorRate')?.baseline ?? suite.overall.baseline?.errorRate ?? null,
        current: metric('errorRate')?.current ?? suite.overall.current.errorRate,
      };
    case 'refusalRate':
      return {
        baseline: metric('refusalRate')?.baseline ?? null,
        current: metric('refusalRate')?.current ?? null,
      };
    case 'toolCallsPerCase':
      return {
        baseline: suite.usage.toolCallsPerCase?.baseline?.mean ?? null,
        current: suite.usage.toolCallsPerCase?.current?.mean ?? null,
      };
    case 'abstentionRate':
      return {
        baseline: suite.usage.abstentionRate?.baseline?.mean ?? null,
        current: suite.usage.abstentionRate?.current?.mean ?? null,
      };
  }
}

/**
 * A relative budget of latency, tokens or cost trips only when the increase clears three
 * bars, all of them:
 *  (a) relative: the increase is more than maxIncreasePct % of the baseline;
 *  (b) absolute: the increase is at least minAbsoluteIncrease (ms, tokens, USD);
 *  (c) statistical: the comparison's bootstrap lower bound of the increase (one-sided, at
 *      the suite's α; `UsageMetric.increase`) clears both (a) and (b) — its relative bound
 *      above maxIncreasePct, its absolute bound at least minAbsoluteIncrease and above 0.
 * So millisecond jitter between two identical runs (51 → 68 ms) does not fire, and a real
 * increase fires once the cases show it beyond doubt. An increase over the budget that the
 * data cannot confirm is an `info` note. Error and refusal rates (proportions, already
 * tested as metrics) keep (a) and (b) alone; absolute `max` budgets compare the current
 * value with the limit, no test.
 */
function gateBudget(
  suite: SuiteComparison,
  key: BudgetKey,
  budget: Budget,
  trusted: boolean,
  add: Add,
): void {
  const at = { suite: suite.id, metric: key };
  const notCompared = notComparedUsage(suite, key);
  if (notCompared) {
    // A budget that could not be read is said, never passed in silence: a warning when a
    // live run lost its budget to a batch baseline, a note when both were batch runs.
    const level = notCompared.bothBatch ? 'info' : 'warn';
    add(level, 'budget-not-compared', `${BUDGET_LABEL[key]} ${notCompared.reason}`, at);
    return;
  }
  const { baseline, current } = budgetValues(suite, key);
  if (current === null) return;
  // Monitoring suites never block, budgets included.
  const level: ReasonLevel = trusted ? budget.action : 'warn';
  const show = (v: number) => formatBudgetValue(key, v);
  const tested = usageIncrease(suite, key);
  const drop = key === 'abstentionRate' ? (suite.usage.abstentionRate?.decrease ?? null) : null;
  if (drop && budget.maxDecreasePct != null)
    gateTestedBudget(key, budget.maxDecreasePct, budget.minAbsoluteIncrease, drop, level, at, add, 'drop');
  if (tested !== undefined) {
    if (tested !== null && budget.maxIncreasePct !== null)
      gateTestedBudget(key, budget.maxIncreasePct, budget.minAbsoluteIncrease, tested, level, at, add);
  } else if (baseline !== null && budget.maxIncreasePct !== null) {
    const increase = current - baseline;
    const relative = baseline > 0 ? (increase / baseline) * 100 : increase > 0 ? Infinity : 0;
    if (increase > 0 && increase >= budget.minAbsoluteIncrease && relative > budget.maxIncreasePct) {
      const by = Number.isFinite(relative) ? `rose ${relative.toFixed(1)}%` : 'rose from 0';
      add(
        level,
        'budget-relative',
        `${BUDGET_LABEL[key]} ${by} (${show(baseline)} → ${show(current)}), over the ${budget.maxIncreasePct}% budget`,
        at,
      );
    }
  }
  if (budget.max !== null && current > budget.max) {
    add(
      level,
      'budget-absolute',
      `${BUDGET_LABEL[key]} ${show(current)} is over the ${show(budget.max)} budget`,
      at,
    );
  }
}

/** Why a budget's metric was not compared (a batch run beside a live one), if it was not. */
function notComparedUsage(
  suite: SuiteComparison,
  key: BudgetKey,
): { reason: string; bothBatch: boolean } | undefined {
  if (key === 'latencyP95') return suite.usage.latencyMs.notCompared;
  if (key === 'costPerCase') return suite.usage.costPerCase.notCompared;
  return undefined;
}

/** The bootstrap test for latency, tokens and cost; undefined for the rates, which have none. */
function usageIncrease(suite: SuiteComparison, key: BudgetKey): IncreaseBounds | null | undefined {
  switch (key) {
    case 'latencyP95':
      return suite.usage.latencyMs.increase;
    case 'tokensPerCase':
      return suite.usage.tokensPerCase.increase;
    case 'costPerCase':
      return suite.usage.costPerCase.increase;
    case 'toolCallsPerCase':
      return suite.usage.toolCallsPerCase?.increase ?? null;
    case 'abstentionRate':
      return suite.usage.abstentionRate?.increase ?? null;
    default:
      return undefined;
  }
}

function gateTestedBudget(
  key: BudgetKey,
  maxIncreasePct: number,
  minAbs: number,
  t: IncreaseBounds,
  level: ReasonLevel,
  at: { suite: string; metric: string },
  add: Add,
  way: 'rise' | 'drop' = 'rise',
): void {
  const pointOver =
    t.increase > 0 && t.increase >= minAbs && (t.increasePct === null || t.increasePct > maxIncreasePct);
  if (!pointOver) return;
  const confirmed = t.lower > 0 && t.lower >= minAbs && t.lowerPct > maxIncreasePct;
  const show = (v: number) => formatBudgetValue(key, v);
  // A drop's bounds are of baseline − current: shown as the fall they are.
  const sign = way === 'drop' ? -1 : 1;
  const signed = (v: number) => `${sign * v < 0 ? '-' : '+'}${show(Math.abs(v))}`;
  const by =
    t.increasePct === null
      ? 'rose from 0'
      : `${way === 'drop' ? 'fell' : 'rose'} ${t.increasePct.toFixed(1)}%`;
  const conf = (x: number) => `${+(x * 100).toFixed(2)}%`;
  const atLeast = Number.isFinite(t.lowerPct)
    ? `${sign * t.lowerPct >= 0 ? '+' : '-'}${Math.abs(t.lowerPct).toFixed(1)}%`
    : 'from 0';
  const [from, to] = way === 'drop' ? [t.upper, t.lower] : [t.lower, t.upper];
  const interval = `${conf(1 - 2 * t.alpha)} CI ${signed(from)} to ${signed(to)}; at ${conf(1 - t.alpha)} confidence at least ${signed(t.lower)}, ${atLeast}`;
  const s = way === 'drop' ? '-' : '+';
  const limit = `${s}${maxIncreasePct}% and ${minAbs > 0 ? `${s}${show(minAbs)}` : `any ${way}`}`;
  const what = `${BUDGET_LABEL[key]} ${by}, ${show(t.baseline)} → ${show(t.current)} (${signed(t.increase)}; ${interval})`;
  if (confirmed) add(level, 'budget-relative', `${what}: over the budget of ${limit}`, at);
  else
    add(
      'info',
      'budget-relative',
      `${what}: over the budget of ${limit} as measured, but within the noise of ${plural(Math.max(t.n.baseline, t.n.current), 'case')}`,
      at,
    );
}

function formatBudgetValue(key: BudgetKey, v: number): string {
  switch (key) {
    case 'latencyP95':
      return `${Math.round(v)} ms`;
    case 'costPerCase':
      return formatUsd(v);
    case 'tokensPerCase':
      return `${Math.round(v)} tokens`;
    case 'toolCallsPerCase':
      return `${v.toFixed(2)} calls`;
    default:
      return pct(v);
  }
}

// ---------------------------------------------------------------- helpers

/** Unpaired case ids a reason names; the comparison lists them all. */
const UNPAIRED_NAMED = 10;

const NOTHING_COMPARABLE_ADVICE =
  "re-record the baseline on the default branch (`evalgate baseline save`), or check that the baseline is this suite's (suite and case ids)";

function inconclusiveLevel(policy: InconclusivePolicy): ReasonLevel {
  return policy === 'neutral' ? 'inconclusive' : policy;
}

function nothingComparableLevel(policy: NothingComparablePolicy): ReasonLevel {
  return policy === 'neutral' ? 'inconclusive' : policy;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** The verdict is the level of its most severe reason; reasons are listed most severe first. */
export function verdictFromReasons(reasons: GateReason[]): Verdict {
  const sorted = reasons
    .map((r, i) => ({ r, i }))
    .sort((a, b) => SEVERITY[b.r.level] - SEVERITY[a.r.level] || a.i - b.i)
    .map((x) => x.r);
  const counts: Record<ReasonLevel, number> = { info: 0, warn: 0, inconclusive: 0, fail: 0, error: 0 };
  for (const r of reasons) counts[r.level]++;
  const top = sorted[0]?.level ?? 'info';
  return { schemaVersion: VERDICT_SCHEMA_VERSION, verdict: VERDICT_OF[top], reasons: sorted, counts };
}
