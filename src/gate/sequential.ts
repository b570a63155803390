import type { CaseResult, ResultsDocument, SampleResult, SampleStatus } from '../results/types.js';
import { escapeMarkdown } from '../report/escape.js';
import { suiteMetricsOf, summaryOf } from '../results/summary.js';
import { sha256 } from '../util/hash.js';

/**
 * Sequential sampling: one sample per case, then more only where the verdict is unsettled.
 *
 * A fixed `repeat: 3` pays three calls for every case, though most cases pass (or fail) every
 * time and a second sample tells nothing new. Here every case is sampled once; a case whose
 * two arms disagree — its current pass fraction differs from the baseline's — gets one more
 * sample in **both** arms (the change, and its base re-run fresh), round after round, until the
 * arms agree or disagree completely on at least two samples each, or the case reaches
 * `maxSamples` per arm, or the run's call budget is spent. The suite is then compared once, by
 * the ordinary paired test at the full α.
 *
 * Why both arms, and why the false-alarm rate stays at α with no α spent on the looks. Under
 * "no change" a case's samples in the two arms are independent draws of one Bernoulli(p), so
 * the arms are exchangeable. Every decision here — whether a case is settled, which unsettled
 * cases the budget covers first — reads only what is symmetric in the arms: |current −
 * baseline|, the sample counts (equal in both arms after the first), and a hash of the case
 * id. Swapping the arms of any set of cases therefore changes no decision, so under the null
 * each case's final difference is symmetric about 0 and independent of the others' signs,
 * whatever the magnitudes: exactly the null of the signed-rank test the comparison runs on
 * per-case pass fractions (Wilcoxon; McNemar when every case has one sample). One look, full α.
 *
 * Sampling one arm only cannot do this. With a one-sample baseline, re-sampling the current
 * arm where it disagrees makes the baseline sample of every chosen case pass or fail with
 * probability ½ whatever p is, so a case at p = 0.3 reads as a regression from 1 to 0.3: the
 * false-alarm rate then depends on how many such cases the suite has.
 *
 * Stopping rule per case, after n graded samples in each arm, d = current − baseline pass
 * fraction:
 *   d = 0                       settled: the arms agree
 *   |d| = 1 and n ≥ 2           settled: they disagree on every sample (a broken case: 2/2 → 0/2)
 *   n ≥ maxSamples              capped
 *   otherwise                   unsettled: one more sample in each arm, budget permitting
 *
 * Budget: the run may spend `callBudget × cases` calls in all, the first samples included
 * (1.5 × the calls of one sample per case by default). Each round gives the unsettled cases
 * one sample per arm, fewest samples first, then the largest |d|, then by hash: the cases
 * closest to a decision are never starved by one case sampled to its cap. A case left
 * unsettled is compared on what it has, and counted in the report; as everywhere, a suite
 * whose interval cannot rule out a regression beyond the minimum effect is `inconclusive`.
 *
 * Blocker cases are left out (a failing blocker has its own confirmation: confirm.ts), as are
 * cases with no graded sample in an arm (an error is the error budget's business, not noise
 * to average away) and cases new to the change (no baseline to disagree with).
 */

export interface SequentialSampling {
  /** Most graded samples per case and arm, the first one included. */
  maxSamples: number;
  /** Calls the suite may spend in all, both arms, as a multiple of its case count. */
  callBudget: number;
}

export interface ArmCounts {
  passed: number;
  failed: number;
}

export type CaseState = 'settled' | 'capped' | 'unsettled';

/** Whether a case needs another sample in each arm (see the stopping rule above). Pure. */
export function caseState(baseline: ArmCounts, current: ArmCounts, maxSamples: number): CaseState {
  const nb = baseline.passed + baseline.failed;
  const nc = current.passed + current.failed;
  if (nb === 0 || nc === 0) return 'settled';
  const d = Math.abs(current.passed / nc - baseline.passed / nb);
  if (d === 0) return 'settled';
  const n = Math.min(nb, nc);
  if (d === 1 && n >= 2) return 'settled';
  return n >= maxSamples ? 'capped' : 'unsettled';
}

export interface SequentialCase {
  suite: string;
  case: string;
  baseline: ArmCounts;
  current: ArmCounts;
}

