import type { ProductionRecord } from '../record.js';
import { normalMixtureInterval } from './normal-mixture.js';
import { quantileInterval } from './quantile.js';
import { evidenceAbove, evidenceBelow, rateRatioInterval, type RareEvent } from './rate-ratio.js';
import { TRIGGER_NAMES, type MetricName, type RolloutConfig, type TriggerName } from './rollout-schema.js';

/** Bumped on any change a deployment tool reading the decision could notice. */
export const DECISION_SCHEMA_VERSION = 1;

export type CanaryVerdict = 'promote' | 'continue' | 'rollback';
/**
 * Per trigger: `rollback` (degraded beyond tolerance, with confidence), `within` (within
 * tolerance, with confidence), `undecided` (enough records, no conclusion yet), `too-few`
 * (below the trigger's minimum sample).
 */
export type MetricStatus = 'rollback' | 'within' | 'undecided' | 'too-few';

export interface SideSummary {
  /** Records that count for this metric (carry its field). */
  records: number;
  /** Records with the event (count and proportion metrics). */
  events?: number;
  /** The metric's value: a rate, a p95 in ms, a mean cost in USD; null without records. */
  value: number | null;
}

export interface MetricDecision {
  /** The trigger, or `onlineGraders.NAME`: that grader's failure rate (1 − pass rate). */
  metric: MetricName;
  status: MetricStatus;
  /** The anytime-valid test used. */
  test: 'conditional-binomial-sequential' | 'normal-mixture-sequential' | 'quantile-confidence-sequence';
  /** What the effect compares: `ratio` (canary ÷ control) or `difference` (canary − control). */
  effect: {
    kind: 'ratio' | 'difference';
    estimate: number | null;
    lower: number | null;
    upper: number | null;
  };
  /** The tolerated degradation, on the effect's scale (a ratio's tolerance 1.2 is a 20 % rise). */
  tolerance: number;
  /** The error rate this trigger's confidence sequence is held to (the run's alpha ÷ triggers). */
  alpha: number;
  canary: SideSummary;
  control: SideSummary;
  recordsNeeded: { canary: number; control: number };
  reason: string;
}

export interface CanaryDecision {
  schema: 'evalgate.canary-decision';
  schemaVersion: typeof DECISION_SCHEMA_VERSION;
  decision: CanaryVerdict;
  canary: string;
  control: string;
  /** The look number the caller gave (informational: the decision is valid at any look). */
  look: number;
  /** The bound on a false rollback (or false promote), over every look and trigger together. */
  alpha: number;
  records: { canary: number; control: number };
  /** Records still needed, per side, before every trigger can decide (0 when none). */
  recordsNeeded: { canary: number; control: number };
  reasons: string[];
  metrics: MetricDecision[];
}

/**
 * A record's time in ms. Records carry `at` as `Date#toISOString` writes it, whose digits
 * read straight off (Date.parse is most of a look's time over thousands of records); any
 * other form goes through Date.parse.
 */
export function timeOf(r: ProductionRecord): number {
  const at = r.at;
  if (at.length === 24 && at[10] === 'T' && at[23] === 'Z' && at[19] === '.') {
    const d = (from: number, to: number) => {
      let x = 0;
      for (let i = from; i < to; i++) x = x * 10 + at.charCodeAt(i) - 48;
      return x;
    };
    const t = Date.UTC(d(0, 4), d(5, 7) - 1, d(8, 10), d(11, 13), d(14, 16), d(17, 19), d(20, 23));
    if (Number.isFinite(t)) return t;
  }
  return Date.parse(at);
}

/**
 * Both slices' records in time order, each marked with its side: merged once per decision
 * and read by every count metric (the slices are each in time order already).
 */
type Merged = { record: ProductionRecord; canary: boolean; canaryBefore: number; controlBefore: number }[];
function mergeByTime(canary: readonly ProductionRecord[], control: readonly ProductionRecord[]): Merged {
  const tk = canary.map(timeOf);
  const tc = control.map(timeOf);
  const out: Merged = [];
  let i = 0;
  let j = 0;
  while (i < canary.length || j < control.length) {
    const takeCanary = j >= control.length || (i < canary.length && tk[i]! <= tc[j]!);
    out.push({
      record: takeCanary ? canary[i]! : control[j]!,
      canary: takeCanary,
      canaryBefore: i,
      controlBefore: j,
    });
    if (takeCanary) i++;
    else j++;
  }
  return out;
}

const num = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;

interface Extracted {
  test: MetricDecision['test'];
  kind: 'ratio' | 'difference';
  tolerance: number;
  estimate: number | null;
  lower: number;
  upper: number;
  rollback: boolean;
  within: boolean;
  canary: SideSummary;
  control: SideSummary;
}

