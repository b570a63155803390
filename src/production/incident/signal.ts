import { createHash } from 'node:crypto';
import { UsageError } from '../../config/errors.js';
import type { CanaryDecision, MetricDecision } from '../canary/decide.js';
import { formatEffect, formatValue } from '../canary/decide.js';
import type { DriftReport, FeatureDrift } from '../drift/drift.js';

/**
 * What an incident is made of, read from the JSON report of `evalgate canary` or `evalgate
 * drift`: which check, on which versions, watching which metrics, and per metric whether it
 * crosses its trigger now, has recovered, or cannot tell yet.
 *
 * The fingerprint names the incident: a SHA-256 of (kind, scope, monitored metric set), where
 * the scope is the version ids (canary and control; for drift, those the caller names) and
 * the monitored set is every trigger or feature the check evaluates — not only those crossing
 * now. So one canary rollout, or one drift monitor, is one incident however its crossing
 * metrics come and go, and each new rollout (new version ids) is a new one.
 */
export type IncidentKind = 'canary' | 'drift';

/** Per metric: crossing its trigger, recovered (confidently within it), or not known yet. */
export type MetricState = 'crossing' | 'recovered' | 'unknown';

export interface IncidentMetric {
  name: string;
  state: MetricState;
  /** Reference side (control, or the drift reference window), as a reader wants it. */
  reference: string;
  current: string;
  /** The effect with its interval or test. */
  effect: string;
  /** The degradation tolerated. */
  threshold: string;
  /** Records on each side, "canary / control" or "current / reference". */
  records: string;
}

export interface IncidentSignal {
  kind: IncidentKind;
  fingerprint: string;
  /** Version ids, by role (`canary`, `control`, `system` …); keys sorted. */
  scope: Record<string, string>;
  monitored: string[];
  crossing: string[];
  recovered: string[];
  metrics: IncidentMetric[];
  /** The look number of a canary check; undefined for drift. */
  look?: number;
  /** Readable reasons from the report (canary), untrusted text. */
  reasons: string[];
  /** Records behind the check: canary + control, or current + reference. */
  records: number;
}

/** Names that reach markers and tables: trigger and feature names, never free text. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
/** Version ids: printable, no whitespace, bounded. */
const VERSION = /^[\x21-\x7e]{1,200}$/;

