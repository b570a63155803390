import type { BaselineReferenceInfo } from './baseline.js';
import { holmAdjust } from '../../compare/stats/holm.js';
import { cohensH, quantileEdges, testCells, type Cell } from './cells.js';
import type { DriftConfig } from './config.js';
import type { FeatureKind, FeatureSpec, Window } from './window.js';
import { GRADE_PREFIX } from './quality.js';

/**
 * Drift that does not cry wolf. A feature alarms only when BOTH
 *
 * - its change is significant after Holm's correction over every feature tested in the
 *   check (χ² test of homogeneity on the 2 × k table of the two windows' counts), so the
 *   chance of any alarm per check when nothing changed is at most α, however many features;
 * - and its change is large enough to matter: PSI ≥ `psi` (numeric, categorical) or
 *   |Cohen's h| ≥ `rateEffect` (rates), or the feature's own threshold. On large windows a
 *   p-value alone goes to zero for shifts nobody cares about; the effect size does not.
 *
 * A feature seen in fewer than `minRecords` records of either window is "too few records":
 * never an alarm, and not counted in the correction.
 */

export const DRIFT_SCHEMA_VERSION = 1;

/**
 * Quality metrics: what the users got, rather than what the traffic looked like. Reported in
 * their own table; in the same Holm family as every other feature of the check.
 */
export const QUALITY_FEATURES: readonly string[] = [
  'refusalRate',
  'errorRate',
  'safetyEventRate',
  'feedbackRate',
  'negativeFeedbackRate',
];

export const isQualityFeature = (name: string): boolean =>
  QUALITY_FEATURES.includes(name) || name.startsWith(GRADE_PREFIX);

export type FeatureStatus = 'alarm' | 'significant' | 'stable' | 'too-few-records' | 'ignored';

export interface FeatureDrift {
  feature: string;
  kind: FeatureKind;
  /** quality: refusal, error, safety-event and feedback rates, online grader pass rates. */
  group: 'traffic' | 'quality';
  status: FeatureStatus;
  /** Records with a value, per window. */
  records: { reference: number; current: number };
  /** The effect size and the threshold it is held to. */
  effect: { measure: 'psi' | 'cohensH'; value: number; threshold: number };
  chi2: number;
  df: number;
  p: number;
  /** Holm-adjusted p-value; compared with α. */
  pAdjusted: number;
  /** A readable summary per window: the median, a rate, or the commonest categories. */
  reference: string;
  current: string;
  cells: Cell[];
}

export interface DriftReport {
  schemaVersion: typeof DRIFT_SCHEMA_VERSION;
  /**
   * Where the reference window came from: older production records, or the eval suites'
   * cases and their saved baseline (with the features it could not supply, and why).
   */
  reference?: { source: 'records' } | BaselineReferenceInfo;
  /** alarm: some feature alarmed; stable: none did; too-few-records: a window is under minRecords. */
  status: 'alarm' | 'stable' | 'too-few-records';
  alpha: number;
  minRecords: number;
  windows: { reference: number; current: number };
  alarms: string[];
  features: FeatureDrift[];
}

/** What compare needs of a feature: its name and kind (the windows hold the values). */
export type FeatureShape = Pick<FeatureSpec<unknown>, 'name' | 'kind'>;

/**
 * The two windows compared feature by feature. They may hold different rows (records, and a
 * baseline's cases) as long as they were reduced to the same feature names. The rate
 * features the windows found in their rows (`grades.<name>`) are compared too, after
 * `specs`, by name; one only a window has is "too few records" in the other.
 */
export function compareWindows(
  reference: WindowView,
  current: WindowView,
  specs: readonly FeatureShape[],
  config: DriftConfig,
  options: { dynamic?: boolean } = {},
): DriftReport {
  const found = options.dynamic === false ? [] : [...reference.dynamicNames, ...current.dynamicNames];
  const dynamic = [...new Set(found)]
    .filter((name) => !specs.some((s) => s.name === name))
    .sort()
    .map((name): FeatureShape => ({ name, kind: 'rate' }));
  const features: FeatureDrift[] = [...specs, ...dynamic].map((spec) =>
    compareFeature(spec, reference, current, config),
  );
  const tested = features.filter((f) => f.status !== 'too-few-records' && f.status !== 'ignored' && f.df > 0);
  const adjusted = holmAdjust(tested.map((f) => f.p));
  tested.forEach((f, i) => {
    f.pAdjusted = adjusted[i]!;
    const large = Math.abs(f.effect.value) >= f.effect.threshold;
    f.status = f.pAdjusted <= config.alpha ? (large ? 'alarm' : 'significant') : 'stable';
  });
  const alarms = features.filter((f) => f.status === 'alarm').map((f) => f.feature);
  const small = Math.min(reference.size, current.size) < config.minRecords;
  return {
    schemaVersion: DRIFT_SCHEMA_VERSION,
    status: alarms.length ? 'alarm' : small ? 'too-few-records' : 'stable',
    alpha: config.alpha,
    minRecords: config.minRecords,
    windows: { reference: reference.size, current: current.size },
    alarms,
    features,
  };
}

