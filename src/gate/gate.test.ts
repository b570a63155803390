import { describe, expect, it } from 'vitest';
import { compare } from '../compare/compare.js';
import { createRng } from '../compare/stats/rng.js';
import {
  syntheticResults,
  type SyntheticCase,
  type SyntheticRun,
  type SyntheticSuite,
} from '../../test/kits/synthetic.js';
import type { ComparisonDocument } from '../compare/types.js';
import { gate } from './gate.js';
import { planResample } from './resample.js';
import { GatePolicySchema, type GatePolicy } from './schema.js';

function cases(prefix: string, outcomes: string, extra: Partial<SyntheticCase> = {}): SyntheticCase[] {
  return [...outcomes].map((o, i) => ({
    id: `${prefix}${i}`,
    pass: o === 'P' ? 1 : 0,
    error: o === 'E' ? 1 : 0,
    ...extra,
  }));
}

function run(suites: SyntheticSuite[], over: Partial<SyntheticRun> = {}) {
  return syntheticResults({ suites, ...over }, createRng(1));
}

function policy(p: unknown = {}): GatePolicy {
  return GatePolicySchema.parse(p);
}

function verdictOf(
  base: SyntheticSuite[],
  cur: SyntheticSuite[],
  p: unknown = {},
  over: Partial<SyntheticRun> = {},
) {
  const pol = policy(p);
  const c = compare(run(base), run(cur, over), { thresholds: pol, staleAfterDays: pol.baseline.maxAgeDays });
  return { comparison: c, verdict: gate(c, pol) };
}

const STABLE = 'P'.repeat(300);
/** 300 cases, 30 of them flipped from pass to fail: a clear, significant 10-point drop. */
const DROPPED = `${'F'.repeat(30)}${'P'.repeat(270)}`;

describe('gate: trusted and monitoring suites', () => {
  it('passes when nothing moved', () => {
    const { verdict } = verdictOf(
      [{ id: 's', cases: cases('c', STABLE) }],
      [{ id: 's', cases: cases('c', STABLE) }],
    );
    expect(verdict.verdict).toBe('pass');
    expect(verdict.reasons).toEqual([]);
  });

  it('fails a trusted suite on a significant regression beyond the minimum effect', () => {
    const { verdict } = verdictOf(
      [{ id: 's', cases: cases('c', STABLE) }],
      [{ id: 's', cases: cases('c', DROPPED) }],
    );
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons[0]).toMatchObject({
      level: 'fail',
      code: 'metric-regressed',
      suite: 's',
      metric: 'passRate',
    });
    expect(verdict.reasons[0]!.message).toMatch(
      /^pass rate regressed: 100\.0% → 90\.0% \(-10\.0 pp; 95% CI .* after Holm\)$/,
    );
  });

  it('only warns for a monitoring suite', () => {
    const { verdict } = verdictOf(
      [{ id: 's', tier: 'monitoring', cases: cases('c', STABLE) }],
      [{ id: 's', tier: 'monitoring', cases: cases('c', DROPPED) }],
    );
    expect(verdict.verdict).toBe('warn');
  });

  it('honours a per-suite minimum effect', () => {
    const { verdict } = verdictOf(
      [{ id: 's', cases: cases('c', STABLE) }],
      [{ id: 's', cases: cases('c', DROPPED) }],
      {
        suites: { s: { minEffect: 0.15 } },
      },
    );
    expect(verdict.verdict).not.toBe('fail');
  });
});

