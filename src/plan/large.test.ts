import { rmSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateLargeRepo } from '../../test/helpers/git.js';
import { planFromGit } from './plan.js';

describe('plan at scale', () => {
  it('plans 2,000 prompt files and 200 suites against a 500-file diff', async () => {
    const large = generateLargeRepo();
    onTestFinished(() => rmSync(large.repo.dir, { recursive: true, force: true }));
    expect(large.promptFiles).toBe(2000);
    expect(large.changedFiles).toBe(500);
    // Correctness only: `npm run bench` times it.
    const plan = await planFromGit({ cwd: large.repo.dir, base: large.base, head: large.head });
    expect(plan.files).toHaveLength(500);
    expect(plan.suites.map((s) => s.id)).toEqual(large.expectedSuites);
    expect(plan.suites.length + plan.unaffected.length).toBe(200);
    // 40 prompt changes and 20 model changes; 20 prompt changes that send the same bytes; the
    // 420 comment-only edits change nothing.
    expect(large.noEffectChanges).toBe(20);
    expect(plan.changes.map((c) => c.kind).sort()).toEqual(
      [...Array(60).fill('prompt'), ...Array(20).fill('model')].sort(),
    );
    // Every target has one suite of two cases: its two requests are rendered at base and head.
    const effects = plan.changes.map((c) => [c.kind, c.effect, c.requests?.total, c.requests?.changed]);
    expect(effects.filter(([, effect]) => effect === 'changed')).toHaveLength(60);
    expect(effects.filter(([, effect]) => effect === 'none')).toEqual(
      Array(20).fill(['prompt', 'none', 2, 0]),
    );
    expect(
      effects.filter(([, effect]) => effect === 'changed').every(([, , t, c]) => t === 2 && c === 2),
    ).toBe(true);
    expect(plan.summary).toBe(
      `${large.expectedSuites.length} of 200 suites affected by 60 changes; 20 changes with no effective change (${plan.changes
        .filter((c) => c.effect === 'none')
        .map((c) => `${c.component}: every one of 2 rendered requests is byte-identical`)
        .join('; ')})`,
    );
    expect(plan.files.filter((f) => f.components.length === 0 && !f.unclassified)).toHaveLength(420);
    expect(plan.suites.find((s) => s.id === 's010')!.reasons).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'component', component: 't010.prompt' })]),
    );
    expect(plan.suites.find((s) => s.id === 's190')!.reasons.map((r) => r.type)).toEqual(
      Array(20).fill('safety'),
    );
    expect(Object.keys(plan.components)).toHaveLength(400);
    expect(plan.warnings).toEqual([]);
    // Generating 2,000 files and a 500-file commit is git work: on a busy machine it outlasts the default.
  }, 120_000);
});