type WindowCounts = Pick<Window<unknown>, 'numbers' | 'counts'>;
/** What compare reads of a window, whatever its rows were. */
export type WindowView = Pick<Window<unknown>, 'size' | 'numbers' | 'counts' | 'dynamicNames'>;

function compareFeature(
  spec: FeatureShape,
  reference: WindowCounts,
  current: WindowCounts,
  config: DriftConfig,
): FeatureDrift {
  const own = (config.features as Record<string, { threshold?: number; ignore?: boolean } | undefined>)[
    spec.name
  ];
  const measure = spec.kind === 'rate' ? 'cohensH' : 'psi';
  const threshold = own?.threshold ?? (spec.kind === 'rate' ? config.rateEffect : config.psi);
  let cells: Cell[];
  let ref: string;
  let cur: string;
  if (spec.kind === 'numeric') {
    const r = reference.numbers.get(spec.name)?.sorted() ?? new Float64Array(0);
    const c = current.numbers.get(spec.name)?.sorted() ?? new Float64Array(0);
    const edges = quantileEdges(r, config.bins);
    cells = Array.from({ length: edges.length + 1 }, (_, i) => ({
      label: binLabel(edges, i),
      reference: 0,
      current: 0,
    }));
    countBins(r, edges, cells, 'reference');
    countBins(c, edges, cells, 'current');
    ref = median(r);
    cur = median(c);
  } else {
    const r = reference.counts.get(spec.name) ?? new Map<string, number>();
    const c = current.counts.get(spec.name) ?? new Map<string, number>();
    const labels = spec.kind === 'rate' ? ['no', 'yes'] : [...new Set([...r.keys(), ...c.keys()])].sort();
    cells = labels.map((label) => ({ label, reference: r.get(label) ?? 0, current: c.get(label) ?? 0 }));
    ref = shares(r, spec.kind);
    cur = shares(c, spec.kind);
  }
  const nRef = cells.reduce((s, x) => s + x.reference, 0);
  const nCur = cells.reduce((s, x) => s + x.current, 0);
  const base = {
    feature: spec.name,
    kind: spec.kind,
    group: isQualityFeature(spec.name) ? ('quality' as const) : ('traffic' as const),
    records: { reference: nRef, current: nCur },
    reference: ref,
    current: cur,
  };
  if (own?.ignore || nRef < config.minRecords || nCur < config.minRecords)
    return {
      ...base,
      status: own?.ignore ? 'ignored' : 'too-few-records',
      effect: { measure, value: 0, threshold },
      chi2: 0,
      df: 0,
      p: 1,
      pAdjusted: 1,
      cells,
    };
  const t = testCells(cells, spec.kind === 'numeric');
  const value =
    spec.kind === 'rate' ? cohensH(share(cells, 'reference', 'yes'), share(cells, 'current', 'yes')) : t.psi;
  return {
    ...base,
    status: 'stable',
    effect: { measure, value, threshold },
    chi2: t.chi2,
    df: t.df,
    p: t.p,
    pAdjusted: 1,
    cells: t.cells,
  };
}

function countBins(sorted: Float64Array, edges: number[], cells: Cell[], side: 'reference' | 'current') {
  // Sorted values: walk the edges once instead of a search per value.
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    while (bin < edges.length && edges[bin]! <= v) bin++;
    cells[bin]![side]++;
  }
}

function binLabel(edges: number[], i: number): string {
  const fmt = (v: number) => String(+v.toPrecision(4));
  if (edges.length === 0) return 'all';
  if (i === 0) return `<${fmt(edges[0]!)}`;
  if (i === edges.length) return `≥${fmt(edges[i - 1]!)}`;
  return `${fmt(edges[i - 1]!)}–${fmt(edges[i]!)}`;
}

function median(sorted: Float64Array): string {
  if (sorted.length === 0) return '—';
  return `median ${+sorted[Math.floor((sorted.length - 1) / 2)]!.toPrecision(4)}`;
}

function share(cells: Cell[], side: 'reference' | 'current', label: string): number {
  const total = cells.reduce((s, c) => s + c[side], 0);
  const yes = cells.filter((c) => c.label.split('|').includes(label)).reduce((s, c) => s + c[side], 0);
  return total ? yes / total : 0;
}

function shares(counts: Map<string, number>, kind: FeatureKind): string {
  const total = [...counts.values()].reduce((s, n) => s + n, 0);
  if (total === 0) return '—';
  const pct = (n: number) => `${+((100 * n) / total).toFixed(1)} %`;
  if (kind === 'rate') return `rate ${pct(counts.get('yes') ?? 0)}`;
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([k, n]) => `${k} ${pct(n)}`)
    .join(', ');
}
