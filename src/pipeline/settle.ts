import { compare, resolveThresholds } from '../compare/compare.js';
import { formatValue } from '../compare/format.js';
import { splitAlpha } from '../compare/stats/spending.js';
import type {
  ComparisonDocument,
  MetricComparison,
  MetricId,
  MetricVerdict,
  ThresholdSettings,
} from '../compare/types.js';
import { isInconclusiveRegression, metricBlocks, verdictFromReasons } from '../gate/gate.js';
import { planResample, type ResamplePlan } from '../gate/resample.js';
import type { GatePolicy } from '../gate/schema.js';
import type { GateReason, Verdict } from '../gate/types.js';
import type { ResultsDocument } from '../results/types.js';

/**
 * Settling an inconclusive regression by re-sampling only its discordant cases, in both arms
 * (the design and why it keeps the false-alarm rate at α: gate/resample.ts).
 *
 *   stage 1  the ordinary comparison, gated at α₁ (stageOnePolicy)
 *   stage 2  fresh samples of the discordant cases of the suites stage 1 left as inconclusive
 *            regressions, current working tree vs the base ref in a temporary worktree,
 *            compared on those fresh samples only and judged at α₂
 *
 * Stage 2 measures a subset of k of the suite's N paired cases, so its pass-rate difference
 * is k/N times as diluted at suite level: its minimum effect is the suite's scaled by N/k
 * (capped at 1), i.e. "these cases alone move the suite by more than its minimum effect".
 * That only makes `regressed` stricter; the α₂ significance test alone bounds false alarms.
 */

export const SETTLEMENT_SCHEMA_VERSION = 1;

/** Fewest re-sampled cases in a suite for stage 2 to call it unchanged. */
export const MIN_CASES_TO_SETTLE = 3;

/** Every α in the policy, replaced by its share for one stage of the re-sampling design. */
export function stagePolicy(policy: GatePolicy, stage: 0 | 1): GatePolicy {
  const share = (alpha: number) => stageAlpha(policy, alpha)[stage]!;
  const withAlpha = <T extends { alpha?: number | undefined }>(o: T): T =>
    o.alpha === undefined ? o : { ...o, alpha: share(o.alpha) };
  const metrics = (m: GatePolicy['metrics'] | undefined) =>
    m && Object.fromEntries(Object.entries(m).map(([id, mp]) => [id, withAlpha(mp)]));
  return {
    ...policy,
    alpha: share(policy.alpha),
    metrics: metrics(policy.metrics)!,
    suites: Object.fromEntries(
      Object.entries(policy.suites).map(([id, sp]) => [
        id,
        { ...withAlpha(sp), ...(sp.metrics && { metrics: metrics(sp.metrics) }) },
      ]),
    ),
  };
}

/**
 * The policy stage 1 (the ordinary comparison) must be gated with: α₁ in place of α when
 * re-sampling is on, since a stage 1 spending all of α would leave stage 2 nothing to spend.
 */
export function stageOnePolicy(policy: GatePolicy): GatePolicy {
  return policy.resample.callBudget > 0 ? stagePolicy(policy, 0) : policy;
}

/**
 * Each stage's α, rounded down to 3 significant digits: the reasons print α, and rounding
 * down keeps α₁ + α₂ ≤ α.
 */
function stageAlpha(policy: GatePolicy, alpha: number): number[] {
  return splitAlpha(alpha, [policy.resample.stage1Fraction, 1], policy.resample.spending).map((a) => {
    const scale = 10 ** (2 - Math.floor(Math.log10(a)));
    return Math.floor(a * scale + 1e-9) / scale;
  });
}

/**
 * What a call budget can buy. Stage 2 confirms a regression only when its exact test can reach
 * α₂ at all: with k re-sampled cases all moving the same way, the smallest two-sided p-value
 * of McNemar's exact test and of the exact Wilcoxon signed-rank test is 2 · 2⁻ᵏ, so k must be
 * at least ⌈log₂(2 / α₂)⌉ (7 at α₂ = 0.0189, stage 2's Pocock share of 0.05). A smaller budget can
 * still settle (clear) an inconclusive result, but can never confirm one: it is said out loud.
 */
