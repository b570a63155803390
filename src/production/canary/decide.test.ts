import { describe, expect, it } from 'vitest';
import { simulateArm, type ArmSpec } from '../../../test/helpers/canary-sim.js';
import { decideCanary, type CanaryDecision } from './decide.js';
import { RolloutSchema, type RolloutConfig } from './rollout-schema.js';

/** Tolerances a team might declare; the A/A runs use tighter ones (zero tolerance), the worst case for false rollbacks. */
const ROLLOUT: RolloutConfig = RolloutSchema.parse({
  alpha: 0.05,
  triggers: {
    errorRate: { maxRatio: 1, minRecords: 200 },
    safetyEvents: { maxRatio: 1, minRecords: 200 },
    refusalRate: { maxIncrease: 0.02, minRecords: 200 },
    negativeFeedback: { maxIncrease: 0.05, minRecords: 100 },
    p95LatencyMs: { maxIncrease: 0.2, minRecords: 200 },
    costPerInteraction: { maxIncrease: 0.1, minRecords: 200 },
  },
});

const ids = (look: number) => ({ canary: 'canary', control: 'control', look });

/** Looks at every batch until a decision other than continue; the decision and its look. */
function watch(
  seed: number,
  canary: ArmSpec,
  control: ArmSpec,
  options: { looks: number; batch: number; rollout?: RolloutConfig },
): { decision: CanaryDecision; look: number } {
  const k = simulateArm(seed, options.looks * options.batch, 'canary', canary);
  const c = simulateArm(seed + 1_000_003, options.looks * options.batch, 'control', control);
  let decision!: CanaryDecision;
  for (let look = 1; look <= options.looks; look++) {
    const n = look * options.batch;
    decision = decideCanary(k.slice(0, n), c.slice(0, n), options.rollout ?? ROLLOUT, ids(look));
    if (decision.decision !== 'continue') return { decision, look };
  }
  return { decision, look: options.looks };
}

