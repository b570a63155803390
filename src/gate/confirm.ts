import type { ComparisonDocument, CaseOutcome } from '../compare/types.js';
import { plural } from '../compare/format.js';
import { verdictFromReasons } from './gate.js';
import type { GatePolicy } from './schema.js';
import type { GateReason, ReasonCode, Verdict } from './types.js';

/**
 * Confirming a failing blocker before it blocks.
 *
 * Blocker cases have zero tolerance, so a single unlucky sample of a case that passes 98% of
 * the time would block a correct pull request — and, replayed from a cache, block every
 * re-run too. Before a failing (or erroring) blocker blocks, it is re-sampled fresh (never
 * from the cache, with sample indices and seeds of its own) `n = blockers.confirm.samples`
 * times in the change, and — for a pull request — `n` times on its base, and classified by
 * majority (m = ⌊n/2⌋ + 1 fresh failures of the graded samples):
 *
 *   current fresh    base fresh       outcome       gate
 *   < m fail         —                flaky         warn, with the estimated failure rate
 *   ≥ m fail         < m fail         regressed     fail: this change broke it
 *   ≥ m fail         ≥ m fail         preexisting   `blockers.preexisting` (warn): it fails on the base too
 *   ≥ m fail         no such case     new-failing   fail: a new blocker that fails
 *   ≥ m fail         not sampled      failing       fail (no base arm: a push to the default branch)
 *   none graded      —                unverified    the stage-1 reason stands
 *
 * False blocks. For a blocker that passes with probability 1 − q on both arms (the change
 * did nothing), P(block) ≤ q · P(Bin(n, q) ≥ m): the stage-1 sample must fail and then a
 * majority of fresh ones too. At q = 0.02 and n = 3 that is 0.02 · (3q²(1 − q) + q³) =
 * 2.4 · 10⁻⁵ per blocker, 2.8 · 10⁻⁴ for a project of 12 such blockers. Sensitivity: a
 * blocker that truly regressed to failing with probability r is confirmed with P(Bin(n, r)
 * ≥ m): 0.9988 at r = 0.98, n = 3; what it cannot do is catch a regression whose stage-1
 * sample happened to pass (1 − r), which only more stage-1 samples (`repeat`) buy.
 *
 * A majority rather than "every fresh sample fails": at n = 3 "all fail" confirms a 0.98
 * regression only 94% of the time, and the false-block rate is already negligible.
 */

export type BlockerOutcome =
  'regressed' | 'preexisting' | 'new-failing' | 'failing' | 'flaky' | 'recovered' | 'unverified';

/** The stage-1 reasons a fresh sample can overturn. */
const CONFIRMABLE: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'blocker-regressed',
  'blocker-new-failing',
  'blocker-still-failing',
  'blocker-error',
]);

export interface BlockerCandidate {
  suite: string;
  case: string;
  /** What stage 1 said. */
  code: ReasonCode;
  /** The stage-1 samples of the case in the current run. */
  stage1: Pick<CaseOutcome, 'passed' | 'failed' | 'errors'>;
}

export interface ConfirmPlan {
  /** Fresh samples per case and arm. */
  samples: number;
  /** Whether the base arm is sampled (a pull request, or `run --base`). */
  baseArm: boolean;
  /** As many as the call budget covers, in suite and case order. */
  cases: BlockerCandidate[];
  /** Left out for lack of budget: their stage-1 reasons stand. */
  skipped: BlockerCandidate[];
  /** Calls the plan may spend at most: samples × arms × cases. */
  calls: number;
}

export interface FreshCounts {
  passed: number;
  failed: number;
  errors: number;
}

export interface ConfirmedBlocker extends BlockerCandidate {
  current: FreshCounts;
  /** null: the base arm did not sample it (no base arm, or the case does not exist there). */
  base: FreshCounts | null;
  outcome: BlockerOutcome;
  /** Failed ÷ graded over the stage-1 and fresh samples of the change; null when none was graded. */
  failureRate: number | null;
}

