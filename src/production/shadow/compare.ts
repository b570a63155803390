import { holmAdjust } from '../../compare/stats/holm.js';
import { mcnemarExact } from '../../compare/stats/mcnemar.js';
import { newcombePairedDifference } from '../../compare/stats/newcombe.js';
import { pct } from '../format.js';
import type { OnlineGrader, OnlineOutcome } from '../online/grade.js';
import type { ProductionRecord } from '../record.js';

/** Bumped on any change a reader of the shadow JSON could notice. */
export const SHADOW_SCHEMA_VERSION = 1;

/**
 * Per grader: `worse` / `better` (the candidate's pass rate differs from production's, exact
 * McNemar, Holm-adjusted over the gating graders, at alpha), `no-difference`, or
 * `not-measurable` (the policy keeps nothing the grader reads, or no pair was measured on
 * both sides).
 */
export type ShadowVerdict = 'worse' | 'better' | 'no-difference' | 'not-measurable';

export interface ShadowGraderResult {
  name: string;
  type: string;
  gate: boolean;
  /** Records graded on both sides (in scope, measured in production, replayed). */
  pairs: number;
  production: { passed: number; passRate: number | null };
  candidate: { passed: number; passRate: number | null };
  /** a both pass, b candidate only, c production only, d neither. */
  table: { a: number; b: number; c: number; d: number };
  /** Candidate − production pass rate, with Newcombe's paired 95 % interval. */
  difference: { estimate: number; lower: number; upper: number } | null;
  /** Exact two-sided McNemar p-value, and Holm-adjusted among the gating graders. */
  pValue: number | null;
  adjustedP: number | null;
  verdict: ShadowVerdict;
  notMeasurable?: string;
  /** Up to 5 records production passed and the candidate failed, with the candidate's reason. */
  regressions: { at: string; reason: string }[];
}

export interface ShadowReport {
  schema: 'evalgate.shadow';
  schemaVersion: typeof SHADOW_SCHEMA_VERSION;
  target: string;
  alpha: number;
  /** Records with input text the policy kept, the sample drawn from them, and those replayed. */
  records: { eligible: number; sampled: number; candidateErrors: number };
  /** `fail` when the candidate is significantly worse on a gating grader (exit 1). */
  decision: 'pass' | 'fail';
  reasons: string[];
  graders: ShadowGraderResult[];
}

export interface ShadowPair {
  production: ProductionRecord;
  /** The candidate's answer as a record under the same policy; null when the call failed. */
  candidate: ProductionRecord | null;
  candidateError?: string;
  at: string;
}

const decided = (o: OnlineOutcome): o is { status: 'pass' | 'fail' | 'error'; reason: string } =>
  o.status === 'pass' || o.status === 'fail' || o.status === 'error';

/**
 * Production against the candidate, grader by grader, on the same inputs. Both sides are
 * measured the same way: the candidate's answer is made a record under the same policy first
 * (redacted, reduced to the kept fields), so a grader reads the same kind of evidence on each
 * side. A pair counts only where production's side was measured; a candidate call that
 * failed, or a verdict that errored, is a candidate failure (never a pass).
 */
export function compareShadow(
  pairs: readonly ShadowPair[],
  graders: readonly OnlineGrader[],
  options: { target: string; alpha: number; eligible: number },
): ShadowReport {
  const results: ShadowGraderResult[] = graders.map((g) => {
    const table = { a: 0, b: 0, c: 0, d: 0 };
    const regressions: { at: string; reason: string }[] = [];
    if (!g.notMeasurable)
      for (const p of pairs) {
        const prod = g.measure(p.production);
        if (!decided(prod)) continue;
        const cand: OnlineOutcome = p.candidate
          ? g.measure(p.candidate)
          : { status: 'error', reason: `the candidate failed: ${p.candidateError ?? 'no answer'}` };
        // Production measured, the candidate not (it answered without what the grader reads): no pair.
        if (!decided(cand)) continue;
        const pp = prod.status === 'pass';
        const cp = cand.status === 'pass';
        if (pp && cp) table.a++;
        else if (cp) table.b++;
        else if (pp) {
          table.c++;
          if (regressions.length < 5) regressions.push({ at: p.at, reason: cand.reason });
        } else table.d++;
      }
    const n = table.a + table.b + table.c + table.d;
    const diff = n ? newcombePairedDifference(table, options.alpha) : null;
    return {
      name: g.name,
      type: g.type,
      gate: g.gate,
      pairs: n,
      production: { passed: table.a + table.c, passRate: n ? (table.a + table.c) / n : null },
      candidate: { passed: table.a + table.b, passRate: n ? (table.a + table.b) / n : null },
      table,
      difference: diff && { estimate: diff.estimate, lower: diff.lower, upper: diff.upper },
      pValue: n ? mcnemarExact(table.b, table.c).pValue : null,
      adjustedP: null,
      verdict: 'not-measurable',
      ...(g.notMeasurable
        ? { notMeasurable: g.notMeasurable }
        : n === 0
          ? { notMeasurable: 'no record was measured on both sides' }
          : {}),
      regressions,
    };
  });
  // Holm over the gating graders (one family: one decision); the others at alpha alone.
  const gating = results.filter((r) => r.gate && r.pValue !== null);
  holmAdjust(gating.map((r) => r.pValue!)).forEach((p, i) => (gating[i]!.adjustedP = p));
  for (const r of results) {
    if (r.pValue === null) continue;
    const p = r.gate ? r.adjustedP! : r.pValue;
    r.verdict =
      p <= options.alpha && r.table.b !== r.table.c
        ? r.table.c > r.table.b
          ? 'worse'
          : 'better'
        : 'no-difference';
  }
  const worse = results.filter((r) => r.gate && r.verdict === 'worse');
  const reasons = worse.length
    ? worse.map(
        (r) =>
          `${r.name}: the candidate passes ${pct(r.candidate.passRate)} against production's ${pct(r.production.passRate)} on the same ${r.pairs} inputs (${r.table.c} regressed, ${r.table.b} fixed; McNemar p = ${(r.adjustedP ?? 1).toPrecision(2)}, Holm-adjusted)`,
      )
    : ['no gating grader is significantly worse on the candidate'];
  return {
    schema: 'evalgate.shadow',
    schemaVersion: SHADOW_SCHEMA_VERSION,
    target: options.target,
    alpha: options.alpha,
    records: {
      eligible: options.eligible,
      sampled: pairs.length,
      candidateErrors: pairs.filter((p) => !p.candidate).length,
    },
    decision: worse.length ? 'fail' : 'pass',
    reasons,
    graders: results,
  };
}