describe('gate: inconclusive is policy', () => {
  // 3 of 100 cases flipped: a 3-point drop McNemar cannot confirm (p = 0.25).
  const base = [{ id: 's', cases: cases('c', 'P'.repeat(100)) }];
  const cur = [{ id: 's', cases: cases('c', `FFF${'P'.repeat(97)}`) }];

  it.each([
    [{}, 'inconclusive'],
    [{ onInconclusive: 'warn' }, 'warn'],
    [{ onInconclusive: 'fail' }, 'fail'],
    [{ suites: { s: { onInconclusive: 'fail' } } }, 'fail'],
  ])('%o → %s', (p, expected) => {
    const { verdict } = verdictOf(base, cur, p);
    expect(verdict.verdict).toBe(expected);
    expect(verdict.reasons.find((r) => r.code === 'metric-inconclusive')?.message).toContain(
      'too few discordant cases',
    );
  });

  it('a suite that cannot be compared is never a silent pass', () => {
    const { verdict } = verdictOf(
      [{ id: 's', contentHash: 'x', cases: cases('c', 'PP') }],
      [{ id: 's', contentHash: 'y', cases: cases('c', 'PP') }],
    );
    expect(verdict.verdict).toBe('inconclusive');
    expect(verdict.reasons.map((r) => r.code)).toEqual(['suite-not-comparable', 'nothing-compared']);
    const warned = verdictOf(
      [{ id: 's', contentHash: 'x', cases: cases('c', 'PP') }],
      [{ id: 's', contentHash: 'y', cases: cases('c', 'PP') }],
      {
        onInconclusive: 'warn',
      },
    );
    expect(warned.verdict.verdict).toBe('warn');
  });

  it('zero comparable cases: nothing comparable, which fails, with what to do', () => {
    const { verdict } = verdictOf(
      [{ id: 's', cases: cases('a', 'PP') }],
      [{ id: 's', cases: cases('b', 'PP') }],
    );
    expect(verdict.reasons[0]).toMatchObject({
      code: 'nothing-comparable',
      suite: 's',
      message: expect.stringMatching(
        /^has a baseline but nothing to compare: no case id in common with the baseline .*Re-record the baseline on the default branch \(`evalgate baseline save`\)/,
      ),
    });
    expect(verdict.verdict).toBe('fail');
  });
});

describe('gate: blocker cases, zero tolerance', () => {
  const base = [
    {
      id: 's',
      tier: 'monitoring' as const,
      cases: [
        { id: 'held', pass: 1, blocker: true },
        { id: 'broken', pass: 1, blocker: true },
        { id: 'known', pass: 0, blocker: true },
        { id: 'fixed', pass: 0, blocker: true },
        { id: 'timeout', pass: 1, blocker: true },
        { id: 'dropped', pass: 1, blocker: true },
      ],
    },
  ];
  const cur = [
    {
      id: 's',
      tier: 'monitoring' as const,
      cases: [
        { id: 'held', pass: 1, blocker: true },
        { id: 'broken', pass: 0, blocker: true, failReason: 'expected a refusal, got instructions' },
        { id: 'known', pass: 0, blocker: true },
        { id: 'fixed', pass: 1, blocker: true },
        { id: 'timeout', pass: 1, error: 1, blocker: true },
        { id: 'newbie', pass: 0, blocker: true },
      ],
    },
  ];

  it('fails on any blocker that fails now, even in a monitoring suite, without statistics', () => {
    const { verdict } = verdictOf(base, cur);
    const byCase = Object.fromEntries(
      verdict.reasons.filter((r) => r.case).map((r) => [r.case, [r.level, r.code]]),
    );
    expect(byCase).toEqual({
      broken: ['fail', 'blocker-regressed'],
      known: ['fail', 'blocker-still-failing'],
      fixed: ['info', 'blocker-fixed'],
      timeout: ['error', 'blocker-error'],
      newbie: ['fail', 'blocker-new-failing'],
      dropped: ['warn', 'blocker-removed'],
    });
    // A blocker that could not be evaluated makes it an error: fail closed.
    expect(verdict.verdict).toBe('error');
  });

  it('lets a known, still-failing blocker warn when the policy says so', () => {
    const { verdict } = verdictOf(base, cur, { blockers: { stillFailing: 'warn' } });
    expect(verdict.reasons.find((r) => r.case === 'known')?.level).toBe('warn');
  });

  it('treats every failing blocker of a changed suite as new', () => {
    const { verdict } = verdictOf(
      [{ id: 's', contentHash: 'a', cases: [{ id: 'b', pass: 0, blocker: true }] }],
      [{ id: 's', contentHash: 'b', cases: [{ id: 'b', pass: 0, blocker: true }] }],
      { blockers: { stillFailing: 'warn' } },
    );
    expect(verdict.reasons[0]).toMatchObject({
      level: 'fail',
      code: 'blocker-new-failing',
      message: 'blocker case fails (the suite changed since the baseline)',
    });
  });
});

