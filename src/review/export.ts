import { createRng } from '../compare/stats/rng.js';
import type {
  CaseResult,
  ContextItem,
  GraderVerdict,
  ResultsDocument,
  SampleResult,
} from '../results/types.js';
import { formatCsv } from './csv.js';

/** One case put in front of a reviewer. `label`, `reason` and `reviewer` are theirs to fill. */
export interface ReviewRow {
  suite: string;
  case: string;
  sample: number;
  /** `tags.risk` (several values joined with `|`), or `none`. */
  risk: string;
  /** The case's outcome in the run: `fail` covers failed and errored cases. */
  outcome: 'pass' | 'fail';
  vars: Record<string, unknown>;
  expected?: unknown;
  tags: Record<string, string | string[]>;
  output: string;
  contexts?: ContextItem[];
  graders: GraderVerdict[];
  label: '';
  reason: '';
  reviewer: '';
}

/** Failed cases weigh this much more than passing ones in the allocation (see `allocate`). */
export const FAILURE_WEIGHT = 3;

/** The review file's columns, in order; `review import` reads them back by name. */
export const REVIEW_COLUMNS = [
  'suite',
  'case',
  'sample',
  'risk',
  'outcome',
  'input',
  'expected',
  'output',
  'contexts',
  'graders',
  'tags',
  'label',
  'reason',
  'reviewer',
] as const;

/**
 * Which cases a reviewer sees. Vars and expected values are not in the Results document, so
 * the caller passes a lookup into the loaded suites (`vars` default to `{}` without it).
 */
export interface ExportOptions {
  size: number;
  seed: number | string;
  caseDetails?: (
    suite: string,
    caseId: string,
  ) => { vars: Record<string, unknown>; expected?: unknown } | undefined;
}

interface Candidate {
  suite: string;
  result: CaseResult;
  sample: SampleResult & { output: NonNullable<SampleResult['output']> };
  risk: string;
  outcome: 'pass' | 'fail';
}

/**
 * A stratified sample of the run's cases for human review.
 *
 * Strata are (risk, outcome): `tags.risk` by value, and whether the case failed (a failed or
 * errored case counts as `fail`). Cases with no output at all (every sample errored before
 * the target answered) cannot be reviewed and are left out.
 *
 * Allocation of `size` cases (see `allocate`): every stratum first gets one case, so rare
 * risk levels and rare outcomes are always seen; the rest is split in proportion to the
 * stratum's size times its weight — FAILURE_WEIGHT (3) for failed strata, 1 for passing —
 * by largest remainder, never more than a stratum holds. Within a stratum cases are drawn
 * uniformly by a seeded shuffle (seeded per stratum, so one stratum's draw does not depend
 * on another's size), making the export reproducible from (results, size, seed).
 */
export function selectForReview(results: ResultsDocument, options: ExportOptions): ReviewRow[] {
  const candidates: Candidate[] = [];
  for (const suite of results.suites) {
    for (const c of suite.cases) {
      const withOutput = c.samples.filter(
        (s): s is Candidate['sample'] => s.output !== undefined && s.output !== null,
      );
      if (withOutput.length === 0) continue;
      const outcome = c.status === 'pass' ? 'pass' : 'fail';
      // Show the sample that explains the outcome: the first that did not pass.
      const sample = (outcome === 'fail' && withOutput.find((s) => s.status !== 'pass')) || withOutput[0]!;
      candidates.push({ suite: suite.id, result: c, sample, risk: riskOf(c.tags), outcome });
    }
  }

  const strata = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = `${c.risk}\u0000${c.outcome}`;
    const list = strata.get(key) ?? [];
    list.push(c);
    strata.set(key, list);
  }
  const keys = [...strata.keys()].sort();
  const quotas = allocate(
    keys.map((key) => ({
      key,
      count: strata.get(key)!.length,
      weight: strata.get(key)!.length * (key.endsWith('\u0000fail') ? FAILURE_WEIGHT : 1),
    })),
    options.size,
  );

  const picked: Candidate[] = [];
  for (const key of keys) {
    const list = strata
      .get(key)!
      .slice()
      .sort((a, b) => compare(a.suite, b.suite) || compare(a.result.id, b.result.id));
    const rng = createRng(`${options.seed}:${key}`);
    const quota = quotas.get(key) ?? 0;
    // Partial Fisher–Yates: the first `quota` positions are a uniform sample.
    for (let i = 0; i < quota; i++) {
      const j = i + rng.int(list.length - i);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    picked.push(...list.slice(0, quota));
  }
  picked.sort((a, b) => compare(a.suite, b.suite) || compare(a.result.id, b.result.id));

  return picked.map((c) => {
    const details = options.caseDetails?.(c.suite, c.result.id);
    const output = c.sample.output;
    return {
      suite: c.suite,
      case: c.result.id,
      sample: c.sample.index,
      risk: c.risk,
      outcome: c.outcome,
      vars: details?.vars ?? {},
      ...(details?.expected !== undefined && { expected: details.expected }),
      tags: c.result.tags,
      output: output.output,
      ...(output.contexts?.length && { contexts: output.contexts }),
      graders: c.sample.graders,
      label: '',
      reason: '',
      reviewer: '',
    };
  });
}