/**
 * The cases to give one more sample in each arm this round, within `callsLeft` calls (two per
 * case). Reads only what is symmetric in the arms (see the top of the file). Pure.
 */
export function nextRound(
  cases: readonly SequentialCase[],
  maxSamples: number,
  callsLeft: number,
): SequentialCase[] {
  const open = cases
    .filter((c) => caseState(c.baseline, c.current, maxSamples) === 'unsettled')
    .map((c) => ({
      c,
      n: Math.min(graded(c.baseline), graded(c.current)),
      d: Math.abs(fraction(c.current) - fraction(c.baseline)),
      tie: sha256(`${c.suite}\u0000${c.case}`),
    }))
    .sort((a, b) => a.n - b.n || b.d - a.d || (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0));
  return open.slice(0, Math.max(0, Math.floor(callsLeft / 2))).map((o) => o.c);
}

const graded = (a: ArmCounts) => a.passed + a.failed;
const fraction = (a: ArmCounts) => a.passed / graded(a);

/** Graded counts of a case's samples. */
export function countsOf(samples: readonly SampleResult[]): ArmCounts {
  let passed = 0;
  let failed = 0;
  for (const s of samples) {
    if (s.status === 'pass') passed++;
    else if (s.status === 'fail') failed++;
  }
  return { passed, failed };
}

/**
 * The cases of `suite` that take part: in both documents, graded in both, not blockers, and
 * (when the change edited them) paired, i.e. carrying the same definition hash.
 */
export function sequentialCases(
  suite: string,
  baseline: ResultsDocument,
  current: ResultsDocument,
): SequentialCase[] {
  const b = baseline.suites.find((s) => s.id === suite);
  const c = current.suites.find((s) => s.id === suite);
  if (!b || !c) return [];
  const byId = new Map(b.cases.map((x) => [x.id, x]));
  const out: SequentialCase[] = [];
  for (const cur of c.cases) {
    const base = byId.get(cur.id);
    if (!base || cur.blocker || base.blocker) continue;
    if (cur.hash !== undefined && base.hash !== undefined && cur.hash !== base.hash) continue;
    const bc = countsOf(base.samples);
    const cc = countsOf(cur.samples);
    if (graded(bc) === 0 || graded(cc) === 0) continue;
    out.push({ suite, case: cur.id, baseline: bc, current: cc });
  }
  return out;
}

/**
 * `doc` with the samples of `fresh` appended to the cases they belong to (matched by suite
 * and case id), each case's status, each touched suite's metrics and the summary recomputed.
 * Cases of `fresh` that `doc` lacks are ignored. Pure.
 */
export function appendSamples(doc: ResultsDocument, fresh: ResultsDocument): ResultsDocument {
  const more = new Map<string, SampleResult[]>();
  for (const s of fresh.suites) for (const c of s.cases) more.set(`${s.id}\u0000${c.id}`, c.samples);
  let touched = false;
  const suites = doc.suites.map((suite) => {
    let changed = false;
    const cases = suite.cases.map((c): CaseResult => {
      const extra = more.get(`${suite.id}\u0000${c.id}`);
      if (!extra?.length) return c;
      changed = true;
      const samples = [...c.samples, ...extra];
      return { ...c, samples, status: statusOf(samples) };
    });
    if (!changed) return suite;
    touched = true;
    return { ...suite, cases, metrics: suiteMetricsOf(cases) };
  });
  if (!touched) return doc;
  return { ...doc, suites, summary: summaryOf(suites, doc.summary.partial || fresh.summary.partial) };
}

/** A case's status from its samples, as the runner sets it: any failure fails, none graded errors. */
function statusOf(samples: readonly SampleResult[]): SampleStatus {
  const { passed, failed } = countsOf(samples);
  return failed > 0 ? 'fail' : passed > 0 ? 'pass' : 'error';
}

// ---------------------------------------------------------------- the rounds