describe('gate: budgets', () => {
  const suite = (
    latencyMs: number,
    cost: number,
    tier: 'trusted' | 'monitoring' = 'trusted',
  ): SyntheticSuite => ({
    id: 's',
    tier,
    cases: Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, pass: 1, latencyMs, cost, tokens: 400 })),
  });

  it('warns when p95 latency and cost per case rise more than the relative budget', () => {
    const { verdict } = verdictOf([suite(1000, 0.001)], [suite(1500, 0.0013)]);
    expect(verdict.verdict).toBe('warn');
    expect(verdict.reasons.filter((r) => r.level !== 'info').map((r) => [r.code, r.metric])).toEqual([
      ['budget-relative', 'latencyP95'],
      ['budget-relative', 'costPerCase'],
    ]);
    // Every case costs exactly 30% more: the interval is a point, and it clears the budget.
    expect(verdict.reasons[1]!.message).toBe(
      'cost per case rose 30.0%, $0.001 → $0.0013 (+$0.0003; 90% CI +$0.0003 to +$0.0003; at 95% confidence at least +$0.0003, +30.0%): over the budget of +20% and +$0.00001',
    );
    expect(verdict.reasons[0]!.message).toMatch(
      /^p95 latency rose \d+\.\d%, \d+ ms → \d+ ms \(\+\d+ ms; 90% CI \+\d+ ms to \+\d+ ms; at 95% confidence at least \+\d+ ms, \+\d+\.\d%\): over the budget of \+25% and \+50 ms$/,
    );
  });

  it('fails when configured, per suite too, and checks absolute budgets', () => {
    expect(
      verdictOf([suite(1000, 0.001)], [suite(1500, 0.001)], { budgets: { latencyP95: { action: 'fail' } } })
        .verdict.verdict,
    ).toBe('fail');
    expect(
      verdictOf([suite(1000, 0.001)], [suite(1500, 0.001)], {
        suites: { s: { budgets: { latencyP95: { action: 'fail' } } } },
      }).verdict.verdict,
    ).toBe('fail');
    const absolute = verdictOf([suite(1000, 0.001)], [suite(1000, 0.001)], {
      budgets: { tokensPerCase: { max: 300, action: 'fail' } },
    }).verdict;
    expect(absolute.reasons[0]).toMatchObject({
      level: 'fail',
      code: 'budget-absolute',
      message: 'tokens per case 400 tokens is over the 300 tokens budget',
    });
  });

  it('does not trip on a few noisy cases: over the budget as measured, but only a note', () => {
    // 50 cases at 400 tokens; in the current run 6 of them use 1,200: mean 400 → 496
    // tokens, +24%. Resampling the cases shows it rests on six of fifty: the lower bound
    // is far below +20%.
    const tokens = (n: number): SyntheticSuite => ({
      id: 's',
      cases: Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, pass: 1, tokens: i < n ? 1200 : 400 })),
    });
    const { verdict, comparison } = verdictOf([tokens(0)], [tokens(6)]);
    const inc = comparison.suites[0]!.usage.tokensPerCase.increase!;
    expect(inc).toMatchObject({ statistic: 'mean', paired: true, baseline: 400, current: 496, increase: 96 });
    expect(inc.lowerPct).toBeLessThan(20);
    expect(verdict.verdict).toBe('pass');
    expect(verdict.reasons.find((r) => r.code === 'budget-relative')).toMatchObject({
      level: 'info',
      metric: 'tokensPerCase',
      message: expect.stringMatching(
        /^tokens per case rose 24\.0%, 400 tokens → 496 tokens \(\+96 tokens; 90% CI .*over the budget of \+20% and \+5 tokens as measured, but within the noise of 50 cases$/,
      ),
    });
    // The same +24% on every case is no noise: it trips.
    const all = verdictOf(
      [tokens(0)],
      [{ id: 's', cases: tokens(0).cases.map((c) => ({ ...c, tokens: 496 })) }],
    ).verdict;
    expect(all.verdict).toBe('warn');
  });

  it('ignores a rise under the absolute floor, however significant', () => {
    // 40 → 44 tokens on every case: +10%, over a 5% budget and certain, but under the
    // 5-token floor.
    const flat = (t: number): SyntheticSuite => ({
      id: 's',
      cases: Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, pass: 1, tokens: t })),
    });
    const v = verdictOf([flat(40)], [flat(44)], {
      budgets: { tokensPerCase: { maxIncreasePct: 5 } },
    }).verdict;
    expect(v.reasons.filter((r) => r.code === 'budget-relative')).toEqual([]);
  });

  it('never fails a monitoring suite on a budget', () => {
    expect(
      verdictOf([suite(1000, 0.001, 'monitoring')], [suite(3000, 0.001, 'monitoring')], {
        budgets: { latencyP95: { action: 'fail' } },
      }).verdict.verdict,
    ).toBe('warn');
  });
});

