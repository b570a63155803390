import { beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../compare/compare.js';
import { createRng } from '../compare/stats/rng.js';
import { realisticPassProbabilities, syntheticResults } from '../../test/kits/synthetic.js';
import { combineStages, stageOnePolicy } from '../pipeline/settle.js';
import { gate } from './gate.js';
import { planResample } from './resample.js';
import { GatePolicySchema, type GatePolicy } from './schema.js';

/**
 * The two-stage gate (stage 1 at α₁, fresh samples of the discordant cases at α₂) against
 * the one-stage gate at α, on seeded synthetic suites: 200 cases with realistic pass
 * probabilities (~15% flaky around ½), one sample per case, a budget of 120 calls (20 cases
 * × 3 fresh samples × 2 arms). Stage 2's draws come straight from the true probabilities,
 * as re-running the cases would give, and go through the real plan and combination code.
 *
 * Also measured: the naive scheme this design replaces (stage 1 at α, then stage 2 at α
 * again), whose false-alarm rate is bounded only by 2α.
 */
const TRIALS = 500;
const CASES = 200;
const REGRESSED = 10;
const BUDGET = 120;

interface Rates {
  oneStage: number;
  stage1Only: number;
  twoStage: number;
  naive: number;
  inconclusiveBefore: number;
  inconclusiveAfter: number;
  calls: number;
  /** Trials where stage 2 ran, and of those, where it found a significant regression at α₂. */
  stage2Ran: number;
  stage2Fails: number;
}

function simulate(regressed: number, seed: number): Rates {
  const rng = createRng(seed);
  const policy = GatePolicySchema.parse({ resample: { callBudget: BUDGET, samplesPerArm: 3 } });
  // An equal Bonferroni split of 2α: stage 1 at α and stage 2 at α again.
  const naivePolicy = GatePolicySchema.parse({
    alpha: 0.1,
    resample: { callBudget: BUDGET, samplesPerArm: 3, spending: 'bonferroni' },
  });
  const stage1 = stageOnePolicy(policy);
  // The bootstrap only decides unchanged vs inconclusive; fewer resamples keep the run short.
  const options = (thresholds: GatePolicy) => ({ thresholds, bootstrapResamples: 200 });
  const r: Rates = {
    oneStage: 0,
    stage1Only: 0,
    twoStage: 0,
    naive: 0,
    inconclusiveBefore: 0,
    inconclusiveAfter: 0,
    calls: 0,
    stage2Ran: 0,
    stage2Fails: 0,
  };
  for (let t = 0; t < TRIALS; t++) {
    const p = realisticPassProbabilities(CASES, rng);
    const reliable = new Set(p.flatMap((x, i) => (x >= 0.97 ? [i] : [])).slice(0, regressed));
    const q = p.map((x, i) => (reliable.has(i) ? 0.01 : x));
    const doc = (probs: number[], repeat: number, ids?: Set<string>) =>
      syntheticResults(
        {
          suites: [
            {
              id: 'suite',
              repeat,
              cases: probs.map((pass, i) => ({ id: `case-${i}`, pass })).filter((c) => !ids || ids.has(c.id)),
            },
          ],
        },
        rng,
      );
    const baseline = doc(p, 1);
    const current = doc(q, 1);

    const fullComparison = compare(baseline, current, options(policy));
    const fullVerdict = gate(fullComparison, policy);
    if (fullVerdict.verdict === 'fail') r.oneStage++;

    const comparison = compare(baseline, current, options(stage1));
    const verdict = gate(comparison, stage1);
    if (verdict.verdict === 'fail') r.stage1Only++;
    if (verdict.verdict === 'inconclusive') r.inconclusiveBefore++;

    const settle = (pol: GatePolicy, v = verdict, c = comparison) => {
      const plan = planResample(c, { ...pol.resample }, pol);
      if (plan.cases.length === 0) return { verdict: v, calls: 0, stage2Fail: false };
      const ids = new Set(plan.cases.map((x) => x.case));
      const runs = { baseline: doc(p, 3, ids), current: doc(q, 3, ids) };
      const s = combineStages(c, v, plan, runs, pol, { bootstrapResamples: 200 });
      const stage2Fail = s.settlement.suites.some((x) => x.metrics.some((m) => m.outcome === 'regressed'));
      return { verdict: s.verdict, calls: s.settlement.calls.made, stage2Fail };
    };
    const two = settle(policy);
    if (two.verdict.verdict === 'fail') r.twoStage++;
    if (two.verdict.verdict === 'inconclusive') r.inconclusiveAfter++;
    r.calls += two.calls;
    if (two.calls > 0) {
      r.stage2Ran++;
      if (two.stage2Fail) r.stage2Fails++;
    }

    // Naive: stage 1 at the full α, stage 2 at (nearly) the full α again.
    const naive =
      fullVerdict.verdict === 'fail' ? fullVerdict : settle(naivePolicy, fullVerdict, fullComparison).verdict;
    if (naive.verdict === 'fail') r.naive++;
  }
  r.stage2Fails = r.stage2Ran ? r.stage2Fails / r.stage2Ran : 0;
  for (const k of [
    'oneStage',
    'stage1Only',
    'twoStage',
    'naive',
    'inconclusiveBefore',
    'inconclusiveAfter',
  ] as const)
    r[k] /= TRIALS;
  r.calls /= r.stage2Ran || 1;
  return r;
}

describe(`two-stage re-sampling gate: ${TRIALS} trials of a ${CASES}-case suite, budget ${BUDGET} calls`, () => {
  let aa: Rates;
  let regression: Rates;
  beforeAll(() => {
    aa = simulate(0, 20261123);
    regression = simulate(REGRESSED, 20261124);
    const line = (name: string, x: Rates) =>
      `  ${name}: fail rate one-stage at α ${pct(x.oneStage)}, stage 1 at α₁ alone ${pct(x.stage1Only)}, two-stage ${pct(x.twoStage)}, naive α+α ${pct(x.naive)}; inconclusive ${pct(x.inconclusiveBefore)} → ${pct(x.inconclusiveAfter)}; stage 2 ran in ${x.stage2Ran} trials (${x.calls.toFixed(1)} calls each) and failed ${pct(x.stage2Fails)} of them`;
    console.log(
      [
        'two-stage re-sampling gate (α = 0.05 → α₁ 0.031 + α₂ 0.0189, Pocock at ½):',
        line('A/A false alarms', aa),
        line(`power, ${REGRESSED} cases pass → fail`, regression),
      ].join('\n'),
    );
  });

  it('keeps the A/A false-alarm rate of both stages together at or below α', () => {
    expect(aa.twoStage).toBeLessThanOrEqual(0.05);
  });

  it('stage 2 alone stays at or below its own α₂ when it runs on A/A data', () => {
    expect(aa.stage2Ran).toBeGreaterThan(50);
    expect(aa.stage2Fails).toBeLessThanOrEqual(0.0189);
  });

  it('re-samples within the budget and settles most inconclusive A/A verdicts', () => {
    expect(aa.calls).toBeLessThanOrEqual(BUDGET);
    expect(aa.inconclusiveAfter).toBeLessThan(aa.inconclusiveBefore);
  });

  it('catches more real regressions than stage 1 alone, and about as many as the one-stage gate or more', () => {
    expect(regression.twoStage).toBeGreaterThan(regression.stage1Only);
    expect(regression.twoStage).toBeGreaterThanOrEqual(regression.oneStage - 0.02);
  });
});

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
