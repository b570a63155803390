import { splitAlpha, type SpendingFunction } from '../compare/stats/spending.js';
import type { ComparisonDocument } from '../compare/types.js';
import { isInconclusiveRegression, metricBlocks } from './gate.js';
import { defaultGatePolicy, type GatePolicy } from './schema.js';

/**
 * Settling an inconclusive result by re-sampling only the discordant cases.
 *
 * An inconclusive pass rate usually means a handful of flaky cases moved. The runner can
 * re-run just the cases whose outcome differs between the arms — in both arms, baseline
 * version and current version, since re-running one arm against stale samples of the other
 * would compare a fresh draw with a selected one — and test again on the fresh samples.
 *
 * Keeping the false-alarm rate at α: the two looks form a two-stage group-sequential
 * design. Stage 1 (the ordinary comparison) is tested at α₁ and stage 2 (the fresh samples
 * of the selected cases only) at α₂, with α₁ + α₂ = α from an alpha-spending function
 * (see stats/spending.ts). Because stage 2 uses only new, independent samples, its test is
 * valid at α₂ whatever stage 1 selected, and P(false alarm) ≤ α₁ + α₂ = α. The catch is
 * that stage 1 must itself be run at α₁, not α, whenever re-sampling is enabled: set the
 * gate's `alpha` to `stageAlpha[0]` for the first comparison.
 */
export interface ResampleCandidate {
  suite: string;
  case: string;
  /** Pass fraction in each arm at stage 1. */
  baseline: number;
  current: number;
  /** Calls this case costs: samplesPerArm in each of the two arms. */
  calls: number;
}

export interface ResamplePlan {
  /** Nominal α of each stage: stage 1 is the comparison already made, stage 2 the re-sample. */
  stageAlpha: number[];
  /** Suites whose verdict re-sampling could settle. */
  suites: string[];
  /** In the order to run them; as many as the call budget allows. */
  cases: ResampleCandidate[];
  calls: number;
  /** Discordant cases left out for lack of budget. */
  skipped: number;
}

export interface ResampleOptions {
  /** Model calls the runner may spend, both arms together. */
  callBudget: number;
  /** Fresh samples per case and arm. Default 3. */
  samplesPerArm?: number;
  /** Information fraction of stage 1 (its share of all samples planned). Default ½. */
  stage1Fraction?: number;
  spending?: SpendingFunction;
}

/**
 * Lists the discordant cases worth re-sampling: those whose pass fraction differs between
 * the arms, in trusted suites where a blocking metric is an inconclusive regression. Cases
 * that got worse first, then the largest moves (they carry the most information per call),
 * then by suite and case id, so the plan is deterministic.
 */
export function planResample(
  comparison: ComparisonDocument,
  options: ResampleOptions,
  policy: GatePolicy = defaultGatePolicy(),
): ResamplePlan {
  const samplesPerArm = options.samplesPerArm ?? 3;
  const stageAlpha = splitAlpha(
    policy.alpha,
    [options.stage1Fraction ?? 0.5, 1],
    options.spending ?? 'pocock',
  );
  const suites = comparison.suites.filter(
    (s) =>
      s.status === 'comparable' &&
      s.tier === 'trusted' &&
      s.metrics.some((m) => isInconclusiveRegression(m) && metricBlocks(policy, s.id, m)),
  );
  const discordant = suites
    .flatMap((s) =>
      s.transitions.flatMap((t) => {
        if (!t.baseline || (t.change !== 'worse' && t.change !== 'better')) return [];
        return [
          {
            suite: s.id,
            case: t.id,
            baseline: fraction(t.baseline),
            current: fraction(t.current),
            calls: 2 * samplesPerArm,
          },
        ];
      }),
    )
    // Cases that got worse first: a regression lives in them, and with one sample per case
    // every move is ±1, so magnitude alone would spend the budget in id order. Choosing by
    // stage 1 is safe: stage 2 draws fresh samples in both arms, whose null distribution does
    // not depend on why a case was chosen.
    .sort(
      (a, b) =>
        Number(b.current < b.baseline) - Number(a.current < a.baseline) ||
        Math.abs(b.current - b.baseline) - Math.abs(a.current - a.baseline) ||
        a.suite.localeCompare(b.suite) ||
        a.case.localeCompare(b.case),
    );

  const cases: ResampleCandidate[] = [];
  let calls = 0;
  for (const c of discordant) {
    if (calls + c.calls > options.callBudget) break;
    cases.push(c);
    calls += c.calls;
  }
  return {
    stageAlpha,
    suites: suites.map((s) => s.id),
    cases,
    calls,
    skipped: discordant.length - cases.length,
  };
}

function fraction(o: { passed: number; failed: number }): number {
  return o.passed + o.failed > 0 ? o.passed / (o.passed + o.failed) : 0;
}
