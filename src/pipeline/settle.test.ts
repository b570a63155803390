import { describe, expect, it } from 'vitest';
import { compare } from '../compare/compare.js';
import { createRng } from '../compare/stats/rng.js';
import { syntheticResults, type SyntheticCase } from '../../test/kits/synthetic.js';
import { gate } from '../gate/gate.js';
import { GatePolicySchema, type GatePolicy } from '../gate/schema.js';
import {
  applySettlement,
  renderSettlementText,
  settleCapacity,
  settleInconclusive,
  stageOnePolicy,
  stagePolicy,
} from './settle.js';

// Pass probabilities of 0 and 1 make every synthetic sample certain, so each scenario is exact.
// Stage 1: 200 cases; 10 go pass → fail and 4 fail → pass. McNemar (10 vs 4) is far from
// significant, yet the pass rate fell 3 points, past the 2-point minimum: an inconclusive regression.
const WORSE = Array.from({ length: 10 }, (_, i) => `w${i}`);
const BETTER = Array.from({ length: 4 }, (_, i) => `b${i}`);
const STEADY = Array.from({ length: 186 }, (_, i) => `s${String(i).padStart(3, '0')}`);

function stage1Docs() {
  const rng = createRng(1);
  const doc = (pass: (id: string) => number, id: string) =>
    syntheticResults(
      {
        id,
        suites: [
          { id: 'support', cases: [...WORSE, ...BETTER, ...STEADY].map((c) => ({ id: c, pass: pass(c) })) },
        ],
      },
      rng,
    );
  const baseline = doc((c) => (c.startsWith('b') ? 0 : 1), 'base');
  const current = doc((c) => (c.startsWith('w') ? 0 : 1), 'head');
  return { baseline, current };
}

/** Fresh samples of the requested cases, with the given pass probability in each arm. */
function fresh(arms: { baseline: (id: string) => number; current: (id: string) => number }) {
  const requested: { suite: string; case: string }[][] = [];
  const rng = createRng(2);
  const sampleArms = async (cases: { suite: string; case: string }[], repeat: number) => {
    requested.push(cases);
    const doc = (pass: (id: string) => number, id: string) => {
      const list: SyntheticCase[] = cases.map((c) => ({ id: c.case, pass: pass(c.case) }));
      return syntheticResults({ id, suites: [{ id: 'support', repeat, cases: list }] }, rng);
    };
    return { baseline: doc(arms.baseline, 'base-2'), current: doc(arms.current, 'head-2') };
  };
  return { sampleArms, requested };
}

function policyWith(gateSection: unknown): GatePolicy {
  return GatePolicySchema.parse(gateSection);
}

async function settle(policy: GatePolicy, arms: Parameters<typeof fresh>[0]) {
  const { baseline, current } = stage1Docs();
  const stage1Policy = stageOnePolicy(policy);
  const comparison = compare(baseline, current, { thresholds: stage1Policy });
  const verdict = gate(comparison, stage1Policy);
  const { sampleArms, requested } = fresh(arms);
  const result = await settleInconclusive({
    comparison,
    verdict,
    policy,
    sampleArms,
  });
  return { comparison, before: verdict, ...result, requested };
}

const ON = { resample: { callBudget: 84, samplesPerArm: 3 } };
const passes = () => 1;

describe('stage policies', () => {
  it('leaves the policy alone while re-sampling is off', () => {
    const policy = policyWith({});
    expect(stageOnePolicy(policy)).toBe(policy);
  });

  it('splits every α in the policy, overrides included, so the two stages add up to it', () => {
    const policy = policyWith({
      ...ON,
      metrics: { passRate: { alpha: 0.1 } },
      suites: { checkout: { alpha: 0.01, metrics: { 'score:*': { alpha: 0.02 } } } },
    });
    const [one, two] = [stagePolicy(policy, 0), stagePolicy(policy, 1)];
    // Pocock at ½: α₁ = α ln(1 + (e − 1)/2) = 0.62 α, each rounded down to 3 digits.
    expect([one.alpha, two.alpha]).toEqual([0.031, 0.0189]);
    expect(one.alpha + two.alpha).toBeLessThanOrEqual(0.05);
    expect([one.metrics.passRate!.alpha, two.metrics.passRate!.alpha]).toEqual([0.062, 0.0379]);
    expect([one.suites.checkout!.alpha, two.suites.checkout!.alpha]).toEqual([0.0062, 0.00379]);
    const s1 = one.suites.checkout!.metrics!['score:*']!.alpha!;
    expect(s1 + two.suites.checkout!.metrics!['score:*']!.alpha!).toBeLessThanOrEqual(0.02);
    expect(s1 + two.suites.checkout!.metrics!['score:*']!.alpha!).toBeGreaterThan(0.0199);
    expect(one.minEffect).toBe(policy.minEffect);
  });
});