export function settleCapacity(policy: GatePolicy): {
  alpha2: number;
  minCases: number;
  minCalls: number;
  canConfirm: boolean;
} {
  const alpha2 = stageAlpha(policy, policy.alpha)[1]!;
  const minCases = Math.ceil(Math.log2(2 / alpha2) - 1e-12);
  const minCalls = minCases * policy.resample.samplesPerArm * 2;
  return { alpha2, minCases, minCalls, canConfirm: policy.resample.callBudget >= minCalls };
}

// ---------------------------------------------------------------- the settlement document

export type SettledOutcome = 'regressed' | 'settled' | 'inconclusive';

export interface SettledMetric {
  metric: MetricId;
  label: string;
  /** Stage 1, at α₁, over every paired case. */
  stage1: { baseline: number | null; current: number | null; pAdjusted: number | null; alpha: number };
  /** Stage 2, at α₂, over the fresh samples of the re-sampled cases; null when it could not be compared. */
  stage2: {
    verdict: MetricVerdict;
    baseline: number | null;
    current: number | null;
    pAdjusted: number | null;
    alpha: number;
    minEffect: number;
    reason: string;
  } | null;
  /** regressed → the gate fails; settled → the inconclusive reason is lifted; inconclusive → unchanged. */
  outcome: SettledOutcome;
}

export interface SettledSuite {
  id: string;
  /** Cases re-sampled in this suite, of `comparable` paired at stage 1. */
  cases: string[];
  comparable: number;
  metrics: SettledMetric[];
}

export interface Settlement {
  schemaVersion: typeof SETTLEMENT_SCHEMA_VERSION;
  /**
   * not-needed: no trusted suite had an inconclusive regression; decided: the gate fails or
   * errors on something re-sampling cannot change, so nothing is spent; no-budget: the budget does
   * not cover even one case; failed: stage 2 could not run (the stage-1 verdict stands);
   * ran: stage 2 ran and was combined.
   */
  status: 'not-needed' | 'decided' | 'no-budget' | 'failed' | 'ran';
  /** Nominal [α₁, α₂] of the top-level α; overrides are split the same way. */
  stageAlpha: number[];
  policy: GatePolicy['resample'];
  verdictBefore: Verdict['verdict'];
  verdictAfter: Verdict['verdict'];
  calls: {
    budget: number;
    planned: number;
    /** Samples stage 2 actually took, both arms. */
    made: number;
    /** Of which each arm. */
    current: number;
    baseline: number;
  };
  /** Discordant cases left out for lack of budget. */
  skipped: number;
  cases: ResamplePlan['cases'];
  suites: SettledSuite[];
  error?: string;
}

export interface SettleResult {
  verdict: Verdict;
  settlement: Settlement;
  /** Stage 2's comparison of the fresh samples, when it ran. */
  stage2?: ComparisonDocument;
}

// ---------------------------------------------------------------- orchestration

export interface SettleOptions {
  /** Stage 1, made with stageOnePolicy(policy). */
  comparison: ComparisonDocument;
  verdict: Verdict;
  /** The nominal policy (α, not α₁). */
  policy: GatePolicy;
  /** Takes `samplesPerArm` fresh samples of each given case in both arms (pipeline/arms.ts). */
  sampleArms: (cases: ResamplePlan['cases'], samplesPerArm: number) => Promise<StageTwoRuns>;
}

export interface StageTwoRuns {
  baseline: ResultsDocument;
  current: ResultsDocument;
}

/**
 * If the stage-1 verdict has inconclusive regressions in trusted suites and the call budget
 * covers at least one discordant case: re-samples those cases in both arms, compares the
 * fresh samples at α₂, and folds the outcome into the verdict. Never makes a verdict better
 * than the evidence: a stage 2 that cannot run leaves the stage-1 verdict as it was.
 */
