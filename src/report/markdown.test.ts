import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compare } from '../compare/compare.js';
import { createRng } from '../compare/stats/rng.js';
import { syntheticResults, type SyntheticCase, type SyntheticRun } from '../../test/kits/synthetic.js';
import { gate } from '../gate/gate.js';
import { GatePolicySchema } from '../gate/schema.js';
import type { GateReason, Verdict } from '../gate/types.js';
import { promptRegression } from '../../test/kits/pr-fixtures.js';
import { moreBySuite, renderComparisonMarkdown, reproduceCommand, trendChart } from './markdown.js';

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

describe('the first screen', () => {
  const regression = promptRegression();
  const c = regression.comparison!;
  const reason = (r: Partial<GateReason> & Pick<GateReason, 'code' | 'level'>): GateReason => ({
    message: r.code,
    ...r,
  });
  const verdictOf = (v: Verdict['verdict'], reasons: GateReason[]): Verdict => ({
    schemaVersion: 1,
    verdict: v,
    reasons,
    counts: { info: 0, warn: 0, inconclusive: 0, fail: reasons.length, error: 0 },
  });
  const lines = (md: string) => ({
    why: md.split('\n').find((l) => l.startsWith('**Why:**')) ?? '',
    next: md.slice(md.indexOf('**Next step:**'), md.indexOf('**Change:**')),
  });

  it('names the real cause first: failing blockers, then regressed metrics, then budgets', () => {
    const budget = reason({
      level: 'fail',
      code: 'budget-relative',
      suite: 'tone',
      message: 'p95 latency rose 40%',
    });
    const regressed = reason({
      level: 'fail',
      code: 'metric-regressed',
      suite: 'support',
      metric: 'passRate',
    });
    const blocker = reason({
      level: 'fail',
      code: 'blocker-regressed',
      suite: 'support',
      case: 'refund-policy',
    });
    // The gate's order is by severity only; the Why line orders by cause.
    const all = lines(renderComparisonMarkdown(c, verdictOf('fail', [budget, regressed, blocker])));
    expect(all.why).toBe(
      '**Why:** blocker case `support` / `refund-policy` fails (it passed on the baseline); also gating metric regressed: `support` pass rate 93.4%\u00a0→\u00a082.0%; `tone`: p95 latency rose 40%.',
    );
    expect(all.next).toContain('→ `npx evalgate run --suite support --filter id=refund-policy`');

    const noBlocker = lines(renderComparisonMarkdown(c, verdictOf('fail', [budget, regressed])));
    expect(noBlocker.why).toMatch(/^\*\*Why:\*\* gating metric regressed: `support` pass rate/);
    // The case that fell furthest in that suite (first of those that fell as far), to reproduce.
    expect(noBlocker.next).toContain('→ `npx evalgate run --suite support --filter id=refund-policy`');

    const onlyBudget = lines(renderComparisonMarkdown(c, verdictOf('fail', [budget])));
    expect(onlyBudget.why).toBe('**Why:** `tone`: p95 latency rose 40%.');
    expect(onlyBudget.next).toContain('→ `npx evalgate run --suite tone`');
  });

  it('a pass over rows that are all no clear change says so in the headline; a conclusive pass does not', () => {
    const inconclusive = structuredClone(c);
    for (const s of inconclusive.suites) for (const m of s.metrics) m.verdict = 'inconclusive';
    const md = renderComparisonMarkdown(inconclusive, verdictOf('pass', []));
    expect(md.split('\n')[0]).toBe('## ✅ evalgate: pass — no blocker failed, no clear change');
    expect(lines(md).why).toContain('no change could be shown either way');
    const settled = structuredClone(c);
    for (const s of settled.suites) for (const m of s.metrics) m.verdict = 'unchanged';
    expect(renderComparisonMarkdown(settled, verdictOf('pass', [])).split('\n')[0]).toBe(
      '## ✅ evalgate: pass',
    );
  });

  it('states the change once', () => {
    const md = renderComparisonMarkdown(c, regression.verdict);
    expect(md.split('p-1a2b').length - 1).toBe(1);
  });
});

