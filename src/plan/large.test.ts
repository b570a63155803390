import { describe, expect, it } from 'vitest';
import { generateLargeRepo } from '../../test/helpers/git.js';
import { planFromGit } from './plan.js';

describe('plan at scale', () => {
  it('plans 2,000 prompt files and 200 suites against a 500-file diff', async () => {
    const large = generateLargeRepo();
    expect(large.promptFiles).toBe(2000);
    expect(large.changedFiles).toBe(500);
    // Correctness only: `npm run bench` times it.
    const plan = await planFromGit({ cwd: large.repo.dir, base: large.base, head: large.head });
    expect(plan.files).toHaveLength(500);
    expect(plan.suites.map((s) => s.id)).toEqual(large.expectedSuites);
    expect(plan.suites.length + plan.unaffected.length).toBe(200);
    // 40 prompt changes and 20 model changes; the 440 whitespace-only edits change nothing.
    expect(plan.changes.map((c) => c.kind).sort()).toEqual(
      [...Array(40).fill('prompt'), ...Array(20).fill('model')].sort(),
    );
    expect(plan.files.filter((f) => f.components.length === 0 && !f.unclassified)).toHaveLength(440);
    expect(plan.suites.find((s) => s.id === 's010')!.reasons).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'component', component: 't010.prompt' })]),
    );
    expect(plan.suites.find((s) => s.id === 's190')!.reasons.map((r) => r.type)).toEqual(
      Array(20).fill('safety'),
    );
    expect(Object.keys(plan.components)).toHaveLength(400);
    expect(plan.warnings).toEqual([]);
  });
});