function riskOf(tags: Record<string, string | string[]>): string {
  const risk = tags.risk;
  if (risk === undefined || (Array.isArray(risk) && risk.length === 0)) return 'none';
  return Array.isArray(risk) ? [...risk].sort().join('|') : risk;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Splits `size` over strata: one each first (largest weight first while `size` lasts), then
 * the rest in proportion to weight by largest remainder, capped at each stratum's count;
 * what a full stratum cannot take is split again over the others. Ties go to the earlier key.
 */
export function allocate(
  strata: readonly { key: string; count: number; weight: number }[],
  size: number,
): Map<string, number> {
  const quota = new Map(strata.map((s) => [s.key, 0]));
  const totalCount = strata.reduce((n, s) => n + s.count, 0);
  if (size >= totalCount) {
    for (const s of strata) quota.set(s.key, s.count);
    return quota;
  }
  let given = 0;
  const byWeight = strata
    .filter((s) => s.count > 0)
    .sort((a, b) => b.weight - a.weight || compare(a.key, b.key));
  for (const s of byWeight) {
    if (given >= size) break;
    quota.set(s.key, 1);
    given++;
  }
  while (given < size) {
    const open = strata.filter((s) => quota.get(s.key)! < s.count);
    const remaining = size - given;
    const weight = open.reduce((n, s) => n + s.weight, 0);
    const shares = open.map((s) => {
      const room = s.count - quota.get(s.key)!;
      const exact = weight > 0 ? (remaining * s.weight) / weight : remaining / open.length;
      return { s, room, whole: Math.min(room, Math.floor(exact)), rest: exact - Math.floor(exact) };
    });
    let added = 0;
    for (const x of shares) added += x.whole;
    const leftover = remaining - added;
    const bonus = shares
      .filter((x) => x.whole < x.room)
      .sort((a, b) => b.rest - a.rest || compare(a.s.key, b.s.key))
      .slice(0, leftover);
    for (const x of bonus) x.whole++;
    for (const x of shares) {
      quota.set(x.s.key, quota.get(x.s.key)! + x.whole);
      given += x.whole;
    }
  }
  return quota;
}

/** The reviewers' spreadsheet: REVIEW_COLUMNS, structured values as JSON. */
export function reviewCsv(rows: readonly ReviewRow[]): string {
  return formatCsv([
    [...REVIEW_COLUMNS],
    ...rows.map((r) => [
      r.suite,
      r.case,
      String(r.sample),
      r.risk,
      r.outcome,
      JSON.stringify(r.vars),
      r.expected === undefined ? '' : JSON.stringify(r.expected),
      r.output,
      (r.contexts ?? []).map((c) => (c.id ? `[${c.id}] ${c.text}` : c.text)).join('\n\n'),
      r.graders
        .map((g) => `${g.grader}: ${g.error ? 'error' : g.pass ? 'pass' : 'fail'} — ${g.reason}`)
        .join('\n'),
      JSON.stringify(r.tags),
      r.label,
      r.reason,
      r.reviewer,
    ]),
  ]);
}

export function reviewJsonl(rows: readonly ReviewRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}