describe('gate: infrastructure errors and bad baselines fail closed', () => {
  it('gives error when a trusted suite has too many errored samples', () => {
    const { verdict } = verdictOf(
      [{ id: 's', cases: cases('c', 'P'.repeat(20)) }],
      [{ id: 's', cases: cases('c', `EEE${'P'.repeat(17)}`) }],
    );
    expect(verdict.verdict).toBe('error');
    expect(verdict.reasons[0]).toMatchObject({
      level: 'error',
      code: 'infrastructure-errors',
      message: '15.0% of samples errored (threshold 10.0%): the results cannot be trusted',
    });
  });

  it('gives error for an interrupted run and warns on a stale baseline', () => {
    const { verdict } = verdictOf(
      [{ id: 's', cases: cases('c', STABLE) }],
      [{ id: 's', cases: cases('c', STABLE) }],
      {},
      { partial: true, finishedAt: '2026-03-01T00:00:00Z' },
    );
    expect(verdict.verdict).toBe('error');
    expect(verdict.reasons.map((r) => r.code)).toEqual(['run-partial', 'baseline-stale']);
  });

  it('refuses a comparison of another schema version', () => {
    const c = compare(run([{ id: 's', cases: cases('c', 'P') }]), run([{ id: 's', cases: cases('c', 'P') }]));
    expect(gate({ ...c, schemaVersion: 1 } as unknown as ComparisonDocument).verdict).toBe('error');
  });

  it('does not pass when nothing could be compared: new suites only are inconclusive', () => {
    const { verdict } = verdictOf([], [{ id: 'b', cases: cases('c', 'P') }]);
    expect(verdict.verdict).toBe('inconclusive');
    expect(verdict.reasons.map((r) => r.code)).toEqual(['nothing-compared', 'suite-new']);
  });

  it('fails when the baseline holds trusted suites and none of them ran (another suite’s results)', () => {
    const { verdict } = verdictOf(
      [{ id: 'a', cases: cases('c', 'P') }],
      [{ id: 'b', cases: cases('c', 'P') }],
    );
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons.map((r) => r.code)).toEqual(['nothing-compared', 'suite-removed', 'suite-new']);
    expect(verdict.reasons[0]!.message).toBe(
      "no suite could be compared with the baseline: it holds a, not the suites that ran (b): re-record the baseline on the default branch (`evalgate baseline save`), or check that the baseline is this suite's (suite and case ids)",
    );
    const warn = verdictOf([{ id: 'a', cases: cases('c', 'P') }], [{ id: 'b', cases: cases('c', 'P') }], {
      onNothingComparable: 'warn',
    }).verdict;
    expect(warn.verdict).toBe('warn');
  });
});

describe('planResample', () => {
  it('lists the discordant cases of inconclusive regressions, within the call budget, with α split across stages', () => {
    const pol = policy();
    const base = run([{ id: 's', cases: cases('c', `PPPPF${'P'.repeat(95)}`) }]);
    const cur = run([{ id: 's', cases: cases('c', `FFFFP${'P'.repeat(95)}`) }]);
    const c = compare(base, cur, { thresholds: pol });
    expect(gate(c, pol).verdict).toBe('inconclusive');
    const plan = planResample(c, { callBudget: 20, samplesPerArm: 3 }, pol);
    console.log(
      `resample plan: ${plan.cases.map((x) => x.case).join(', ')}; ${plan.calls} calls; ${plan.skipped} skipped; stage α ${plan.stageAlpha.map((a) => a.toFixed(4)).join(' + ')}`,
    );
    expect(plan.suites).toEqual(['s']);
    expect(plan.cases.map((x) => x.case)).toEqual(['c0', 'c1', 'c2']);
    expect(plan).toMatchObject({ calls: 18, skipped: 2 });
    expect(plan.stageAlpha[0]! + plan.stageAlpha[1]!).toBeCloseTo(0.05, 12);
  });
});