describe('settleInconclusive: combining stage 1 at α₁ with stage 2 at α₂', () => {
  it('stage 1 is an inconclusive regression at α₁ (the premise of the other cases)', async () => {
    const { before, comparison } = await settle(policyWith(ON), { baseline: passes, current: passes });
    expect(before.verdict).toBe('inconclusive');
    const m = comparison.suites[0]!.metrics.find((x) => x.metric === 'passRate')!;
    expect(m.verdict).toBe('inconclusive');
    expect(m.alpha).toBe(0.031);
  });

  it('re-samples only the discordant cases, both arms, within the budget, those that got worse first', async () => {
    const policy = policyWith({ resample: { callBudget: 60, samplesPerArm: 3 } });
    const r = await settle(policy, { baseline: passes, current: passes });
    expect(r.requested).toHaveLength(1);
    // 60 calls / (3 samples × 2 arms) = 10 of the 14 discordant cases: the 10 that got worse,
    // where a regression would be, before the 4 that got better.
    expect(r.requested[0]!.map((c) => c.case)).toEqual(WORSE);
    expect(r.settlement.calls).toEqual({ budget: 60, planned: 60, made: 60, current: 30, baseline: 30 });
    expect(r.settlement.skipped).toBe(4);
  });

  it('a regression confirmed by the fresh samples at α₂ fails the gate', async () => {
    const r = await settle(policyWith(ON), {
      baseline: passes,
      current: (id) => (id.startsWith('w') ? 0 : 1),
    });
    expect(r.verdict.verdict).toBe('fail');
    const reason = r.verdict.reasons[0]!;
    expect(reason).toMatchObject({
      level: 'fail',
      code: 'metric-regressed',
      suite: 'support',
      metric: 'passRate',
    });
    expect(reason.message).toMatch(/^pass rate regressed on re-sampling: 14 discordant cases re-sampled/i);
    const m = r.settlement.suites[0]!.metrics[0]!;
    expect(m.outcome).toBe('regressed');
    expect(m.stage2!.alpha).toBe(0.0189);
    // The subset's minimum effect is the suite's, scaled up by 200 / 14 cases.
    expect(m.stage2!.minEffect).toBeCloseTo((0.02 * 200) / 14, 12);
    expect(r.settlement).toMatchObject({
      status: 'ran',
      verdictBefore: 'inconclusive',
      verdictAfter: 'fail',
    });
    expect(JSON.parse(JSON.stringify(r.settlement))).toEqual(r.settlement);
  });

  it('fresh samples that show no change settle it: the inconclusive reason becomes a note', async () => {
    const r = await settle(policyWith({ ...ON, onInconclusive: 'fail' }), {
      baseline: passes,
      current: passes,
    });
    expect(r.before.verdict).toBe('fail');
    expect(r.verdict.verdict).toBe('pass');
    const note = r.verdict.reasons.find((x) => x.metric === 'passRate')!;
    expect(note).toMatchObject({ level: 'info', code: 'metric-inconclusive' });
    expect(note.message).toMatch(/^pass rate settled by re-sampling: .*100\.0% → 100\.0%/i);
    expect(r.settlement.suites[0]!.metrics[0]!.outcome).toBe('settled');
    expect(renderSettlementText(r.settlement)).toContain('Verdict: fail → pass');
  });

  it('fresh samples that still cannot tell leave it inconclusive, saying so', async () => {
    const r = await settle(policyWith(ON), {
      baseline: passes,
      current: (id) => (id === 'w0' || id === 'w1' ? 0 : 1),
    });
    expect(r.verdict.verdict).toBe('inconclusive');
    expect(r.settlement.suites[0]!.metrics[0]!.outcome).toBe('inconclusive');
    const reason = r.verdict.reasons.find((x) => x.metric === 'passRate')!;
    expect(reason.level).toBe('inconclusive');
    expect(reason.message).toMatch(/re-sampling did not settle it/);
  });

  it('does not claim no change from fewer than three re-sampled cases', async () => {
    const r = await settle(policyWith({ resample: { callBudget: 12 } }), {
      baseline: passes,
      current: passes,
    });
    expect(r.requested[0]).toHaveLength(2);
    expect(r.settlement.suites[0]!.metrics[0]).toMatchObject({
      outcome: 'inconclusive',
      stage2: { verdict: 'unchanged' },
    });
    expect(r.verdict.verdict).toBe('inconclusive');
    expect(r.verdict.reasons[0]!.message).toMatch(/3 re-sampled cases are the least/);
  });

  it('spends nothing when the budget does not cover one case, or nothing is inconclusive', async () => {
    const r = await settle(policyWith({ resample: { callBudget: 5 } }), {
      baseline: passes,
      current: passes,
    });
    expect(r.requested).toHaveLength(0);
    expect(r.settlement.status).toBe('no-budget');
    expect(r.verdict).toBe(r.before);
  });

  it('spends nothing when the gate already fails on something re-sampling cannot change', async () => {
    const { baseline, current } = stage1Docs();
    const policy = policyWith(ON);
    const comparison = compare(baseline, current, { thresholds: stageOnePolicy(policy) });
    const stage1 = gate(comparison, stageOnePolicy(policy));
    const blocker = {
      level: 'fail',
      code: 'blocker-regressed',
      suite: 'support',
      case: 's000',
      message: 'x',
    } as const;
    const verdict = { ...stage1, verdict: 'fail' as const, reasons: [blocker, ...stage1.reasons] };
    const { sampleArms, requested } = fresh({ baseline: passes, current: passes });
    const r = await settleInconclusive({
      comparison,
      verdict,
      policy,
      sampleArms,
    });
    expect(requested).toHaveLength(0);
    expect(r.settlement.status).toBe('decided');
    expect(r.verdict).toBe(verdict);
  });

  it('keeps the stage-1 verdict when stage 2 cannot run', async () => {
    const { baseline, current } = stage1Docs();
    const policy = policyWith(ON);
    const comparison = compare(baseline, current, { thresholds: stageOnePolicy(policy) });
    const verdict = gate(comparison, stageOnePolicy(policy));
    const r = await settleInconclusive({
      comparison,
      verdict,
      policy,
      sampleArms: () => Promise.reject(new Error('no such ref')),
    });
    expect(r.verdict).toBe(verdict);
    expect(r.settlement).toMatchObject({ status: 'failed', error: 'no such ref' });
  });
});

