import { passFraction, type CasePair, type CaseStats } from './case-stats.js';
import { DEFAULT_ALPHA, type CompareContext } from './settings.js';
import { mean, quantile } from './stats/descriptive.js';
import { bootstrapIncrease, type IncreaseBounds, type IncreaseStatistic } from './stats/increase.js';
import { createRng } from './stats/rng.js';
import type { ArmRates, Distribution, UsageComparison, UsageMetric } from './types.js';

/** Each arm's rates, and latency, tokens and cost with the increase tests the budgets read. */

export function armRates(cases: CaseStats[]): ArmRates {
  const fractions = cases.map(passFraction).filter((x): x is number => x !== null);
  const samples = cases.reduce((s, c) => s + c.samples, 0);
  const errors = cases.reduce((s, c) => s + c.errors, 0);
  const graderErrors = cases.reduce((s, c) => s + c.graderErrors, 0);
  const known = cases.reduce((s, c) => s + c.refusalKnown, 0);
  const refusals = cases.reduce((s, c) => s + c.refusals, 0);
  return {
    cases: cases.length,
    samples,
    passRate: fractions.length ? mean(fractions) : null,
    errorRate: samples ? errors / samples : 0,
    graderErrors,
    refusalRate: known ? refusals / known : null,
  };
}

/**
 * Latency, tokens, cost, tool calls and abstention: each arm's distribution (latency over
 * answered samples, the rest per case), and for each a bootstrap test of its increase,
 * which the budgets read (for abstention also of its drop: a change that stops a model
 * saying "I don't know" has changed the product even when its answers still pass). The test is over cases: a case's value is the mean over its samples
 * (latency: answered samples), the statistic is the p95 (latency) or mean (tokens, cost) of
 * those values; paired over the cases with a value in both runs when the suite is
 * comparable, each arm resampled on its own otherwise. One-sided at the suite's α.
 */
export function usage(
  ctx: CompareContext,
  suite: string,
  pairs: CasePair[] | null,
  base: CaseStats[],
  cur: CaseStats[],
): UsageComparison {
  const latency = (cases: CaseStats[]) => distribution(cases.flatMap((c) => c.latencies));
  const perCase = (cases: CaseStats[], pick: (c: CaseStats) => number | null) =>
    distribution(cases.map(pick).filter((x): x is number => x !== null));
  const alpha = ctx.thresholds.suites?.[suite]?.alpha ?? ctx.thresholds.alpha ?? DEFAULT_ALPHA;
  /** The increase test of one value; `swap` tests the decrease instead (current as the baseline). */
  const test = (
    name: string,
    statistic: IncreaseStatistic,
    pick: (c: CaseStats) => number | null,
    swap = false,
  ) => {
    const rng = createRng(`${ctx.seed}:${suite}:usage:${name}`);
    const options = { statistic, alpha, resamples: ctx.resamples, rng };
    const ordered = (b: number[], c: number[]) => (swap ? ([c, b] as const) : ([b, c] as const));
    if (pairs) {
      const b: number[] = [];
      const c: number[] = [];
      for (const p of pairs) {
        const x = pick(p.base);
        const y = pick(p.cur);
        if (x === null || y === null) continue;
        b.push(x);
        c.push(y);
      }
      return bootstrapIncrease(...ordered(b, c), { ...options, paired: true });
    }
    const values = (cases: CaseStats[]) => cases.map(pick).filter((x): x is number => x !== null);
    return bootstrapIncrease(...ordered(values(base), values(cur)), { ...options, paired: false });
  };
  const caseLatency = (c: CaseStats) => (c.latencies.length ? mean(c.latencies) : null);
  const toolCalls = (c: CaseStats) => c.toolCallsPerCall;
  const abstention = (c: CaseStats) => (c.refusalKnown ? c.abstentions / c.refusalKnown : null);
  const anyToolCalls = [...base, ...cur].some((c) => c.madeToolCalls);
  const abstentionBase = perCase(base, abstention);
  const abstentionCur = perCase(cur, abstention);
  // A drop is the rise from current to baseline: the same test with the arms swapped.
  const dropTest = () => {
    const swapped = test('abstention-drop', 'mean', abstention, true);
    return abstentionBase && abstentionCur && swapped ? asDecrease(swapped) : null;
  };
  return {
    latencyMs: usageMetric(latency(base), latency(cur), test('latency', 'p95', caseLatency)),
    tokensPerCase: usageMetric(
      perCase(base, (c) => c.tokensPerCall),
      perCase(cur, (c) => c.tokensPerCall),
      test('tokens', 'mean', (c) => c.tokensPerCall),
    ),
    costPerCase: usageMetric(
      perCase(base, (c) => c.costPerCall),
      perCase(cur, (c) => c.costPerCall),
      test('cost', 'mean', (c) => c.costPerCall),
    ),
    ...(anyToolCalls && {
      toolCallsPerCase: usageMetric(
        perCase(base, toolCalls),
        perCase(cur, toolCalls),
        test('tool-calls', 'mean', toolCalls),
      ),
    }),
    ...((abstentionBase || abstentionCur) && {
      abstentionRate: {
        ...usageMetric(abstentionBase, abstentionCur, test('abstention', 'mean', abstention)),
        decrease: dropTest(),
      },
    }),
  };
}

/**
 * The swapped test (current as the baseline) read back as a drop from the baseline:
 * `increase` is baseline − current, and `increasePct` / `lowerPct` are relative to the
 * baseline. The swapped test's relative bound r = 100·(B − C)/C maps to the drop's
 * 100·(B − C)/B = 100·r/(100 + r), increasing in r, so its bound maps to the drop's bound.
 */
function asDecrease(s: IncreaseBounds): IncreaseBounds {
  const ofBaseline = (r: number) => (r === Infinity ? 100 : r <= -100 ? -Infinity : (100 * r) / (100 + r));
  return {
    ...s,
    n: { baseline: s.n.current, current: s.n.baseline },
    baseline: s.current,
    current: s.baseline,
    increasePct: s.current === 0 ? null : (100 * s.increase) / s.current,
    lowerPct: ofBaseline(s.lowerPct),
  };
}

function distribution(values: number[]): Distribution | null {
  if (values.length === 0) return null;
  return { n: values.length, p50: quantile(values, 0.5), p95: quantile(values, 0.95), mean: mean(values) };
}

function usageMetric(
  baseline: Distribution | null,
  current: Distribution | null,
  increase: IncreaseBounds | null,
): UsageMetric {
  const pct = (b: number, c: number) => (b === 0 ? (c === 0 ? 0 : null) : ((c - b) / b) * 100);
  return {
    baseline,
    current,
    increase: baseline && current ? increase : null,
    changePct:
      baseline && current
        ? {
            p50: pct(baseline.p50, current.p50),
            p95: pct(baseline.p95, current.p95),
            mean: pct(baseline.mean, current.mean),
          }
        : null,
  };
}