export async function settleInconclusive(options: SettleOptions): Promise<SettleResult> {
  const { policy } = options;
  const { resample } = policy;
  const plan = planResample(
    options.comparison,
    {
      callBudget: resample.callBudget,
      samplesPerArm: resample.samplesPerArm,
      stage1Fraction: resample.stage1Fraction,
      spending: resample.spending,
    },
    policy,
  );
  // Calls spent when the gate fails or errors on something else would change nothing.
  const settleable = (r: GateReason) =>
    r.code === 'metric-inconclusive' && r.suite !== undefined && plan.suites.includes(r.suite);
  const decided = options.verdict.reasons.some(
    (r) => (r.level === 'fail' || r.level === 'error') && !settleable(r),
  );
  const status =
    plan.suites.length === 0
      ? 'not-needed'
      : decided
        ? 'decided'
        : plan.cases.length === 0
          ? 'no-budget'
          : null;
  if (status)
    return { verdict: options.verdict, settlement: emptySettlement(policy, plan, options.verdict, status) };

  let runs: StageTwoRuns;
  try {
    runs = await options.sampleArms(plan.cases, resample.samplesPerArm);
  } catch (e) {
    const settlement = emptySettlement(policy, plan, options.verdict, 'failed');
    return { verdict: options.verdict, settlement: { ...settlement, error: (e as Error).message } };
  }
  return combineStages(options.comparison, options.verdict, plan, runs, policy);
}

function emptySettlement(
  policy: GatePolicy,
  plan: ResamplePlan,
  verdict: Verdict,
  status: Settlement['status'],
): Settlement {
  return {
    schemaVersion: SETTLEMENT_SCHEMA_VERSION,
    status,
    stageAlpha: stageAlpha(policy, policy.alpha),
    policy: policy.resample,
    verdictBefore: verdict.verdict,
    verdictAfter: verdict.verdict,
    calls: { budget: policy.resample.callBudget, planned: plan.calls, made: 0, current: 0, baseline: 0 },
    skipped: plan.skipped,
    cases: plan.cases,
    suites: [],
  };
}

// ---------------------------------------------------------------- combining the stages

/**
 * Compares the fresh samples at α₂ and folds each re-sampled metric's stage-2 verdict into
 * the stage-1 verdict: regressed → fail; unchanged or improved → the inconclusive reason is
 * replaced by a "settled by re-sampling" note; anything else → stays inconclusive. Pure.
 */