export interface BlockerConfirmation {
  /** not-needed: no blocker failed; off: the call budget is 0; ran; failed: sampling threw (stage 1 stands). */
  status: 'not-needed' | 'off' | 'ran' | 'failed';
  samples: number;
  baseArm: boolean;
  budget: number;
  calls: { current: number; base: number };
  blockers: ConfirmedBlocker[];
  skipped: BlockerCandidate[];
  error?: string;
}

/** The failing or erroring blockers of stage 1, and how many of them the call budget covers. */
export function planBlockerConfirmation(
  comparison: ComparisonDocument,
  verdict: Verdict,
  policy: GatePolicy,
  options: { baseArm: boolean },
): ConfirmPlan {
  const { samples, callBudget } = policy.blockers.confirm;
  const candidates: BlockerCandidate[] = [];
  for (const r of verdict.reasons) {
    if (!CONFIRMABLE.has(r.code) || r.suite === undefined || r.case === undefined) continue;
    const t = comparison.suites.find((s) => s.id === r.suite)?.transitions.find((c) => c.id === r.case);
    if (!t) continue;
    const { passed, failed, errors } = t.current;
    candidates.push({ suite: r.suite, case: r.case, code: r.code, stage1: { passed, failed, errors } });
  }
  candidates.sort((a, b) => a.suite.localeCompare(b.suite) || a.case.localeCompare(b.case));
  const perCase = samples * (options.baseArm ? 2 : 1);
  const fits = Math.max(0, Math.floor(callBudget / perCase));
  const cases = candidates.slice(0, fits);
  return {
    samples,
    baseArm: options.baseArm,
    cases,
    skipped: candidates.slice(fits),
    calls: cases.length * perCase,
  };
}

/** Majority of the graded fresh samples failed. */
function failsMostly(c: FreshCounts): boolean {
  const graded = c.passed + c.failed;
  return graded > 0 && c.failed * 2 > graded;
}

/** The outcome of one blocker from its fresh samples (see the table above). Pure. */
export function classifyBlocker(
  candidate: BlockerCandidate,
  current: FreshCounts,
  base: FreshCounts | null,
  baseArm: boolean,
): BlockerOutcome {
  if (current.passed + current.failed === 0) return 'unverified';
  if (!failsMostly(current)) {
    // An errored blocker that now passes every time was the infrastructure, not the case.
    return current.failed === 0 && candidate.stage1.failed === 0 ? 'recovered' : 'flaky';
  }
  if (!baseArm) return 'failing';
  if (!base) return 'new-failing';
  if (base.passed + base.failed === 0) return 'new-failing';
  return failsMostly(base) ? 'preexisting' : 'regressed';
}

export function confirmBlockers(
  plan: ConfirmPlan,
  fresh: { current: Map<string, FreshCounts>; base: Map<string, FreshCounts> | null },
): ConfirmedBlocker[] {
  return plan.cases.map((c) => {
    const key = caseKey(c.suite, c.case);
    const current = fresh.current.get(key) ?? { passed: 0, failed: 0, errors: 0 };
    const base = fresh.base?.get(key) ?? null;
    const graded = c.stage1.passed + c.stage1.failed + current.passed + current.failed;
    return {
      ...c,
      current,
      base,
      outcome: classifyBlocker(c, current, base, plan.baseArm),
      failureRate: graded === 0 ? null : (c.stage1.failed + current.failed) / graded,
    };
  });
}

export function caseKey(suite: string, id: string): string {
  return `${suite}\u0000${id}`;
}

/**
 * The stage-1 verdict with each confirmed blocker's reason replaced by its outcome's. A
 * reason is only ever replaced by one the fresh samples support; an unverified blocker (its
 * fresh samples all errored) keeps its stage-1 reason, with a note.
 */
export function applyConfirmation(
  verdict: Verdict,
  blockers: ConfirmedBlocker[],
  policy: GatePolicy,
): Verdict {
  const byCase = new Map(blockers.map((b) => [caseKey(b.suite, b.case), b]));
  const reasons = verdict.reasons.map((r): GateReason => {
    if (!CONFIRMABLE.has(r.code) || r.suite === undefined || r.case === undefined) return r;
    const b = byCase.get(caseKey(r.suite, r.case));
    return b ? confirmedReason(r, b, policy) : r;
  });
  return verdictFromReasons(reasons);
}