describe('settleCapacity: what a call budget can buy', () => {
  it('needs ⌈log₂(2/α₂)⌉ cases to confirm: 7 at the Pocock split of α = 0.05', () => {
    const cap = settleCapacity(policyWith({ resample: { callBudget: 41, samplesPerArm: 3 } }));
    expect(cap.alpha2).toBeCloseTo(0.0189, 4);
    // 2 · 2⁻⁶ = 0.031 > α₂ = 0.0189 ≥ 2 · 2⁻⁷ = 0.0156.
    expect(cap).toMatchObject({ minCases: 7, minCalls: 42, canConfirm: false });
    expect(settleCapacity(policyWith({ resample: { callBudget: 42, samplesPerArm: 3 } })).canConfirm).toBe(
      true,
    );
  });
});

describe('applySettlement: the table shows the verdict re-sampling reached', () => {
  it('marks a confirmed regression regressed and a settled one unchanged, keeping stage-1 values', async () => {
    for (const [arms, expected] of [
      [{ baseline: passes, current: (id: string) => (id.startsWith('w') ? 0 : 1) }, 'regressed'],
      [{ baseline: passes, current: passes }, 'unchanged'],
    ] as const) {
      const r = await settle(policyWith(ON), arms);
      const before = r.comparison.suites[0]!.metrics.find((m) => m.metric === 'passRate')!;
      expect(before.verdict).toBe('inconclusive');
      const shown = applySettlement(r.comparison, r.settlement).suites[0]!.metrics.find(
        (m) => m.metric === 'passRate',
      )!;
      expect(shown).toMatchObject({
        verdict: expected,
        settledBy: 'resampling',
        baseline: before.baseline,
        current: before.current,
      });
      expect(shown.reason).toMatch(/by re-sampling 14 discordant cases/);
    }
  });
});