export function combineStages(
  stage1: ComparisonDocument,
  verdict: Verdict,
  plan: ResamplePlan,
  runs: StageTwoRuns,
  policy: GatePolicy,
  /** Fewer bootstrap resamples for simulations; the interval only decides unchanged vs inconclusive. */
  tuning: { bootstrapResamples?: number } = {},
): SettleResult {
  const bySuite = new Map<string, string[]>();
  for (const c of plan.cases) bySuite.set(c.suite, [...(bySuite.get(c.suite) ?? []), c.case]);

  const thresholds: ThresholdSettings = { ...stagePolicy(policy, 1), suites: {} };
  const targets = new Map<string, MetricComparison[]>();
  for (const s of stage1.suites) {
    const resampled = bySuite.get(s.id);
    if (!resampled || !plan.suites.includes(s.id)) continue;
    targets.set(
      s.id,
      s.metrics.filter((m) => isInconclusiveRegression(m) && metricBlocks(policy, s.id, m)),
    );
    const scale = s.cases.comparable / resampled.length;
    const metrics: Record<string, { alpha: number; minEffect: number }> = {};
    for (const m of s.metrics) {
      const t = resolveThresholds(policy, s.id, m.metric);
      metrics[m.metric] = {
        alpha: stageAlpha(policy, t.alpha)[1]!,
        minEffect: Math.min(1, t.minEffect * scale),
      };
    }
    const passRate = metrics.passRate ?? {
      alpha: stageAlpha(policy, resolveThresholds(policy, s.id, 'passRate').alpha)[1]!,
      minEffect: Math.min(1, resolveThresholds(policy, s.id, 'passRate').minEffect * scale),
    };
    thresholds.suites![s.id] = { ...passRate, metrics };
  }

  // Only the settled suites' fresh samples: nothing else was re-sampled.
  const keep = (doc: ResultsDocument): ResultsDocument => ({
    ...doc,
    suites: doc.suites.filter((s) => targets.has(s.id)),
  });
  const stage2 = compare(keep(runs.baseline), keep(runs.current), {
    thresholds,
    ...tuning,
    // Both arms were sampled minutes ago.
    staleAfterDays: 365,
  });

  const suites: SettledSuite[] = [];
  const replaced = new Map<GateReason, GateReason>();
  for (const [suiteId, metrics] of targets) {
    const s1 = stage1.suites.find((s) => s.id === suiteId)!;
    const s2 = stage2.suites.find((s) => s.id === suiteId && s.status === 'comparable');
    const cases = bySuite.get(suiteId)!;
    const settled: SettledMetric[] = metrics.map((m1) => {
      const m2 = s2?.metrics.find((m) => m.metric === m1.metric);
      // A bootstrap interval over one or two cases is next to degenerate: too little to claim
      // equivalence on, though a significant regression still counts (its test is exact).
      const tooFew = m2?.verdict === 'unchanged' && cases.length < MIN_CASES_TO_SETTLE;
      const outcome: SettledOutcome =
        m2?.verdict === 'regressed'
          ? 'regressed'
          : (m2?.verdict === 'unchanged' && !tooFew) || m2?.verdict === 'improved'
            ? 'settled'
            : 'inconclusive';
      const why = !m2
        ? `could not be compared (${stage2.suites.find((s) => s.id === suiteId)?.reasons.join('; ') || 'no fresh samples in one arm'})`
        : tooFew
          ? `${m2.reason}, but ${MIN_CASES_TO_SETTLE} re-sampled cases are the least to rule out a change on`
          : m2.reason;
      const reason = verdict.reasons.find(
        (r) => r.code === 'metric-inconclusive' && r.suite === suiteId && r.metric === m1.metric,
      );
      const fresh = m2
        ? `${cases.length} discordant ${cases.length === 1 ? 'case' : 'cases'} re-sampled, fresh samples ${formatValue(m1.metric, m2.baseline)} → ${formatValue(m1.metric, m2.current)}`
        : `${cases.length} discordant ${cases.length === 1 ? 'case' : 'cases'} re-sampled`;
      if (reason) {
        const at = { suite: suiteId, metric: m1.metric };
        replaced.set(
          reason,
          outcome === 'regressed'
            ? {
                level: 'fail',
                code: 'metric-regressed',
                ...at,
                message: `${m1.label} regressed on re-sampling: ${fresh}: ${why}`,
              }
            : outcome === 'settled'
              ? {
                  level: 'info',
                  code: 'metric-inconclusive',
                  ...at,
                  message: `${m1.label} settled by re-sampling: ${fresh}: ${why}`,
                }
              : { ...reason, message: `${reason.message}; re-sampling did not settle it (${fresh}: ${why})` },
        );
      }
      return {
        metric: m1.metric,
        label: m1.label,
        stage1: { baseline: m1.baseline, current: m1.current, pAdjusted: m1.pAdjusted, alpha: m1.alpha },
        stage2: m2
          ? {
              verdict: m2.verdict,
              baseline: m2.baseline,
              current: m2.current,
              pAdjusted: m2.pAdjusted,
              alpha: m2.alpha,
              minEffect: m2.minEffect,
              reason: m2.reason,
            }
          : null,
        outcome,
      };
    });
    suites.push({ id: suiteId, cases, comparable: s1.cases.comparable, metrics: settled });
  }

  const final = verdictFromReasons(verdict.reasons.map((r) => replaced.get(r) ?? r));
  const samples = (doc: ResultsDocument) =>
    keep(doc).suites.reduce((n, s) => n + s.cases.reduce((k, c) => k + c.samples.length, 0), 0);
  const current = samples(runs.current);
  const baseline = samples(runs.baseline);
  return {
    verdict: final,
    stage2,
    settlement: {
      ...emptySettlement(policy, plan, verdict, 'ran'),
      verdictAfter: final.verdict,
      calls: {
        budget: policy.resample.callBudget,
        planned: plan.calls,
        made: current + baseline,
        current,
        baseline,
      },
      suites,
    },
  };
}