describe('reproduceCommand', () => {
  it('uses the flags the CLI has, shell-quoted', () => {
    expect(reproduceCommand(undefined, 'support', 'refund-policy')).toBe(
      '`npx evalgate run --suite support --filter id=refund-policy`',
    );
    expect(reproduceCommand('services/a/evalgate.yml', "it's", 'a b')).toBe(
      "`npx evalgate run --config services/a/evalgate.yml --suite 'it'\\''s' --filter 'id=a b'`",
    );
  });

  it('leaves out an id it cannot carry exactly, rather than select something else', () => {
    expect(reproduceCommand(undefined, 'support', 'two\nlines')).toBe('`npx evalgate run --suite support`');
    expect(reproduceCommand(undefined, 'support', 'x <!-- y')).toBe('`npx evalgate run --suite support`');
    expect(reproduceCommand(undefined, 'support', 'x'.repeat(300))).toBe(
      '`npx evalgate run --suite support`',
    );
  });
});

describe('trend chart', () => {
  const suite = () => structuredClone(promptRegression().comparison!.suites[0]!);

  it('draws the pass rate of the last baselines as a Mermaid xychart, scaled to show a slide', () => {
    expect(trendChart(suite())).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '    title "support pass rate (%), last 6 baselines; this PR 82.0"',
        '    x-axis ["1111111", "2222222", "3333333", "4444444", "5555555", "3f0d634"]',
        '    y-axis "pass rate (%)" 75 --> 100',
        '    line [96.7, 96.7, 95.1, 95.1, 93.4, 93.4]',
        '```',
      ].join('\n'),
    );
  });

  it('keeps anything that could end a quoted string or the fence out of the chart', () => {
    const s = suite();
    s.id = 'x"]\n```\n@a';
    s.history = s.history!.map((h) => ({ recordedAt: h.recordedAt, passRate: h.passRate, cases: h.cases }));
    const chart = trendChart(s);
    expect(chart).toContain('title "x________a pass rate');
    expect(chart).toContain('x-axis ["01-02", "01-05", "01-07", "01-09", "01-11", "01-13"]');
    expect(chart.split('```').length).toBe(3);
  });

  it('is drawn only for gated suites with two points or more', () => {
    const c = structuredClone(promptRegression().comparison!);
    const v = promptRegression().verdict;
    expect(renderComparisonMarkdown(c, v)).toContain('### Pass rate on the default branch');
    c.suites[0]!.history = c.suites[0]!.history!.slice(-1);
    c.suites[1]!.history = c.suites[0]!.history.concat(c.suites[0]!.history);
    // `tone` is a monitoring suite: it does not gate, and gets no chart.
    expect(renderComparisonMarkdown(c, v)).not.toContain('```mermaid');
  });
});

describe('what the cases that got worse said', () => {
  it("shows the baseline's output where its privacy mode kept it, and says so where it did not", () => {
    const f = promptRegression();
    const kept = renderComparisonMarkdown(f.comparison!, f.verdict);
    expect(kept).toContain('**Baseline said (redacted):**\n\n> the expected answer');
    const hashed = structuredClone(f.comparison!);
    hashed.suites[0]!.baselinePrivacy = 'hash';
    expect(renderComparisonMarkdown(hashed, f.verdict)).toContain(
      '_not kept: the baseline stores outputs as hashes (`privacy: hash`)_',
    );
  });

  it('counts what a cap leaves out, by suite', () => {
    expect(moreBySuite([{ suite: 'a' }, { suite: 'b' }, { suite: 'a' }], 'case')).toBe(
      '…and 3 more cases: 2 in `a`, 1 in `b`.',
    );
    expect(moreBySuite([{ suite: 'a' }], 'case')).toBe('…and 1 more case: `a`.');
  });
});