describe('decideCanary', () => {
  it('A/A under 20 looks: false rollbacks stay at or below alpha, even with no degradation tolerated', () => {
    // Zero tolerance on every trigger: the hardest case for false rollbacks (any noise
    // upwards is "beyond tolerance" if believed). 150 seeded canaries, 20 looks each.
    const strict = RolloutSchema.parse({
      alpha: 0.05,
      triggers: {
        errorRate: { maxRatio: 1, minRecords: 100 },
        safetyEvents: { maxRatio: 1, minRecords: 100 },
        refusalRate: { maxIncrease: 0, minRecords: 100 },
        negativeFeedback: { maxIncrease: 0, minRecords: 50 },
        p95LatencyMs: { maxIncrease: 0, minRecords: 100 },
        costPerInteraction: { maxIncrease: 0, minRecords: 100 },
      },
    });
    const runs = 150;
    let rollbacks = 0;
    for (let s = 0; s < runs; s++)
      if (
        watch(10_000 + s, {}, {}, { looks: 20, batch: 100, rollout: strict }).decision.decision === 'rollback'
      )
        rollbacks++;
    const rate = rollbacks / runs;
    console.log(`A/A, 20 looks, ${runs} canaries: false-rollback rate ${rate} (alpha 0.05)`);
    expect(rate).toBeLessThanOrEqual(0.05);
  }, 180_000);

  it('rolls back a canary with twice the error rate, naming the trigger, effect, interval and look', () => {
    const { decision, look } = watch(7, { errorRate: 0.04 }, { errorRate: 0.02 }, { looks: 50, batch: 200 });
    expect(decision.decision).toBe('rollback');
    const m = decision.metrics.find((x) => x.metric === 'errorRate')!;
    expect(m.status).toBe('rollback');
    expect(m.effect.estimate!).toBeGreaterThan(1.3);
    expect(m.effect.lower!).toBeGreaterThan(1);
    expect(m.effect.lower!).toBeLessThan(m.effect.estimate!);
    expect(decision.look).toBe(look);
    expect(decision.reasons.join('\n')).toMatch(
      /^errorRate: degraded beyond tolerance: canary [\d.]+ % vs control [\d.]+ %, effect ×[\d.]+ \(99\.17 % CS ×[\d.]+ to ×[\d.]+\)/,
    );
    console.log(`error rate ×2: rolled back at look ${look} (${decision.records.canary} canary records)`);
  });

  it('rolls back safety events against a control with none: a zero baseline is no free pass', () => {
    const { decision, look } = watch(11, { safetyRate: 0.005 }, { safetyRate: 0 }, { looks: 50, batch: 200 });
    expect(decision.decision).toBe('rollback');
    const m = decision.metrics.find((x) => x.metric === 'safetyEvents')!;
    expect(m.status).toBe('rollback');
    expect(m.control.events).toBe(0);
    expect(m.canary.events).toBeGreaterThan(0);
    expect(m.effect.estimate).toBeNull(); // infinite in JSON: null; the lower bound is finite
    expect(m.effect.lower!).toBeGreaterThan(1);
    console.log(
      `safety 0 → ${m.canary.events} events: rolled back at look ${look} (${decision.records.canary} canary records)`,
    );
  });

  it('the same handful of safety events against a zero control is a rollback at even traffic, whatever the split between looks', () => {
    // 12 events in the canary, none in control, 2,000 records each, interleaved.
    const k = simulateArm(3, 2000, 'canary', { safetyRate: 0 });
    const c = simulateArm(4, 2000, 'control', { safetyRate: 0 });
    for (let i = 0; i < 12; i++) k[100 + i * 150]!.safetyEvents = ['moderation-flagged'];
    const d = decideCanary(k, c, ROLLOUT, ids(9));
    expect(d.metrics.find((x) => x.metric === 'safetyEvents')!.status).toBe('rollback');
    expect(d.decision).toBe('rollback');
    expect(d.look).toBe(9);
    // and 3 events are not enough evidence: continue, not rollback, not promote
    const few = simulateArm(3, 2000, 'canary', { safetyRate: 0 });
    for (let i = 0; i < 3; i++) few[100 + i * 150]!.safetyEvents = ['moderation-flagged'];
    expect(
      decideCanary(few, c, ROLLOUT, ids(1)).metrics.find((x) => x.metric === 'safetyEvents')!.status,
    ).toBe('undecided');
  });

  it('rolls back a canary whose latency variance doubled while its median did not move (the p95 moved)', () => {
    const { decision, look } = watch(
      21,
      { latencySigma: 0.5 * Math.SQRT2 },
      { latencySigma: 0.5 },
      { looks: 50, batch: 200 },
    );
    expect(decision.decision).toBe('rollback');
    const m = decision.metrics.find((x) => x.metric === 'p95LatencyMs')!;
    expect(m.status).toBe('rollback');
    expect(m.test).toBe('quantile-confidence-sequence');
    expect(m.effect.lower!).toBeGreaterThan(1.2);
    console.log(
      `latency variance ×2: rolled back at look ${look} (${decision.records.canary} canary records)`,
    );
  });

  it('rolls back a 30 % cost rise against a 10 % tolerance, and not a 5 % one', () => {
    const up = watch(31, { costMean: 0.00052 }, { costMean: 0.0004 }, { looks: 20, batch: 200 });
    expect(up.decision.decision).toBe('rollback');
    expect(up.decision.metrics.find((x) => x.metric === 'costPerInteraction')!.status).toBe('rollback');
    const small = watch(32, { costMean: 0.00042 }, { costMean: 0.0004 }, { looks: 20, batch: 200 });
    expect(small.decision.decision).not.toBe('rollback');
  });

  it('low traffic is an explicit continue with the records still needed', () => {
    const k = simulateArm(41, 30, 'canary');
    const c = simulateArm(42, 150, 'control');
    const d = decideCanary(k, c, ROLLOUT, ids(1));
    expect(d.decision).toBe('continue');
    expect(d.recordsNeeded.canary).toBeGreaterThanOrEqual(170);
    expect(d.recordsNeeded.control).toBeGreaterThanOrEqual(50);
    const errors = d.metrics.find((x) => x.metric === 'errorRate')!;
    expect(errors.status).toBe('too-few');
    expect(errors.recordsNeeded).toEqual({ canary: 170, control: 50 });
    expect(errors.reason).toBe(
      'errorRate: too few records to decide: 170 more canary and 50 more control records with this field needed (minimum 200 each; 30 canary, 150 control so far)',
    );
    // no records at all: still a continue, never a promote
    const none = decideCanary([], [], ROLLOUT, ids(1));
    expect(none.decision).toBe('continue');
    expect(none.recordsNeeded).toEqual({ canary: 200, control: 200 });
  });

  it('promotes an unchanged canary once every trigger is within tolerance, and a trigger that never sees its field keeps it at continue', () => {
    const loose = RolloutSchema.parse({
      triggers: {
        errorRate: { maxRatio: 3, minRecords: 200 },
        p95LatencyMs: { maxIncrease: 0.5, minRecords: 200 },
        costPerInteraction: { maxIncrease: 0.2, minRecords: 200 },
      },
    });
    const { decision } = watch(51, {}, {}, { looks: 50, batch: 200, rollout: loose });
    expect(decision.decision).toBe('promote');
    expect(decision.metrics.every((m) => m.status === 'within')).toBe(true);
    // maxRatio 1 can never be shown within: promoteAfterRecords promotes once no trigger fired
    const strictSafety = RolloutSchema.parse({
      triggers: { safetyEvents: { maxRatio: 1, minRecords: 200 } },
      promoteAfterRecords: 5000,
    });
    const early = watch(54, {}, {}, { looks: 24, batch: 200, rollout: strictSafety });
    expect(early.decision.decision).toBe('continue');
    const late = watch(54, {}, {}, { looks: 25, batch: 200, rollout: strictSafety });
    expect(late).toMatchObject({ look: 25, decision: { decision: 'promote' } });
    expect(late.decision.reasons).toEqual([
      'promoteAfterRecords (5000) reached with no trigger rolled back; not shown within tolerance: safetyEvents',
    ]);
    const k = simulateArm(52, 3000, 'canary').map(({ costUsd: _, ...r }) => r);
    const c = simulateArm(53, 3000, 'control').map(({ costUsd: _, ...r }) => r);
    const blind = decideCanary(k, c, loose, ids(1));
    expect(blind.decision).toBe('continue');
    expect(blind.metrics.find((m) => m.metric === 'costPerInteraction')!.status).toBe('too-few');
  });
});