/**
 * The comparison as a reader should see it once stage 2 ran: each re-sampled metric carries
 * the verdict re-sampling reached (regressed, or stage 2's unchanged / improved) with stage
 * 2's reason, and says so (`settledBy`); its stage-1 values stay, so the table still shows
 * what every paired case measured. Metrics re-sampling left inconclusive are unchanged. Pure.
 */
export function applySettlement(comparison: ComparisonDocument, settlement: Settlement): ComparisonDocument {
  if (settlement.status !== 'ran') return comparison;
  const settled = new Map(settlement.suites.map((s) => [s.id, new Map(s.metrics.map((m) => [m.metric, m]))]));
  return {
    ...comparison,
    suites: comparison.suites.map((suite) => {
      const metrics = settled.get(suite.id);
      if (!metrics) return suite;
      return {
        ...suite,
        metrics: suite.metrics.map((m) => {
          const s = metrics.get(m.metric);
          if (!s?.stage2 || s.outcome === 'inconclusive') return m;
          const verdict: MetricVerdict = s.outcome === 'regressed' ? 'regressed' : s.stage2.verdict;
          return {
            ...m,
            verdict,
            settledBy: 'resampling' as const,
            reason: `${s.outcome === 'regressed' ? 'confirmed' : 'settled'} by re-sampling ${settlement.cases.filter((c) => c.suite === suite.id).length} discordant cases: ${s.stage2.reason}`,
          };
        }),
      };
    }),
  };
}

/** Lines for the terminal: what was re-sampled and what stage 2 said. */
export function renderSettlementText(s: Settlement): string {
  const [a1, a2] = s.stageAlpha.map((a) => +a.toPrecision(3));
  const head = `Re-sampling (α split ${a1} + ${a2}, budget ${s.calls.budget} calls)`;
  switch (s.status) {
    case 'not-needed':
      return `${head}: nothing to settle.\n`;
    case 'decided':
      return `${head}: not spent, the gate fails on something re-sampling cannot change.\n`;
    case 'no-budget':
      return `${head}: the budget does not cover one case (${s.policy.samplesPerArm} samples in each arm); the verdict stands.\n`;
    case 'failed':
      return `${head}: could not run (${s.error ?? 'unknown error'}); the verdict stands.\n`;
    case 'ran': {
      const lines = [
        `${head}: ${s.cases.length} discordant ${s.cases.length === 1 ? 'case' : 'cases'} × ${s.policy.samplesPerArm} fresh samples in each arm, ${s.calls.made} calls${s.skipped ? ` (${s.skipped} more left out for lack of budget)` : ''}`,
      ];
      for (const suite of s.suites) {
        lines.push(`  ${suite.id}: ${suite.cases.join(', ')}`);
        for (const m of suite.metrics) {
          const fresh = m.stage2
            ? `${formatValue(m.metric, m.stage2.baseline)} → ${formatValue(m.metric, m.stage2.current)}, ${m.stage2.verdict} at α ${+m.stage2.alpha.toPrecision(3)}`
            : 'not comparable';
          lines.push(`    ${m.label}: ${fresh} → ${m.outcome}`);
        }
      }
      lines.push(`Verdict: ${s.verdictBefore} → ${s.verdictAfter}`);
      return `${lines.join('\n')}\n`;
    }
  }
}
