import type { ResultsDocument, SuiteResult } from '../results/types.js';
import type { CasePair } from './case-stats.js';
import { passFraction } from './case-stats.js';
import { plural } from './format.js';
import type { UnpairedCase } from './types.js';

/** Unpaired case ids named in a suite's reason; the `unpaired` field lists them all. */
const UNPAIRED_NAMED = 10;

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
export function pairSuite(
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
export function nothingComparable(
  base: SuiteResult,
  cur: SuiteResult,
  pairs: CasePair[],
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
export function unpairedSummary(unpaired: UnpairedCase[]): string {
  const shown = unpaired.slice(0, UNPAIRED_NAMED).map((u) => `${u.id} (${u.why})`);
  const more = unpaired.length > UNPAIRED_NAMED ? `, and ${unpaired.length - UNPAIRED_NAMED} more` : '';
  return `${plural(unpaired.length, 'case')} not paired with the baseline, left out of the statistics: ${shown.join(', ')}${more}`;
}
