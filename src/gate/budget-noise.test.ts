import { describe, expect, it } from 'vitest';
import { compare } from '../compare/compare.js';
import { createRng, type Rng } from '../compare/stats/rng.js';
import { syntheticResults } from '../../test/kits/synthetic.js';
import { gate } from './gate.js';
import { GatePolicySchema, type GatePolicy } from './schema.js';

/**
 * Budgets must stay quiet on noise and still catch a real regression. Each trial draws two
 * independent runs of a 100-case suite, the way a local mock target's timings wander
 * between identical runs: each case has its own typical latency (lognormal around 50 ms,
 * σ = 0.5 on the log scale), each run draws it afresh around that (σ = 0.3), the whole run
 * is slower or faster with the machine's load (σ = 0.15), and each sample jitters ±25%.
 */
const CASES = 100;
const TRIALS = 200;

function lognormal(rng: Rng, median: number, sigma: number): number {
  // Box–Muller.
  const u = 1 - rng.next();
  const v = rng.next();
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

function latencyRun(rng: Rng, typical: number[], factor: number) {
  const load = lognormal(rng, 1, 0.15);
  const cases = typical.map((t, i) => ({
    id: `c${i}`,
    pass: 1,
    latencyMs: lognormal(rng, t, 0.3) * load * factor,
  }));
  return syntheticResults({ suites: [{ id: 's', cases }] }, rng);
}

function trialRuns(trial: number, factor: number) {
  const rng = createRng(`latency-budget:${trial}`);
  const typical = Array.from({ length: CASES }, () => lognormal(rng, 50, 0.5));
  return { base: latencyRun(rng, typical, 1), cur: latencyRun(rng, typical, factor) };
}

/** Share of trials whose p95-latency budget trips (warn), and share with only a note. */
function tripRate(factor: number, policy: GatePolicy) {
  let tripped = 0;
  let noted = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const { base, cur } = trialRuns(trial, factor);
    const reasons = gate(
      compare(base, cur, { seed: trial, bootstrapResamples: 1000 }),
      policy,
    ).reasons.filter((r) => r.code === 'budget-relative' && r.metric === 'latencyP95');
    if (reasons.some((r) => r.level !== 'info')) tripped++;
    else if (reasons.length) noted++;
  }
  return { tripped: tripped / TRIALS, noted: noted / TRIALS };
}

/** The old rule, for the record: point p95 up more than 25%, no floor, no test. */
function naiveRate(): number {
  let tripped = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const { base, cur } = trialRuns(trial, 1);
    const c = compare(base, cur, { seed: trial, bootstrapResamples: 200 });
    const u = c.suites[0]!.usage.latencyMs;
    if (u.current!.p95 > u.baseline!.p95 * 1.25) tripped++;
  }
  return tripped / TRIALS;
}

describe('latency budget: noise versus a real regression (100 cases, 200 seeded trials)', () => {
  const defaults = GatePolicySchema.parse({});
  const testOnly = GatePolicySchema.parse({
    budgets: { latencyP95: { maxIncreasePct: 0, minAbsoluteIncrease: 0 } },
  });

  it('stays quiet on two identical runs: at most 5% warn with the default budget', () => {
    const aa = tripRate(1, defaults);
    const naive = naiveRate();
    // The bootstrap alone (no floors: trips when the lower bound is above 0) resamples cases,
    // so it cannot see the run-wide load drift; that is what the absolute floor is for.
    const bare = tripRate(1, testOnly);
    console.log(
      `A/A p95 latency: old rule (>25%, no test) ${(100 * naive).toFixed(1)}%; default budget ${(100 * aa.tripped).toFixed(1)}% warn, ${(100 * aa.noted).toFixed(1)}% note; bootstrap without floors ${(100 * bare.tripped).toFixed(1)}%`,
    );
    // The simulation does reproduce the problem: the old rule fired on noise.
    expect(naive).toBeGreaterThan(0.1);
    expect(aa.tripped).toBeLessThanOrEqual(0.05);
  });

  it('trips on a real +100% latency regression, and nearly always on +200%', () => {
    const doubled = tripRate(2, defaults);
    const tripled = tripRate(3, defaults);
    console.log(
      `p95 latency: default budget trips on +100% in ${(100 * doubled.tripped).toFixed(1)}%, on +200% in ${(100 * tripled.tripped).toFixed(1)}%`,
    );
    // The p95 of 100 cases rests on its top five: at 95% confidence that the increase is
    // over the budget, a doubling is caught about 3 times in 4.
    expect(doubled.tripped).toBeGreaterThanOrEqual(0.7);
    expect(tripled.tripped).toBeGreaterThanOrEqual(0.95);
  });
});