/** Count metrics: each event with the canary's share of the records before it. */
function countMetric(
  canary: readonly ProductionRecord[],
  control: readonly ProductionRecord[],
  merged: Merged,
  isEvent: (r: ProductionRecord) => boolean,
  maxRatio: number,
  alpha: number,
): Extracted {
  const events: RareEvent[] = [];
  for (const m of merged)
    if (isEvent(m.record))
      events.push({ canary: m.canary, share: (m.canaryBefore + 1) / (m.canaryBefore + m.controlBefore + 2) });
  const xk = events.filter((e) => e.canary).length;
  const xc = events.length - xk;
  const rk = canary.length ? xk / canary.length : null;
  const rc = control.length ? xc / control.length : null;
  const threshold = 2 / alpha;
  const ci = rateRatioInterval(events, alpha);
  return {
    test: 'conditional-binomial-sequential',
    kind: 'ratio',
    tolerance: maxRatio,
    estimate: rk !== null && rc !== null ? (rc > 0 ? rk / rc : rk > 0 ? Infinity : null) : null,
    lower: ci.lower,
    upper: ci.upper,
    rollback: evidenceAbove(events, maxRatio) >= threshold,
    within: evidenceBelow(events, maxRatio) >= threshold,
    canary: { records: canary.length, events: xk, value: rk },
    control: { records: control.length, events: xc, value: rc },
  };
}

/** Proportions: the difference of rates, normal-mixture confidence sequence. */
function proportionMetric(
  canary: readonly ProductionRecord[],
  control: readonly ProductionRecord[],
  counts: (r: ProductionRecord) => boolean,
  isEvent: (r: ProductionRecord) => boolean,
  maxIncrease: number,
  alpha: number,
): Extracted {
  const side = (rs: readonly ProductionRecord[]) => {
    const n = rs.filter(counts);
    const x = n.filter(isEvent).length;
    // Variance from the add-one rate: a side with no event yet is not certain of its rate.
    const smoothed = (x + 1) / (n.length + 2);
    return {
      n: n.length,
      x,
      rate: n.length ? x / n.length : null,
      variance: n.length ? (smoothed * (1 - smoothed)) / n.length : Infinity,
    };
  };
  const k = side(canary);
  const c = side(control);
  const estimate = k.rate !== null && c.rate !== null ? k.rate - c.rate : null;
  const ci =
    estimate === null
      ? { lower: -Infinity, upper: Infinity }
      : normalMixtureInterval(estimate, k.variance + c.variance, Math.max(maxIncrease, 0.01), alpha);
  return {
    test: 'normal-mixture-sequential',
    kind: 'difference',
    tolerance: maxIncrease,
    estimate,
    ...ci,
    rollback: ci.lower > maxIncrease,
    within: ci.upper <= maxIncrease,
    canary: { records: k.n, events: k.x, value: k.rate },
    control: { records: c.n, events: c.x, value: c.rate },
  };
}

/** p95 latency: each side's quantile confidence sequence at α/2, compared as a ratio. */
function quantileMetric(
  canary: readonly ProductionRecord[],
  control: readonly ProductionRecord[],
  maxIncrease: number,
  alpha: number,
): Extracted {
  // A typed array sorts numerically, without a comparator call per step.
  const values = (rs: readonly ProductionRecord[]) =>
    Float64Array.from(
      rs.map((r) => r.latencyMs).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
    ).sort();
  const vk = values(canary);
  const vc = values(control);
  const k = quantileInterval(vk, 0.95, alpha / 2);
  const c = quantileInterval(vc, 0.95, alpha / 2);
  const nk = vk.length;
  const nc = vc.length;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : a > 0 ? Infinity : 1);
  const tolerance = 1 + maxIncrease;
  const lower = nk && nc ? ratio(Math.max(0, k.lower), c.upper) : 0;
  const upper = nk && nc ? ratio(k.upper, Math.max(0, c.lower)) : Infinity;
  return {
    test: 'quantile-confidence-sequence',
    kind: 'ratio',
    tolerance,
    estimate: nk && nc ? ratio(k.estimate, c.estimate) : null,
    lower,
    upper,
    rollback: lower > tolerance,
    within: upper <= tolerance,
    canary: { records: nk, value: nk ? k.estimate : null },
    control: { records: nc, value: nc ? c.estimate : null },
  };
}