export interface SequentialSuiteReport {
  id: string;
  maxSamples: number;
  /** Calls the suite may spend in all: ⌊callBudget × cases⌋. */
  budget: number;
  /** The first pass: the run's own samples of the suite. */
  firstCalls: number;
  /** Fresh samples of the rounds, both arms. */
  extraCalls: number;
  /** Calls a fixed `repeat: maxSamples` would have made (the current arm only). */
  fixedCalls: number;
  /** Every case sampled again, with its graded samples per arm and how it ended. */
  cases: { case: string; baseline: ArmCounts; current: ArmCounts; state: CaseState }[];
  /** Cases still unsettled when the budget was spent (compared on what they have). */
  unsettled: number;
}

export interface SequentialReport {
  /**
   * off: no suite samples sequentially; no-base: no base arm to sample (the first pass is
   * compared as it is); ran; failed: a round could not be sampled (the samples so far are
   * compared, and the error said).
   */
  status: 'off' | 'no-base' | 'ran' | 'failed';
  rounds: number;
  calls: { first: number; extra: number; total: number; fixed: number; saved: number };
  /** The `repeat` the calls are saved against: the largest maxSamples of the suites. */
  repeat: number;
  suites: SequentialSuiteReport[];
  /**
   * Suites set to sample sequentially that were not, and why (no baseline of the suite; its
   * first pass took a different `repeat` from the baseline's, which would make the arms
   * unequal): said under the verdict, never skipped in silence.
   */
  skipped?: { suite: string; reason: string }[];
  error?: string;
}

export interface SequentialOptions {
  baseline: ResultsDocument;
  current: ResultsDocument;
  /** Per suite id, its sampling (schema.ts, `samplingFor`); suites not sequential are left as they are. */
  sampling: (suite: string) => SequentialSampling & { mode: 'fixed' | 'sequential' };
  /** Suites that may be sampled: trusted ones, typically. */
  suites: readonly string[];
  /** Whether the base arm can be sampled at all. */
  baseArm: boolean;
  /**
   * One fresh sample of each case in both arms; `round` counts from 0 (its sample indices,
   * and so seeds, must be its own).
   */
  sampleRound: (
    cases: readonly { suite: string; case: string }[],
    round: number,
  ) => Promise<{ baseline: ResultsDocument; current: ResultsDocument }>;
  signal?: AbortSignal;
}

/**
 * The rounds: while any sequential suite has unsettled cases and budget left, one fresh
 * sample of each in both arms, appended to both documents. Returns the documents to compare
 * and what was spent. A round that throws ends the rounds: what was sampled before stands.
 */
