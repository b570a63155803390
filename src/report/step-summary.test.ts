import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SyntheticRun } from '../../test/kits/synthetic.js';
import { renderStepSummary } from './step-summary.js';
import {
  LINKS,
  nothingAffected,
  pipeline,
  plan,
  promptRegression,
  structureProblems,
} from '../../test/kits/pr-fixtures.js';

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

const bytes = (t: string) => Buffer.byteLength(t, 'utf8');
const links = { checkRun: LINKS.checkRun, artifact: LINKS.artifact, run: LINKS.run };

describe('renderStepSummary', () => {
  it('renders the PR report without the comment marker (golden)', () => {
    const md = renderStepSummary({ ...promptRegression(), links });
    golden('step-summary-regression', md);
    expect(md.startsWith('## ❌ evalgate: fail\n')).toBe(true);
    expect(structureProblems(md, { links: Object.values(links) })).toEqual([]);
  });

  it('renders a nothing-affected plan', () => {
    const md = renderStepSummary({ ...nothingAffected(), links: LINKS });
    expect(md).not.toContain(LINKS.stepSummary);
    expect(md).toContain('**Why:** nothing evaluated is affected by this change');
    expect(md).toContain('**Change:** nothing evaluated changed (1 changed file');
  });

  it('measures bytes, not characters', () => {
    const f = promptRegression();
    const full = renderStepSummary({ ...f, links });
    expect(bytes(full)).toBeGreaterThan(full.length);
    // Fits by characters, not by bytes: must be shortened, and point at the artifact only.
    const cut = renderStepSummary({ ...f, links, maxBytes: full.length });
    expect(bytes(cut)).toBeLessThanOrEqual(full.length);
    expect(cut).toContain(`> ✂️ **Shortened** to fit the ${full.length.toLocaleString('en-US')}-byte limit`);
    expect(cut).toContain(`The full report is in [the artifact](${links.artifact}).`);
    expect(cut).not.toMatch(/the step summary|job's step summary/);
  });

  it('keeps a report of thousands of failing blockers with emoji-heavy reasons under 1 MiB', () => {
    const suites = (broken: boolean): SyntheticRun['suites'] =>
      Array.from({ length: 25 }, (_, s) => ({
        id: `suite-${s}`,
        cases: Array.from({ length: 120 }, (_, i) => ({
          id: `blocker-${s}-${i}-${'🧨'.repeat(40)}`,
          blocker: true,
          pass: broken ? 0 : 1,
          failReason: `${'💥'.repeat(200)} @team ![x](https://evil.example/p.png)`,
          output: `\`\`\`\n${'🔥'.repeat(5000)}\n</details>`,
        })),
      }));
    const f = pipeline({ id: 'base', suites: suites(false) }, { id: 'head', suites: suites(true) });
    const md = renderStepSummary({ ...f, plan: plan({}), links });
    expect(bytes(md)).toBeLessThanOrEqual(1_048_576);
    expect(bytes(md)).toBeGreaterThan(md.length);
    // Every table is capped, so even 3,000 failing blockers fit whole: the rest are counted.
    expect(md).toContain('### ❌ Blocker failures (3000)');
    expect(md).toContain('…and 2975 more blocker failures: 95 in `suite-0`, 120 in `suite-1`,');
    const cut = renderStepSummary({ ...f, plan: plan({}), links, maxBytes: 60_000 });
    expect(bytes(cut)).toBeLessThanOrEqual(60_000);
    expect(cut).toContain('-byte limit of a step summary');
    expect(structureProblems(cut, { links: Object.values(links) })).toEqual([]);
    expect(structureProblems(md, { links: Object.values(links) })).toEqual([]);
  });
});