export function fingerprintOf(
  kind: IncidentKind,
  scope: Record<string, string>,
  monitored: string[],
): string {
  const canonical = JSON.stringify([
    kind,
    Object.entries(scope).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    [...monitored].sort(),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * The signal of a report (already JSON-parsed). `scope` adds version ids the report does not
 * carry (drift reports name none); a canary's own `canary` and `control` ids always count.
 * Anything that is not a canary decision or drift report of a known schema is a UsageError:
 * an incident is never opened or closed on a half-read report.
 */
export function signalOf(report: unknown, file: string, scope: Record<string, string> = {}): IncidentSignal {
  for (const [role, id] of Object.entries(scope)) {
    if (!NAME.test(role)) throw new UsageError(`--scope ${role}=…: the role must be a plain name`);
    if (!VERSION.test(id))
      throw new UsageError(`--scope ${role}=…: the version id must be printable, no spaces`);
  }
  const r = report as Record<string, unknown> | null;
  if (r && typeof r === 'object' && r.schema === 'evalgate.canary-decision')
    return canarySignal(r, file, scope);
  if (r && typeof r === 'object' && Array.isArray(r.features) && Array.isArray(r.alarms))
    return driftSignal(r, file, scope);
  throw new UsageError(
    `${file} is neither a canary decision (evalgate canary --json) nor a drift report (evalgate drift --json)`,
  );
}

function bad(file: string, what: string): never {
  throw new UsageError(`${file}: not a report this evalgate can read: ${what}`);
}

function canarySignal(
  r: Record<string, unknown>,
  file: string,
  extra: Record<string, string>,
): IncidentSignal {
  const d = r as unknown as CanaryDecision;
  if (d.schemaVersion !== 1)
    bad(file, `canary decision schemaVersion ${String(d.schemaVersion)}, expected 1`);
  if (typeof d.canary !== 'string' || !VERSION.test(d.canary)) bad(file, 'canary is not a version id');
  if (typeof d.control !== 'string' || !VERSION.test(d.control)) bad(file, 'control is not a version id');
  if (!Array.isArray(d.metrics) || !Array.isArray(d.reasons)) bad(file, 'metrics and reasons must be lists');
  const metrics = d.metrics.map((m, i) => canaryMetric(m, file, i));
  const scope = sortKeys({ ...extra, canary: d.canary, control: d.control });
  const monitored = metrics.map((m) => m.name);
  return {
    kind: 'canary',
    fingerprint: fingerprintOf('canary', scope, monitored),
    scope,
    monitored,
    crossing: metrics.filter((m) => m.state === 'crossing').map((m) => m.name),
    recovered: metrics.filter((m) => m.state === 'recovered').map((m) => m.name),
    metrics,
    ...(typeof d.look === 'number' && Number.isInteger(d.look) ? { look: d.look } : {}),
    reasons: d.reasons.filter((x): x is string => typeof x === 'string'),
    records: count(d.records?.canary) + count(d.records?.control),
  };
}

function canaryMetric(m: MetricDecision, file: string, i: number): IncidentMetric {
  if (!m || typeof m !== 'object' || typeof m.metric !== 'string' || !NAME.test(m.metric))
    bad(file, `metrics[${i}].metric is not a trigger name`);
  const states: Record<string, MetricState> = {
    rollback: 'crossing',
    within: 'recovered',
    undecided: 'unknown',
    'too-few': 'unknown',
  };
  const state = states[m.status];
  if (!state)
    bad(file, `metrics[${i}].status '${String(m.status)}' is not rollback, within, undecided or too-few`);
  const kind = m.effect?.kind === 'difference' ? 'difference' : 'ratio';
  const side = (s: MetricDecision['canary'] | undefined) =>
    `${formatValue(m.metric, num(s?.value))}${typeof s?.events === 'number' ? ` (${s.events} of ${count(s.records)})` : ''}`;
  const lower = num(m.effect?.lower);
  const upper = num(m.effect?.upper);
  return {
    name: m.metric,
    state,
    reference: side(m.control),
    current: side(m.canary),
    effect: `${formatEffect(kind, num(m.effect?.estimate))} (${formatEffect(kind, lower ?? (kind === 'ratio' ? 0 : -Infinity))} to ${formatEffect(kind, upper ?? Infinity)})`,
    threshold: formatEffect(kind, num(m.tolerance)),
    records: `${count(m.canary?.records)} / ${count(m.control?.records)}`,
  };
}

function driftSignal(
  r: Record<string, unknown>,
  file: string,
  extra: Record<string, string>,
): IncidentSignal {
  const d = r as unknown as DriftReport;
  if (d.schemaVersion !== 1) bad(file, `drift report schemaVersion ${String(d.schemaVersion)}, expected 1`);
  const features = d.features.filter((f) => f && typeof f === 'object' && f.status !== 'ignored');
  const states: Record<FeatureDrift['status'], MetricState> = {
    alarm: 'crossing',
    significant: 'recovered',
    stable: 'recovered',
    'too-few-records': 'unknown',
    ignored: 'unknown',
  };
  const metrics = features.map((f, i): IncidentMetric => {
    if (typeof f.feature !== 'string' || !NAME.test(f.feature))
      bad(file, `features[${i}].feature is not a name`);
    const state = states[f.status];
    if (!state) bad(file, `features[${i}].status '${String(f.status)}' is not a drift status`);
    const measure = f.effect?.measure === 'cohensH' ? 'h' : 'PSI';
    return {
      name: f.feature,
      // A window under the minimum sample tells nothing, whatever a feature says.
      state: d.status === 'too-few-records' ? 'unknown' : state,
      reference: typeof f.reference === 'string' ? f.reference : '',
      current: typeof f.current === 'string' ? f.current : '',
      effect: `${measure} ${fmt(f.effect?.value)} (p Holm ${fmt(f.pAdjusted)})`,
      threshold: `${measure} ${fmt(f.effect?.threshold)}`,
      records: `${count(f.records?.current)} / ${count(f.records?.reference)}`,
    };
  });
  const scope = sortKeys(extra);
  const monitored = metrics.map((m) => m.name);
  return {
    kind: 'drift',
    fingerprint: fingerprintOf('drift', scope, monitored),
    scope,
    monitored,
    crossing: metrics.filter((m) => m.state === 'crossing').map((m) => m.name),
    recovered: metrics.filter((m) => m.state === 'recovered').map((m) => m.name),
    metrics,
    reasons: [],
    records: count(d.windows?.current) + count(d.windows?.reference),
  };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function count(x: unknown): number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : 0;
}

function fmt(x: unknown): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  return Math.abs(x) < 1e-3 ? x.toExponential(1) : String(+x.toFixed(3));
}