/** Mean cost: the log of the ratio of means (delta method), normal-mixture confidence sequence. */
function meanRatioMetric(
  canary: readonly ProductionRecord[],
  control: readonly ProductionRecord[],
  maxIncrease: number,
  alpha: number,
): Extracted {
  const side = (rs: readonly ProductionRecord[]) => {
    const v = rs
      .map((r) => r.costUsd)
      .filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    const n = v.length;
    const mean = n ? v.reduce((a, b) => a + b, 0) / n : NaN;
    const variance = n > 1 ? v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : NaN;
    return { n, mean, variance };
  };
  const k = side(canary);
  const c = side(control);
  const tolerance = 1 + maxIncrease;
  let estimate: number | null = null;
  let ci = { lower: 0, upper: Infinity };
  if (k.n > 1 && c.n > 1 && k.mean > 0 && c.mean > 0) {
    const s2 = k.variance / (k.n * k.mean ** 2) + c.variance / (c.n * c.mean ** 2);
    const log = normalMixtureInterval(
      Math.log(k.mean / c.mean),
      s2,
      Math.max(Math.log(tolerance), 0.05),
      alpha,
    );
    estimate = k.mean / c.mean;
    ci = { lower: Math.exp(log.lower), upper: Math.exp(log.upper) };
  }
  return {
    test: 'normal-mixture-sequential',
    kind: 'ratio',
    tolerance,
    estimate,
    ...ci,
    rollback: ci.lower > tolerance,
    within: ci.upper <= tolerance,
    canary: { records: k.n, value: k.n ? k.mean : null },
    control: { records: c.n, value: c.n ? c.mean : null },
  };
}

function extract(
  name: MetricName,
  rollout: RolloutConfig,
  canary: readonly ProductionRecord[],
  control: readonly ProductionRecord[],
  merged: () => Merged,
  alpha: number,
): Extracted {
  const t = rollout.triggers;
  if (name.startsWith('onlineGraders.')) {
    // A pass-rate drop is a failure-rate rise: the proportion test on failures.
    const grader = name.slice('onlineGraders.'.length);
    return proportionMetric(
      canary,
      control,
      (r) => typeof r.online?.[grader] === 'boolean',
      (r) => r.online?.[grader] === false,
      t.onlineGraders![grader]!.maxDecrease,
      alpha,
    );
  }
  switch (name as TriggerName) {
    case 'errorRate':
      return countMetric(
        canary,
        control,
        merged(),
        (r) => r.error !== undefined,
        t.errorRate!.maxRatio,
        alpha,
      );
    case 'safetyEvents':
      return countMetric(
        canary,
        control,
        merged(),
        (r) => (r.safetyEvents?.length ?? 0) > 0,
        t.safetyEvents!.maxRatio,
        alpha,
      );
    case 'refusalRate':
      return proportionMetric(
        canary,
        control,
        (r) => typeof r.refusal === 'boolean',
        (r) => r.refusal === true,
        t.refusalRate!.maxIncrease,
        alpha,
      );
    case 'negativeFeedback':
      return proportionMetric(
        canary,
        control,
        (r) => r.feedback !== undefined,
        (r) => r.feedback?.rating === 'down' || (r.feedback?.score ?? 0) < 0,
        t.negativeFeedback!.maxIncrease,
        alpha,
      );
    case 'p95LatencyMs':
      return quantileMetric(canary, control, t.p95LatencyMs!.maxIncrease, alpha);
    case 'costPerInteraction':
      return meanRatioMetric(canary, control, t.costPerInteraction!.maxIncrease, alpha);
  }
}

function minRecordsOf(rollout: RolloutConfig, name: MetricName): number {
  return name.startsWith('onlineGraders.')
    ? rollout.triggers.onlineGraders![name.slice('onlineGraders.'.length)]!.minRecords
    : rollout.triggers[name as TriggerName]!.minRecords;
}

