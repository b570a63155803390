import { TRIGGER_NAMES } from '../production/canary/rollout-schema.js';
import { num, pct } from './format.js';

/** What each trigger measures, the record field it reads, and how its tolerance reads. */
export const TRIGGERS: Record<
  string,
  { measures: string; field: string; tolerance: (t: Record<string, number>) => string }
> = {
  errorRate: {
    measures: 'share of records with an error',
    field: 'error',
    tolerance: (t) => `canary rate ≤ ${num(t.maxRatio!)} × control's`,
  },
  safetyEvents: {
    measures: 'share of records with a safety event',
    field: 'safetyEvents',
    tolerance: (t) =>
      t.maxRatio === 1 ? 'no rise over control' : `canary rate ≤ ${num(t.maxRatio!)} × control's`,
  },
  refusalRate: {
    measures: 'share of answered records the refusal detector flags',
    field: 'refusal',
    tolerance: (t) => `at most ${num(t.maxIncrease! * 100)} points above control`,
  },
  negativeFeedback: {
    measures: 'share of rated records rated down',
    field: 'feedback',
    tolerance: (t) => `at most ${num(t.maxIncrease! * 100)} points above control`,
  },
  p95LatencyMs: {
    measures: '95th percentile of latency',
    field: 'latencyMs',
    tolerance: (t) => `at most ${pct(t.maxIncrease!)} above control`,
  },
  costPerInteraction: {
    measures: 'mean cost of an interaction',
    field: 'cost',
    tolerance: (t) => `at most ${pct(t.maxIncrease!)} above control`,
  },
};

/** A trigger's tolerance in words; a trigger not in TRIGGERS shows its fields as written. */
export function describeTolerance(name: string, trigger: Record<string, number>): string {
  const known = TRIGGERS[name];
  if (known) return known.tolerance(trigger);
  return Object.entries(trigger)
    .filter(([k]) => k !== 'minRecords')
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k} ${num(v)}`)
    .join(', ');
}

/**
 * The declared triggers in the README's order (TRIGGER_NAMES), then any others by name:
 * a trigger added to the schema later is still listed.
 */
export function declaredTriggers(triggers: object): [string, Record<string, number>][] {
  const rank = (name: string) => {
    const i = (TRIGGER_NAMES as readonly string[]).indexOf(name);
    return i < 0 ? TRIGGER_NAMES.length : i;
  };
  return (Object.entries(triggers) as [string, Record<string, number> | undefined][])
    .filter((e): e is [string, Record<string, number>] => e[1] !== undefined)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