export async function sampleSequentially(
  o: SequentialOptions,
): Promise<{ baseline: ResultsDocument; current: ResultsDocument; report: SequentialReport }> {
  let { baseline, current } = o;
  const suites: (SequentialSuiteReport & { left: number })[] = [];
  const skipped: { suite: string; reason: string }[] = [];
  for (const id of o.suites) {
    const s = o.sampling(id);
    const cur = current.suites.find((x) => x.id === id);
    const base = baseline.suites.find((x) => x.id === id);
    if (s.mode !== 'sequential' || !cur) continue;
    if (!base) {
      skipped.push({ suite: id, reason: 'no baseline of it' });
      continue;
    }
    // Equal first passes keep the arms exchangeable (see the top of the file).
    if (cur.repeat !== base.repeat) {
      skipped.push({
        suite: id,
        reason: `its first pass took repeat ${cur.repeat}, the baseline's ${base.repeat}: sequential sampling starts from equal first passes (set repeat: ${base.repeat}, or save a new baseline)`,
      });
      continue;
    }
    const budget = Math.floor(s.callBudget * cur.cases.length);
    const firstCalls = cur.metrics.samples;
    suites.push({
      id,
      maxSamples: s.maxSamples,
      budget,
      firstCalls,
      extraCalls: 0,
      fixedCalls: cur.cases.length * Math.max(s.maxSamples, cur.repeat),
      cases: [],
      unsettled: 0,
      left: budget - firstCalls,
    });
  }
  const report = (status: SequentialReport['status'], rounds: number, error?: string): SequentialReport => {
    const first = suites.reduce((k, s) => k + s.firstCalls, 0);
    const extra = suites.reduce((k, s) => k + s.extraCalls, 0);
    const fixed = suites.reduce((k, s) => k + s.fixedCalls, 0);
    return {
      status,
      rounds,
      calls: { first, extra, total: first + extra, fixed, saved: fixed - first - extra },
      repeat: Math.max(0, ...suites.map((s) => s.maxSamples)),
      suites: suites.map(({ left: _, ...s }) => s),
      ...(skipped.length > 0 && { skipped }),
      ...(error !== undefined && { error }),
    };
  };
  if (suites.length === 0) return { baseline, current, report: report(skipped.length ? 'ran' : 'off', 0) };
  if (!o.baseArm) return { baseline, current, report: report('no-base', 0) };

  let rounds = 0;
  let error: string | undefined;
  const sampled = new Map<string, Set<string>>(suites.map((s) => [s.id, new Set()]));
  // A case whose fresh sample errored in an arm (or that the base cannot run) is not asked again.
  const stalled = new Set<string>();
  const key = (c: { suite: string; case: string }) => `${c.suite}\u0000${c.case}`;
  for (;;) {
    if (o.signal?.aborted) break;
    const chosen = suites.flatMap((s) =>
      nextRound(
        sequentialCases(s.id, baseline, current).filter((c) => !stalled.has(key(c))),
        s.maxSamples,
        s.left,
      ).map((c) => ({ s, c })),
    );
    if (chosen.length === 0) break;
    let fresh;
    try {
      fresh = await o.sampleRound(
        chosen.map(({ c }) => ({ suite: c.suite, case: c.case })),
        rounds,
      );
    } catch (e) {
      error = (e as Error)?.message ?? String(e);
      break;
    }
    baseline = appendSamples(baseline, fresh.baseline);
    current = appendSamples(current, fresh.current);
    const after = new Map(
      suites.flatMap((s) => sequentialCases(s.id, baseline, current)).map((c) => [key(c), c]),
    );
    for (const { s, c } of chosen) {
      s.left -= 2;
      s.extraCalls += 2;
      sampled.get(s.id)!.add(c.case);
      const now = after.get(key(c));
      if (!now || graded(now.baseline) === graded(c.baseline) || graded(now.current) === graded(c.current))
        stalled.add(key(c));
    }
    rounds++;
  }
  for (const s of suites) {
    const ids = sampled.get(s.id)!;
    for (const c of sequentialCases(s.id, baseline, current)) {
      if (!ids.has(c.case)) continue;
      const state = caseState(c.baseline, c.current, s.maxSamples);
      s.cases.push({ case: c.case, baseline: c.baseline, current: c.current, state });
      if (state === 'unsettled') s.unsettled++;
    }
  }
  return { baseline, current, report: report(error === undefined ? 'ran' : 'failed', rounds, error) };
}

/** The line under the verdict (terminal, comment, check): what sequential sampling spent and saved. */
export function renderSequentialNote(r: SequentialReport): string | undefined {
  if (r.status === 'off') return undefined;
  const skipped = (r.skipped ?? [])
    .map(
      (x) =>
        ` \`${escapeMarkdown(x.suite, { maxLength: 100 })}\` was not sampled sequentially: ${escapeMarkdown(x.reason, { maxLength: 300 })}.`,
    )
    .join('');
  if (r.suites.length === 0) return `ℹ️ Sequential sampling:${skipped}`;
  if (r.status === 'no-base')
    return `ℹ️ Sequential sampling needs the base to sample too (\`run --base\`, or a pull request): one sample per case was compared.`;
  const again = r.suites.reduce((k, s) => k + s.cases.length, 0);
  const unsettled = r.suites.reduce((k, s) => k + s.unsettled, 0);
  const parts = [
    `ℹ️ Sequential sampling: ${r.calls.total} calls, ${r.calls.saved} saved vs \`repeat: ${r.repeat}\``,
    ` (${again} case${again === 1 ? '' : 's'} sampled again in both arms over ${r.rounds} round${r.rounds === 1 ? '' : 's'}`,
    unsettled ? `; ${unsettled} still unsettled when the call budget was spent` : '',
    ').',
    r.status === 'failed'
      ? ` A round could not be sampled (${escapeMarkdown(r.error, { maxLength: 200 })}): the samples before it were compared.`
      : '',
    skipped,
  ];
  return parts.join('');
}
