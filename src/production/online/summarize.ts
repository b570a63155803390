import { wilsonInterval } from '../../compare/stats/wilson.js';
import type { ProductionRecord } from '../record.js';
import type { OnlineGrader } from './grade.js';

/** Bumped on any change a reader of the online-grades JSON could notice. */
export const ONLINE_REPORT_SCHEMA_VERSION = 1;

export interface PassCount {
  measured: number;
  passed: number;
  /** passed ÷ measured; null when nothing was measured. */
  passRate: number | null;
}

export interface OnlineGraderSummary extends PassCount {
  name: string;
  type: string;
  gate: boolean;
  routes?: string[];
  /** Set when the policy keeps nothing this grader reads: no record was measured, none passed. */
  notMeasurable?: string;
  notChecked: string[];
  /** Records of the grader's routes (all records without `routes`). */
  inScope: number;
  failed: number;
  /** Verdicts that could not be reached (never passes; written back as failures). */
  errors: number;
  /** In-scope records it could not measure, by reason. */
  unmeasured: Record<string, number>;
  /** Wilson 95 % interval of the pass rate; null when nothing was measured. */
  interval: { lower: number; upper: number } | null;
  /**
   * The pass rate of production traffic rather than of the records: each record weighed by
   * 1 / sampleRate, so a risk tag sampled at 100 % does not outweigh a route sampled at 1 %.
   */
  weightedPassRate: number | null;
  /** By system version id (`(none)` for unstamped records). */
  byVersion: Record<string, PassCount>;
  /** Up to 5 failing records, as file:line, with the grader's reason. */
  examples: { at: string; reason: string }[];
}

export interface OnlineReport {
  schema: 'evalgate.online-grades';
  schemaVersion: typeof ONLINE_REPORT_SCHEMA_VERSION;
  records: number;
  graders: OnlineGraderSummary[];
}

const rate = (passed: number, measured: number) => (measured ? passed / measured : null);

/**
 * Runs every online grader on every record. Returns the report and the records with their
 * derived `online` field: each grader that measured a record, by name, true when it passed
 * (an error is false: never a pass). A grader that could not measure a record leaves no
 * entry, so a pass rate is never computed over records it did not see.
 */
export function gradeRecords(
  records: readonly { record: ProductionRecord; file: string; line: number }[],
  graders: readonly OnlineGrader[],
): { report: OnlineReport; graded: ProductionRecord[] } {
  const summaries: OnlineGraderSummary[] = graders.map((g) => ({
    name: g.name,
    type: g.type,
    gate: g.gate,
    ...(g.routes && { routes: g.routes }),
    ...(g.notMeasurable && { notMeasurable: g.notMeasurable }),
    notChecked: g.notChecked,
    inScope: 0,
    measured: 0,
    passed: 0,
    failed: 0,
    errors: 0,
    passRate: null,
    unmeasured: {},
    interval: null,
    weightedPassRate: null,
    byVersion: {},
    examples: [],
  }));
  const weights = graders.map(() => ({ pass: 0, all: 0 }));
  const graded = records.map(({ record, file, line }) => {
    const online: Record<string, boolean> = { ...record.online };
    graders.forEach((g, i) => {
      const s = summaries[i]!;
      const o = g.measure(record);
      if (o.status === 'out-of-scope') return;
      s.inScope++;
      if (o.status === 'unmeasured') {
        s.unmeasured[o.reason] = (s.unmeasured[o.reason] ?? 0) + 1;
        delete online[g.name];
        return;
      }
      const pass = o.status === 'pass';
      s.measured++;
      if (pass) s.passed++;
      else if (o.status === 'fail') s.failed++;
      else s.errors++;
      if (!pass && s.examples.length < 5) s.examples.push({ at: `${file}:${line}`, reason: o.reason });
      const version = typeof record.versions.system === 'string' ? record.versions.system : '(none)';
      const v = (s.byVersion[version] ??= { measured: 0, passed: 0, passRate: null });
      v.measured++;
      if (pass) v.passed++;
      const w = record.sampleRate > 0 ? 1 / record.sampleRate : 0;
      weights[i]!.all += w;
      if (pass) weights[i]!.pass += w;
      online[g.name] = pass;
    });
    const out: ProductionRecord = { ...record };
    if (Object.keys(online).length) out.online = online;
    else delete out.online;
    return out;
  });
  summaries.forEach((s, i) => {
    s.passRate = rate(s.passed, s.measured);
    if (s.measured) {
      const ci = wilsonInterval(s.passed, s.measured);
      s.interval = { lower: ci.lower, upper: ci.upper };
    }
    const w = weights[i]!;
    s.weightedPassRate = w.all > 0 ? w.pass / w.all : null;
    for (const v of Object.values(s.byVersion)) v.passRate = rate(v.passed, v.measured);
  });
  return {
    report: {
      schema: 'evalgate.online-grades',
      schemaVersion: ONLINE_REPORT_SCHEMA_VERSION,
      records: records.length,
      graders: summaries,
    },
    graded,
  };
}