function confirmedReason(stage1: GateReason, b: ConfirmedBlocker, policy: GatePolicy): GateReason {
  const reason = describeOutcome(stage1, b, policy);
  const fresh = (c: FreshCounts) => `${c.failed} of ${c.passed + c.failed} fresh samples fail`;
  const evidence = {
    regressed: 'regressed by this change',
    preexisting: 'fails on the base too',
    'new-failing': 'new, and fails',
    failing: 'confirmed failing',
    flaky: 'flaky',
    recovered: 'recovered',
    unverified: 'not confirmed',
  }[b.outcome];
  const arms = [
    fresh(b.current),
    b.base && `${b.base.failed} of ${b.base.passed + b.base.failed} on the base`,
  ];
  return { ...reason, evidence: `${evidence}: ${arms.filter(Boolean).join(', ')}` };
}

function describeOutcome(stage1: GateReason, b: ConfirmedBlocker, policy: GatePolicy): GateReason {
  const at = { suite: b.suite, case: b.case };
  const now = `fails ${b.current.failed} of ${b.current.passed + b.current.failed} fresh samples`;
  const base = b.base && `${b.base.failed} of ${b.base.passed + b.base.failed} on the base`;
  const rate = b.failureRate === null ? '' : `estimated failure rate ${Math.round(b.failureRate * 100)}%`;
  switch (b.outcome) {
    case 'regressed':
      return {
        level: 'fail',
        code: 'blocker-regressed',
        ...at,
        message: `blocker case regressed by this change: ${now}, ${base}`,
      };
    case 'preexisting':
      return {
        level: policy.blockers.preexisting,
        code: 'blocker-preexisting',
        ...at,
        message: `blocker case fails on the base too (${now}, ${base}): not caused by this change; fix it on the default branch`,
      };
    case 'new-failing':
      return {
        level: 'fail',
        code: 'blocker-new-failing',
        ...at,
        message: `blocker case fails (${now}) and ${b.base ? 'could not be evaluated on the base' : 'is new'}`,
      };
    case 'failing':
      return { level: 'fail', code: stage1.code, ...at, message: `blocker case ${now}: confirmed failing` };
    case 'flaky':
      return {
        level: 'warn',
        code: 'blocker-flaky',
        ...at,
        message: `blocker case is flaky: it failed, then passed ${b.current.passed} of ${b.current.passed + b.current.failed} fresh samples (${rate}); not blocking — make the case or the target deterministic`,
      };
    case 'recovered':
      return {
        level: 'info',
        code: 'blocker-flaky',
        ...at,
        message: `blocker case errored, then passed ${plural(b.current.passed, 'fresh sample')}: the error was transient`,
      };
    case 'unverified':
      return {
        ...stage1,
        message: `${stage1.message} (confirmation could not grade a fresh sample: ${plural(b.current.errors, 'error')})`,
      };
  }
}

/** Lines for the terminal and the log: what confirmation did. */
export function renderConfirmationText(c: BlockerConfirmation): string {
  if (c.status === 'not-needed') return '';
  const head = `Confirming failing blockers (${plural(c.samples, 'fresh sample')} per arm, budget ${c.budget} calls)`;
  if (c.status === 'off')
    return `Failing blockers were not confirmed (gate.blockers.confirm.callBudget is 0): a single failing sample blocks.\n`;
  if (c.status === 'failed')
    return `${head}: could not run (${c.error ?? 'unknown error'}); stage 1 stands.\n`;
  const lines = [`${head}: ${c.calls.current + c.calls.base} calls`];
  for (const b of c.blockers) {
    const base = b.base ? `, base ${b.base.passed}✓ ${b.base.failed}✗` : '';
    lines.push(
      `  ${b.suite} / ${b.case}: now ${b.current.passed}✓ ${b.current.failed}✗${base} → ${b.outcome}`,
    );
  }
  if (c.skipped.length)
    lines.push(
      `  ${plural(c.skipped.length, 'failing blocker')} not confirmed for lack of budget (raise gate.blockers.confirm.callBudget): ${c.skipped.map((s) => `${s.suite} / ${s.case}`).join(', ')}`,
    );
  return `${lines.join('\n')}\n`;
}
