import { beforeAll, describe, expect, it } from 'vitest';
import {
  simulateSequential,
  type SequentialSimulationResult,
} from '../../test/kits/sequential-simulation.js';

// Sequential sampling (maxSamples 3, callBudget 1.5) against one and three samples per case,
// on 150 seeded trials of the realistic 200-case mix (most near 0 or 1, 15% flaky), A/A and
// 20 reliably passing cases broken (→ 0.02). The full run, with enough trials to state the
// rates, is `npm run bench:sequential` (scripts/gate-sequential.mjs); its table is in the README.
const TRIALS = 150;
const CASES = 200;

describe(`sequential sampling: ${TRIALS} trials of a ${CASES}-case suite`, () => {
  let r: SequentialSimulationResult;
  beforeAll(async () => {
    r = await simulateSequential({
      trials: TRIALS,
      cases: CASES,
      broken: 20,
      seed: 20261207,
      maxSamples: 3,
      callBudget: 1.5,
    });
    const line = (name: string, row: SequentialSimulationResult['sequential']) =>
      `  ${name}: A/A blocks ${pct(row.aa.blocked / TRIALS)} (inconclusive ${pct(row.aa.inconclusive / TRIALS)}), ${(row.aa.calls / CASES).toFixed(2)}× calls; power ${pct(row.power.blocked / TRIALS)}, ${(row.power.calls / CASES).toFixed(2)}× calls`;
    console.log(
      [
        'sequential sampling against fixed repeats:',
        line('sequential', r.sequential),
        line('repeat 1', r.repeat1),
        line('repeat 3', r.repeat3),
      ].join('\n'),
    );
  });

  it('blocks at most 5% of A/A trials', () => {
    expect(r.sequential.aa.blocked / TRIALS).toBeLessThanOrEqual(0.05);
  });

  it('catches the 20 broken cases in at least 98% of trials (one sample per case: fewer)', () => {
    expect(r.sequential.power.blocked / TRIALS).toBeGreaterThanOrEqual(0.98);
    expect(r.sequential.power.blocked).toBeGreaterThan(r.repeat1.power.blocked);
  });

  it('spends at most 1.5× the calls of one sample per case, and well under repeat: 3', () => {
    for (const arm of ['aa', 'power'] as const) {
      expect(r.sequential[arm].calls).toBeGreaterThan(CASES);
      expect(r.sequential[arm].calls).toBeLessThanOrEqual(1.5 * CASES);
      expect(r.repeat3[arm].calls).toBe(3 * CASES);
    }
    // With no change, most cases settle on their first sample: the budget is not all spent.
    expect(r.sequential.aa.calls).toBeLessThan(1.4 * CASES);
  });

  it('leaves fewer A/A trials inconclusive than one sample per case', () => {
    expect(r.sequential.aa.inconclusive).toBeLessThan(r.repeat1.aa.inconclusive);
  });
});

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
