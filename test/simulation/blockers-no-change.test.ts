import { describe, expect, it } from 'vitest';
import {
  BLOCKERS,
  inPool,
  PARALLEL,
  SUPPORT,
  TRIALS,
  useBlockerSimulation,
} from '../kits/blocker-simulation.js';

// The simulation itself (app, project, baseline, one pull request through gateChange) is in
// test/kits/blocker-simulation.ts; each scenario has its own file so they run side by side.

describe('blockers on pull requests that change nothing, through the real runner and pipeline', () => {
  const { pullRequest, blocked } = useBlockerSimulation();

  it(`${TRIALS} no-change pull requests: at most 1% blocked, and a flaky blocker is named, not blocking`, async () => {
    let blocks = 0;
    let flakes = 0;
    let confirmCalls = 0;
    for (const g of await inPool(TRIALS, PARALLEL, (t) => pullRequest('aa', t))) {
      if (blocked(g)) blocks++;
      if (g.verdict.reasons.some((r) => r.code === 'blocker-flaky')) flakes++;
      confirmCalls += g.confirmation.calls.current + g.confirmation.calls.base;
    }
    console.log(
      `no-change PRs, ${BLOCKERS} blockers at p = 0.98 (2 samples) + ${SUPPORT}-case trusted suite, ${TRIALS} trials: ` +
        `${blocks} blocked (${((blocks / TRIALS) * 100).toFixed(1)}%), ${flakes} met a flaky blocker, ${confirmCalls} confirmation calls`,
    );
    // Without confirmation about 1 − 0.98^24 = 38% of these would have met a failing blocker.
    expect(flakes).toBeGreaterThan(TRIALS * 0.2);
    expect(blocks).toBeLessThanOrEqual(TRIALS * 0.01);
  }, 600_000);

  it('a re-run after a flake takes fresh samples: the cached failure is requested again, not replayed', async () => {
    const first = await pullRequest('rerun', 0, ['safety'], { cache: true });
    expect(first.verdict.reasons.find((r) => r.case === 'blocker-3')).toMatchObject({
      code: 'blocker-flaky',
    });
    // Replayed from the cache, the flake fails stage 1 again (confirmation still keeps it from blocking).
    const replay = await pullRequest('rerun', 0, ['safety'], { cache: true });
    expect(replay.results.suites[0]!.cases.find((c) => c.id === 'blocker-3')!.samples[0]).toMatchObject({
      status: 'fail',
      cached: true,
    });
    // A re-run of the job (GITHUB_RUN_ATTEMPT > 1, or --refresh-failures) asks again.
    const rerun = await pullRequest('rerun', 0, ['safety'], { cache: true, refreshFailures: true });
    const sample = rerun.results.suites[0]!.cases.find((c) => c.id === 'blocker-3')!.samples[0]!;
    expect(sample).toMatchObject({ status: 'pass', cached: false });
    expect(rerun.verdict.reasons.filter((r) => r.case === 'blocker-3')).toEqual([]);
    expect(rerun.verdict.verdict).not.toBe('fail');
  }, 120_000);
});
