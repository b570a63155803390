/**
 * Seeded simulations of the gate on synthetic suites, for the tests that hold it to its
 * false-alarm rate and power (simulation-*.test.ts). Not used at run time.
 */
import { compare } from '../../src/compare/compare.js';
import { createRng } from '../../src/compare/stats/rng.js';
import { realisticPassProbabilities, syntheticResults } from './synthetic.js';
import { gate } from '../../src/gate/gate.js';
import { defaultGatePolicy } from '../../src/gate/schema.js';

export interface SimulationOptions {
  trials: number;
  cases: number;
  /** Samples per case. */
  repeat: number;
  /** Cases that go from reliably passing (p ≥ 0.97) to reliably failing (p = 0.01) in the "regressed" arm. */
  regressed: number;
  seed: number;
}

export interface SimulationResult {
  /** Share of A/A trials (both arms from the same probabilities) where the gate failed. */
  falseAlarms: number;
  /** Share of A/A trials whose verdict was inconclusive (never a failure under the default policy). */
  inconclusive: number;
  /** Share of regressed trials where the gate failed. */
  power: number;
  /** The same two figures for a naive gate failing whenever the pass rate drops by more than 2 points. */
  naiveFalseAlarms: number;
  naivePower: number;
}

export function simulateGate(o: SimulationOptions): SimulationResult {
  const rng = createRng(o.seed);
  const policy = defaultGatePolicy();
  // The bootstrap interval decides only unchanged vs inconclusive, never fail, so fewer
  // resamples than the default leave every figure here unchanged and keep the run short.
  const options = { thresholds: policy, bootstrapResamples: 200 };
  let falseAlarms = 0;
  let inconclusive = 0;
  let power = 0;
  let naiveFalseAlarms = 0;
  let naivePower = 0;
  for (let t = 0; t < o.trials; t++) {
    const p = realisticPassProbabilities(o.cases, rng);
    const cases = p.map((pass, i) => ({ id: `case-${i}`, pass }));
    const reliable = new Set(p.flatMap((x, i) => (x >= 0.97 ? [i] : [])).slice(0, o.regressed));
    const broken = cases.map((c, i) => (reliable.has(i) ? { ...c, pass: 0.01 } : c));
    const doc = (cs: typeof cases) =>
      syntheticResults({ suites: [{ id: 'suite', repeat: o.repeat, cases: cs }] }, rng);
    const baseline = doc(cases);
    const same = doc(cases);
    const worse = doc(broken);

    const aa = gate(compare(baseline, same, options), policy).verdict;
    if (aa === 'fail') falseAlarms++;
    if (aa === 'inconclusive') inconclusive++;
    if (gate(compare(baseline, worse, options), policy).verdict === 'fail') power++;

    const rate = (d: typeof baseline) => d.suites[0]!.metrics.passRate ?? 0;
    if (rate(baseline) - rate(same) > 0.02) naiveFalseAlarms++;
    if (rate(baseline) - rate(worse) > 0.02) naivePower++;
  }
  const share = (n: number) => n / o.trials;
  return {
    falseAlarms: share(falseAlarms),
    inconclusive: share(inconclusive),
    power: share(power),
    naiveFalseAlarms: share(naiveFalseAlarms),
    naivePower: share(naivePower),
  };
}
