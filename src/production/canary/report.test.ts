import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulateArm } from '../../../test/helpers/canary-sim.js';
import { decideCanary } from './decide.js';
import { canaryMarkdown } from './report.js';
import { RolloutSchema } from './rollout-schema.js';

/** As src/report's goldens: `UPDATE_GOLDEN=1 npx vitest run src/production/canary` rewrites them. */
function golden(name: string, actual: string): void {
  const file = new URL(`./__golden__/${name}.md`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file))
    throw new Error(`missing golden file __golden__/${name}.md: run with UPDATE_GOLDEN=1 to write it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const ROLLOUT = RolloutSchema.parse({
  triggers: {
    errorRate: { maxRatio: 1.5, minRecords: 500 },
    safetyEvents: { maxRatio: 1, minRecords: 500 },
    refusalRate: { maxIncrease: 0.02, minRecords: 500 },
    negativeFeedback: { maxIncrease: 0.05, minRecords: 200 },
    p95LatencyMs: { maxIncrease: 0.2, minRecords: 500 },
    costPerInteraction: { maxIncrease: 0.1, minRecords: 500 },
  },
});

describe('canaryMarkdown', () => {
  it('a rollback: reasons first, then every trigger with values, counts, effect, interval and tolerance', () => {
    const k = simulateArm(1, 3000, 'sys-b', { errorRate: 0.06, safetyRate: 0.006 });
    const c = simulateArm(2, 3000, 'sys-a', { safetyRate: 0 });
    golden(
      'rollback',
      canaryMarkdown(decideCanary(k, c, ROLLOUT, { canary: 'sys-b', control: 'sys-a', look: 12 })),
    );
  });

  it('low traffic: continue with the records still needed; a hostile version id stays inert', () => {
    const k = simulateArm(3, 120, 'x', {});
    const c = simulateArm(4, 400, 'sys-a', {});
    const md = canaryMarkdown(
      decideCanary(k, c, ROLLOUT, {
        canary: 'evil` <!-- x --> [link](http://e) |',
        control: 'sys-a',
        look: 1,
      }),
    );
    expect(md).not.toContain('<!--');
    golden('continue', md);
  });
});