/** A number as a reader wants it: 3 significant digits, rates as percentages. */
export function formatValue(metric: MetricName, x: number | null): string {
  if (x === null || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return '∞';
  if (metric === 'p95LatencyMs') return `${+x.toPrecision(4)} ms`;
  if (metric === 'costPerInteraction') return `$${+x.toPrecision(3)}`;
  return `${+(x * 100).toPrecision(3)} %`;
}

export function formatEffect(kind: 'ratio' | 'difference', x: number | null): string {
  if (x === null || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return kind === 'ratio'
    ? `×${+x.toPrecision(3)}`
    : `${x >= 0 ? '+' : '−'}${+(Math.abs(x) * 100).toPrecision(3)} pt`;
}

/**
 * Canary against control, under the rollout's triggers: `rollback` when any trigger is
 * degraded beyond its tolerance with confidence, `promote` when every trigger is within its
 * tolerance with confidence, else `continue` (with the records still needed).
 *
 * Each trigger's confidence sequence is held to alpha ÷ (number of triggers), so the chance
 * that any of them is ever wrong — a false rollback of an unchanged canary, or a false
 * promote of one degraded beyond tolerance — is at most alpha over every look together,
 * however often the canary is checked. Minimum samples are applied before either decision.
 */
export function decideCanary(
  canary: readonly ProductionRecord[],
  control: readonly ProductionRecord[],
  rollout: RolloutConfig,
  ids: { canary: string; control: string; look: number },
): CanaryDecision {
  const names: MetricName[] = [
    ...TRIGGER_NAMES.filter((n) => rollout.triggers[n] !== undefined),
    ...Object.keys(rollout.triggers.onlineGraders ?? {}).map((g): MetricName => `onlineGraders.${g}`),
  ];
  const alpha = rollout.alpha / names.length;
  const level = `${+((1 - alpha) * 100).toPrecision(4)} %`;
  let merged: Merged | undefined;
  const mergedOnce = () => (merged ??= mergeByTime(canary, control));
  const metrics: MetricDecision[] = names.map((name) => {
    const e = extract(name, rollout, canary, control, mergedOnce, alpha);
    const min = minRecordsOf(rollout, name);
    const recordsNeeded = {
      canary: Math.max(0, min - e.canary.records),
      control: Math.max(0, min - e.control.records),
    };
    const status: MetricStatus =
      recordsNeeded.canary > 0 || recordsNeeded.control > 0
        ? 'too-few'
        : e.rollback
          ? 'rollback'
          : e.within
            ? 'within'
            : 'undecided';
    const effect = `${formatEffect(e.kind, e.estimate ?? (e.kind === 'ratio' && (e.canary.value ?? 0) > 0 && e.control.value === 0 ? Infinity : null))} (${level} CS ${formatEffect(e.kind, e.lower)} to ${formatEffect(e.kind, e.upper)})`;
    const values = `canary ${formatValue(name, e.canary.value)} vs control ${formatValue(name, e.control.value)}`;
    const tolerated = `tolerated ${formatEffect(e.kind, e.tolerance)}`;
    const reason =
      status === 'too-few'
        ? `${name}: too few records to decide: ${[
            recordsNeeded.canary ? `${recordsNeeded.canary} more canary` : '',
            recordsNeeded.control ? `${recordsNeeded.control} more control` : '',
          ]
            .filter(Boolean)
            .join(
              ' and ',
            )} record${recordsNeeded.canary + recordsNeeded.control === 1 ? '' : 's'} with this field needed (minimum ${min} each; ${e.canary.records} canary, ${e.control.records} control so far)`
        : status === 'rollback'
          ? `${name}: degraded beyond tolerance: ${values}, effect ${effect}, ${tolerated}`
          : status === 'within'
            ? `${name}: within tolerance: ${values}, effect ${effect}, ${tolerated}`
            : `${name}: not yet decided: ${values}, effect ${effect}, ${tolerated}; the interval still straddles the tolerance`;
    return {
      metric: name,
      status,
      test: e.test,
      effect: { kind: e.kind, estimate: num(e.estimate), lower: num(e.lower), upper: num(e.upper) },
      tolerance: e.tolerance,
      alpha,
      canary: e.canary,
      control: e.control,
      recordsNeeded,
      reason,
    };
  });
  const horizon = rollout.promoteAfterRecords;
  const pastHorizon =
    horizon !== undefined &&
    canary.length >= horizon &&
    control.length >= horizon &&
    metrics.every((m) => m.status === 'within' || m.status === 'undecided');
  const decision: CanaryVerdict = metrics.some((m) => m.status === 'rollback')
    ? 'rollback'
    : metrics.every((m) => m.status === 'within') || pastHorizon
      ? 'promote'
      : 'continue';
  const reasons =
    decision === 'rollback'
      ? metrics.filter((m) => m.status === 'rollback').map((m) => m.reason)
      : decision === 'promote'
        ? metrics.every((m) => m.status === 'within')
          ? ['every trigger is within its tolerance']
          : [
              `promoteAfterRecords (${horizon}) reached with no trigger rolled back; not shown within tolerance: ${metrics
                .filter((m) => m.status !== 'within')
                .map((m) => m.metric)
                .join(', ')}`,
            ]
        : metrics.filter((m) => m.status !== 'within').map((m) => m.reason);
  return {
    schema: 'evalgate.canary-decision',
    schemaVersion: DECISION_SCHEMA_VERSION,
    decision,
    canary: ids.canary,
    control: ids.control,
    look: ids.look,
    alpha: rollout.alpha,
    records: { canary: canary.length, control: control.length },
    recordsNeeded: {
      canary: Math.max(0, ...metrics.map((m) => m.recordsNeeded.canary)),
      control: Math.max(0, ...metrics.map((m) => m.recordsNeeded.control)),
    },
    reasons,
    metrics,
  };
}
