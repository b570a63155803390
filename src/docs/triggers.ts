import { TRIGGER_NAMES } from '../production/canary/rollout-schema.js';
import { code, num, pct } from './format.js';

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
    tolerance: (t) => `at most ${points(t.maxIncrease!)} above control`,
  },
  negativeFeedback: {
    measures: 'share of rated records rated down',
    field: 'feedback',
    tolerance: (t) => `at most ${points(t.maxIncrease!)} above control`,
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

/** One declared rollback trigger, in words. */
export interface DeclaredTrigger {
  /** `errorRate`; `GROUP.NAME` for a trigger in a group (`onlineGraders.pii`). */
  name: string;
  minRecords: number;
  measures: string;
  /** The record field it reads, for the blind-trigger check; null when it reads none directly. */
  field: string | null;
  tolerance: string;
}

/** Groups of triggers keyed by a user's name: `rollout.triggers.onlineGraders.NAME`. */
const GROUPS: Record<
  string,
  { measures: (name: string) => string; tolerance: (t: Record<string, number>) => string }
> = {
  onlineGraders: {
    measures: (name) => `pass rate of the online grader ${code(name)}`,
    tolerance: (t) => `at most ${points(t.maxDecrease!)} below control`,
  },
};

/**
 * The declared triggers in the README's order (TRIGGER_NAMES), then any others by name, a
 * group's members each on their own. A trigger added to the schema after this file is still
 * listed, with its fields as written: nothing declared is left out of the documents.
 */
export function declaredTriggers(triggers: object): DeclaredTrigger[] {
  const out: DeclaredTrigger[] = [];
  for (const [name, value] of Object.entries(triggers) as [string, unknown][]) {
    if (!isObject(value)) continue;
    if (typeof value.minRecords === 'number') {
      const t = value as Record<string, number>;
      const known = TRIGGERS[name];
      out.push({
        name,
        minRecords: t.minRecords!,
        measures: known?.measures ?? 'see the README',
        field: known?.field ?? null,
        tolerance: known ? known.tolerance(t) : fieldsAsWritten(t),
      });
      continue;
    }
    const group = GROUPS[name];
    for (const [member, m] of Object.entries(value).sort((a, b) => compare(a[0], b[0]))) {
      if (!isObject(m) || typeof m.minRecords !== 'number') continue;
      const t = m as Record<string, number>;
      out.push({
        name: `${name}.${member}`,
        minRecords: t.minRecords!,
        measures: group ? group.measures(member) : 'see the README',
        field: null,
        tolerance: group ? group.tolerance(t) : fieldsAsWritten(t),
      });
    }
  }
  const rank = (name: string) => {
    const i = (TRIGGER_NAMES as readonly string[]).indexOf(name);
    return i < 0 ? TRIGGER_NAMES.length : i;
  };
  return out.sort((a, b) => rank(a.name) - rank(b.name) || compare(a.name, b.name));
}

/** A difference of shares in percentage points: 0.02 → `2 points`. */
function points(share: number): string {
  const n = num(share * 100);
  return `${n} ${n === '1' ? 'point' : 'points'}`;
}

function fieldsAsWritten(t: Record<string, number>): string {
  return Object.entries(t)
    .filter(([k]) => k !== 'minRecords')
    .sort((a, b) => compare(a[0], b[0]))
    .map(([k, v]) => `${k} ${num(v)}`)
    .join(', ');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
