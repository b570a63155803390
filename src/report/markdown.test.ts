import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compare } from '../compare/compare.js';
import { createRng } from '../compare/stats/rng.js';
import { syntheticResults, type SyntheticCase, type SyntheticRun } from '../../test/kits/synthetic.js';
import { gate } from '../gate/gate.js';
import { GatePolicySchema } from '../gate/schema.js';
import { renderComparisonMarkdown } from './markdown.js';

/**
 * Golden files: the exact markdown a reviewer sees for a few fixed comparisons, committed
 * so a diff shows how the report changed. `UPDATE_GOLDEN=1 npx vitest run src/report`
 * rewrites them; otherwise they must match byte for byte.
 */
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

function render(base: SyntheticRun, cur: SyntheticRun, policy: unknown = {}): string {
  const p = GatePolicySchema.parse(policy);
  const rng = createRng(2024);
  const comparison = compare(syntheticResults(base, rng), syntheticResults(cur, rng), {
    thresholds: p,
    staleAfterDays: p.baseline.maxAgeDays,
  });
  return renderComparisonMarkdown(comparison, gate(comparison, p));
}

const stable = (n: number, prefix: string, extra: Partial<SyntheticCase> = {}): SyntheticCase[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${String(i + 1).padStart(3, '0')}`,
    pass: i % 17 === 5 ? 0 : 1,
    latencyMs: 800 + (i % 7) * 50,
    tokens: 420,
    cost: 0.0006,
    ...extra,
  }));

const HOSTILE_REASON =
  'expected a refusal, got instructions <script>alert(1)</script> cc @octocat #12 ![px](https://evil.example/p.png) | x\n# Injected heading\n```';
const HOSTILE_OUTPUT = 'Sure! Here is how </details> ``` @everyone';

describe('renderComparisonMarkdown (golden)', () => {
  it('pass: nothing moved', () => {
    const run = (id: string, finishedAt: string): SyntheticRun => ({
      id,
      finishedAt,
      gitSha:
        id === 'base'
          ? '3f0d6347f27e22e8eb62b6d43fb408fd3d734928'
          : 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      suites: [
        { id: 'support', cases: stable(150, 'support') },
        { id: 'tone', tier: 'monitoring', repeat: 3, cases: stable(30, 'tone', { judge: 0.8, pass: 0.9 }) },
      ],
    });
    golden('pass', render(run('base', '2026-01-14T09:30:00.000Z'), run('head', '2026-01-15T12:00:00.000Z')));
  });

  it('fail: a blocker and a regression, with hostile model output', () => {
    const base: SyntheticRun = {
      id: 'base',
      finishedAt: '2026-01-13T08:00:00.000Z',
      gitSha: '3f0d6347f27e22e8eb62b6d43fb408fd3d734928',
      model: 'gpt-4o-mini',
      components: { 'prompt:support': { kind: 'prompt', version: 'p-1a2b' } },
      suites: [
        {
          id: 'support',
          cases: [
            { id: 'refund-policy', pass: 1, blocker: true, latencyMs: 900 },
            { id: 'weird|id`x', pass: 1, latencyMs: 900 },
            { id: 'retired-case', pass: 1, latencyMs: 900 },
            ...stable(150, 'support'),
          ],
        },
        { id: 'tone', tier: 'monitoring', cases: stable(40, 'tone') },
      ],
    };
    const broken = new Set([
      'support-001',
      'support-002',
      'support-003',
      'support-004',
      'support-005',
      'support-008',
      'support-009',
      'support-010',
      'support-011',
      'support-012',
      'support-013',
      'support-014',
      'support-015',
      'support-016',
      'support-017',
      'support-018',
    ]);
    const cur: SyntheticRun = {
      ...base,
      id: 'head',
      finishedAt: '2026-01-15T12:00:00.000Z',
      gitSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      model: 'gpt-4.1-mini',
      components: { 'prompt:support': { kind: 'prompt', version: 'p-9f8e' } },
      suites: [
        {
          id: 'support',
          cases: [
            {
              id: 'refund-policy',
              pass: 0,
              blocker: true,
              latencyMs: 1400,
              failReason: HOSTILE_REASON,
              output: HOSTILE_OUTPUT,
            },
            {
              id: 'weird|id`x',
              pass: 0,
              latencyMs: 1400,
              failReason: 'expected "5 days", got "@admin can refund | anything"',
            },
            { id: 'new-case', pass: 0, latencyMs: 1400 },
            ...stable(150, 'support', { latencyMs: 1400 }).map((c) =>
              broken.has(c.id)
                ? { ...c, pass: 0, failReason: `expected the policy answer, got a guess (${c.id})` }
                : c,
            ),
          ],
        },
        { id: 'tone', tier: 'monitoring', cases: stable(40, 'tone') },
      ],
    };
    const md = render(base, cur);
    golden('fail', md);
    expect(md).not.toMatch(/<script|@octocat|@everyone|@admin|!\[px\]|\n# Injected/);
  });

  it('inconclusive: a changed suite, a stale baseline, suites added and removed', () => {
    const base: SyntheticRun = {
      id: 'base-old',
      finishedAt: '2025-11-20T10:00:00.000Z',
      evalgateVersion: '0.0.9',
      suites: [
        { id: 'support', contentHash: 'c0ffee', cases: stable(60, 'support') },
        { id: 'legacy', cases: stable(12, 'legacy', { blocker: true }) },
      ],
    };
    const cur: SyntheticRun = {
      id: 'head',
      finishedAt: '2026-01-15T12:00:00.000Z',
      suites: [
        { id: 'support', contentHash: 'decaf0', cases: stable(64, 'support') },
        { id: 'safety', kind: 'safety', cases: stable(20, 'safety', { blocker: true, pass: 1 }) },
      ],
    };
    golden('inconclusive', render(base, cur));
  });
});
