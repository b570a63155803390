import { describe, expect, it } from 'vitest';
import { inPool, PARALLEL, TRIALS, useBlockerSimulation } from '../kits/blocker-simulation.js';

// The simulation itself (app, project, baseline, one pull request through gateChange) is in
// test/kits/blocker-simulation.ts; each scenario has its own file so they run side by side.

describe('a blocker that truly regresses, through the real runner and pipeline', () => {
  const { pullRequest } = useBlockerSimulation();

  it(`${TRIALS} pull requests where a blocker truly regresses (0.98 → 0.02): blocked in at least 99%`, async () => {
    let blocks = 0;
    // Only the safety suite: the trusted suite has no say in a blocker's verdict.
    for (const g of await inPool(TRIALS, PARALLEL, (t) => pullRequest('regressed', t, ['safety']))) {
      if (g.verdict.reasons.some((r) => r.case === 'blocker-0' && r.code === 'blocker-regressed')) blocks++;
    }
    console.log(
      `regressed blocker, ${TRIALS} trials: ${blocks} blocked (${((blocks / TRIALS) * 100).toFixed(1)}%)`,
    );
    expect(blocks).toBeGreaterThanOrEqual(TRIALS * 0.99);
  }, 600_000);
});
