/**
 * Seeded simulation of sequential sampling (src/gate/sequential.ts) against fixed repeats, on
 * the realistic case mix of the other gate simulations: per trial one suite of `cases` cases
 * (most near 0 or 1, 15% flaky), a baseline of one sample per case, and two changes — A/A (the
 * same probabilities) and `broken` reliably passing cases (p ≥ 0.97) breaking to p = 0.02.
 * Fresh samples come straight from the true probabilities, as re-running the cases would give,
 * and go through the shipped rounds (`sampleSequentially`: its planner, budget and stopping
 * rule, not a copy of its loop), the real comparison and the real gate. Used by
 * src/gate/simulation-sequential.test.ts (small) and scripts/gate-sequential.mjs (the
 * README's table). Not used at run time.
 */
import { compare } from '../../src/compare/compare.js';
import { createRng, type Rng } from '../../src/compare/stats/rng.js';
import { gate } from '../../src/gate/gate.js';
import { defaultGatePolicy } from '../../src/gate/schema.js';
import { sampleSequentially, type SequentialSampling } from '../../src/gate/sequential.js';
import type { ResultsDocument } from '../../src/results/types.js';
import { realisticPassProbabilities, syntheticResults } from './synthetic.js';

export interface SequentialSimulationOptions extends SequentialSampling {
  trials: number;
  cases: number;
  broken: number;
  seed: number;
  /** Bootstrap resamples of the comparison; the interval only separates pass from inconclusive. */
  bootstrapResamples?: number;
}

export interface ArmRates {
  trials: number;
  blocked: number;
  inconclusive: number;
  /** Model calls per trial, both arms, the first samples included; the baseline's own are not counted. */
  calls: number;
}

export interface Row {
  aa: ArmRates;
  power: ArmRates;
}

export interface SequentialSimulationResult {
  sequential: Row;
  repeat1: Row;
  repeat3: Row;
}

const empty = (): ArmRates => ({ trials: 0, blocked: 0, inconclusive: 0, calls: 0 });

export async function simulateSequential(
  o: SequentialSimulationOptions,
): Promise<SequentialSimulationResult> {
  const rng = createRng(o.seed);
  const policy = defaultGatePolicy();
  const options = { thresholds: policy, bootstrapResamples: o.bootstrapResamples ?? 200 };
  const out: SequentialSimulationResult = {
    sequential: { aa: empty(), power: empty() },
    repeat1: { aa: empty(), power: empty() },
    repeat3: { aa: empty(), power: empty() },
  };
  const tally = (r: ArmRates, baseline: ResultsDocument, current: ResultsDocument, calls: number) => {
    const v = gate(compare(baseline, current, options), policy).verdict;
    r.trials++;
    if (v === 'fail') r.blocked++;
    if (v === 'inconclusive') r.inconclusive++;
    r.calls += calls;
  };

  for (let t = 0; t < o.trials; t++) {
    const p = realisticPassProbabilities(o.cases, rng);
    const reliable = new Set(p.flatMap((x, i) => (x >= 0.97 ? [i] : [])).slice(0, o.broken));
    const q = p.map((x, i) => (reliable.has(i) ? 0.02 : x));
    const base1 = draw(p, 1, rng);
    const base3 = draw(p, 3, rng);
    for (const [arm, probs] of [
      ['aa', p],
      ['power', q],
    ] as const) {
      const first = draw(probs, 1, rng);
      tally(out.repeat1[arm], base1, first, o.cases);
      tally(out.repeat3[arm], base3, draw(probs, 3, rng), 3 * o.cases);
      const s = await runSequential(base1, first, p, probs, o, rng);
      tally(out.sequential[arm], s.baseline, s.current, o.cases + s.extraCalls);
    }
  }
  for (const row of Object.values(out))
    for (const r of [row.aa, row.power]) r.calls = r.trials ? r.calls / r.trials : 0;
  return out;
}

/**
 * The sequential rounds of one suite, run by the shipped `sampleSequentially`; each round's
 * fresh samples are drawn from the true probabilities. Extra calls and rounds are what it
 * reports. A round that did not run as asked (status other than `ran`) throws: the simulation
 * must not tally a trial the product would have flagged.
 */
export async function runSequential(
  baseline: ResultsDocument,
  current: ResultsDocument,
  baseP: readonly number[],
  curP: readonly number[],
  o: SequentialSampling,
  rng: Rng,
): Promise<{ baseline: ResultsDocument; current: ResultsDocument; extraCalls: number; rounds: number }> {
  const out = await sampleSequentially({
    baseline,
    current,
    suites: ['suite'],
    baseArm: true,
    sampling: () => ({ mode: 'sequential', maxSamples: o.maxSamples, callBudget: o.callBudget }),
    sampleRound: async (cases) => {
      const idx = cases.map((c) => Number(c.case.slice('case-'.length)));
      return { baseline: draw(baseP, 1, rng, idx), current: draw(curP, 1, rng, idx) };
    },
  });
  const { report } = out;
  if (report.status !== 'ran' || report.suites.length !== 1)
    throw new Error(
      `sequential rounds did not run: ${report.status}${report.error ? ` (${report.error})` : ''}`,
    );
  return {
    baseline: out.baseline,
    current: out.current,
    extraCalls: report.calls.extra,
    rounds: report.rounds,
  };
}

function draw(probs: readonly number[], repeat: number, rng: Rng, only?: number[]): ResultsDocument {
  const ids = only ?? probs.map((_, i) => i);
  return syntheticResults(
    { suites: [{ id: 'suite', repeat, cases: ids.map((i) => ({ id: `case-${i}`, pass: probs[i]! })) }] },
    rng,
  );
}
