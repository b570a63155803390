import { describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../results/types.js';
import { compare, judgeMetric, resolveThresholds } from './compare.js';
import { mcnemarExact } from './stats/mcnemar.js';
import { newcombePairedDifference } from './stats/newcombe.js';
import { createRng } from './stats/rng.js';
import { syntheticResults, type SyntheticCase, type SyntheticRun } from '../../test/kits/synthetic.js';
import { COMPARISON_SCHEMA_VERSION, type MetricComparison } from './types.js';

/** Deterministic outcomes: pass probability 0 or 1. */
function cases(prefix: string, outcomes: string): SyntheticCase[] {
  return [...outcomes].map((o, i) => ({
    id: `${prefix}${i}`,
    pass: o === 'P' ? 1 : 0,
    error: o === 'E' ? 1 : 0,
  }));
}

function doc(run: SyntheticRun, seed = 1): ResultsDocument {
  return syntheticResults(run, createRng(seed));
}

function metric(m: MetricComparison[] | undefined, id: string): MetricComparison {
  const found = m?.find((x) => x.metric === id);
  if (!found) throw new Error(`no metric ${id}`);
  return found;
}

describe('compare: pairing and transitions', () => {
  const baseline = doc({
    suites: [{ id: 's', cases: [...cases('a', 'PPPF'), { id: 'gone', pass: 1, blocker: true }] }],
  });
  const current = doc({ suites: [{ id: 's', cases: [...cases('a', 'PFPP'), { id: 'fresh', pass: 0 }] }] });
  const c = compare(baseline, current);
  const s = c.suites[0]!;

  it('pairs by case id and lists new and removed cases', () => {
    expect(c.schemaVersion).toBe(COMPARISON_SCHEMA_VERSION);
    expect(s.status).toBe('comparable');
    expect(s.cases).toEqual({ comparable: 4, new: ['fresh'], removed: ['gone'] });
    expect(s.removedCases).toEqual([{ id: 'gone', blocker: true, status: 'pass' }]);
  });

  it('records every case transition, with the failing grader reason', () => {
    expect(s.transitions.map((t) => [t.id, t.baseline?.status ?? null, t.current.status, t.change])).toEqual([
      ['a0', 'pass', 'pass', 'same'],
      ['a1', 'pass', 'fail', 'worse'],
      ['a2', 'pass', 'pass', 'same'],
      ['a3', 'fail', 'pass', 'better'],
      ['fresh', null, 'fail', 'new'],
    ]);
    expect(s.transitions[1]!.failure).toEqual({
      graders: [{ grader: 'expected', reason: 'expected the answer, got something else' }],
      output: 'a different answer',
    });
    expect(s.transitions[0]!.failure).toBeUndefined();
  });

  it('does not mutate its inputs and is deterministic', () => {
    const before = JSON.stringify([baseline, current]);
    expect(compare(baseline, current)).toEqual(c);
    expect(JSON.stringify([baseline, current])).toBe(before);
  });
});

describe('compare: single-sample pass/fail', () => {
  // 40 paired cases: 30 pass in both, 8 pass only in the baseline, 1 only now, 1 neither.
  const base = cases('c', `${'P'.repeat(30)}${'P'.repeat(8)}FF`);
  const cur = cases('c', `${'P'.repeat(30)}${'F'.repeat(8)}PF`);
  const c = compare(doc({ suites: [{ id: 's', cases: base }] }), doc({ suites: [{ id: 's', cases: cur }] }));
  const m = metric(c.suites[0]?.metrics, 'passRate');

  it('uses the exact McNemar test, Wilson arm intervals and the Newcombe difference interval', () => {
    const expected = newcombePairedDifference({ a: 30, b: 1, c: 8, d: 1 });
    console.log(
      `pass rate ${m.baseline} → ${m.current}, Δ=${m.delta?.toFixed(4)}, CI ${m.interval?.lower.toFixed(4)}..${m.interval?.upper.toFixed(4)}, p=${m.pValue?.toFixed(4)}`,
    );
    expect(m).toMatchObject({
      n: 40,
      baseline: 38 / 40,
      current: 31 / 40,
      test: { method: 'mcnemar-exact', baselineOnly: 8, currentOnly: 1 },
      pValue: mcnemarExact(8, 1).pValue,
      effectSize: -7 / 9,
      interval: { lower: expected.lower, upper: expected.upper, method: 'newcombe' },
    });
    expect(m.delta).toBeCloseTo(-7 / 40, 12);
    expect(m.armIntervals?.baseline.upper).toBeLessThan(1);
    // The only tested metric (no errors anywhere), so Holm leaves p alone.
    expect(c.method.tested).toBe(1);
    expect(m.pAdjusted).toBe(m.pValue);
    expect(m.verdict).toBe('regressed');
    expect(m.reason).toContain('fell 17.5 pp');
  });

  it('keeps untestable metrics (no discordant pair) out of the Holm family', () => {
    const e = metric(c.suites[0]?.metrics, 'errorRate');
    expect(e).toMatchObject({ pValue: 1, pAdjusted: 1, delta: 0 });
    expect(e.verdict).not.toBe('regressed');
  });
});

describe('compare: errors are never passes', () => {
  const base = doc({ suites: [{ id: 's', cases: cases('c', 'PPPPP') }] });
  const cur = doc({ suites: [{ id: 's', cases: cases('c', 'PPPEE') }] });
  const s = compare(base, cur).suites[0]!;

  it('leaves a case with only errors out of the pass-rate pairing, and compares the error rate', () => {
    const pass = metric(s.metrics, 'passRate');
    expect(pass.n).toBe(3);
    expect(pass.current).toBe(1);
    const errors = metric(s.metrics, 'errorRate');
    expect(errors).toMatchObject({ n: 5, baseline: 0, current: 0.4, direction: 'lower-is-better' });
    expect(errors.test).toMatchObject({ method: 'mcnemar-exact', baselineOnly: 0, currentOnly: 2 });
    expect(s.overall.current.errorRate).toBe(0.4);
    expect(s.transitions[4]!.failure?.error).toEqual({
      kind: 'timeout',
      message: 'request timed out after 60000 ms',
    });
  });
});

describe('compare: repeated samples and continuous scores', () => {
  const spec = (shift: number): SyntheticRun => ({
    suites: [
      {
        id: 'rag',
        repeat: 3,
        cases: Array.from({ length: 60 }, (_, i) => ({
          id: `q${i}`,
          pass: i < 40 ? 0.95 : 0.5,
          judge: Math.min(1, 0.7 + (i % 5) * 0.05 - shift),
        })),
      },
    ],
  });
  const pair = () => {
    const rng = createRng(11);
    return [syntheticResults(spec(0), rng), syntheticResults(spec(0.1), rng)] as const;
  };
  const c = compare(...pair(), { seed: 5 });
  const s = c.suites[0]!;

  it('tests per-case pass fractions with Wilcoxon and a seeded bootstrap interval', () => {
    const m = metric(s.metrics, 'passRate');
    expect(m.test?.method).toMatch(/^wilcoxon-/);
    expect(m.interval?.method).toBe('bootstrap-percentile');
    expect(m.interval!.lower).toBeLessThanOrEqual(m.delta!);
    expect(m.interval!.upper).toBeGreaterThanOrEqual(m.delta!);
  });

  it('compares a continuous grader score as its own metric and finds a 0.1 drop', () => {
    const m = metric(s.metrics, 'score:judge');
    console.log(
      `judge score ${m.baseline?.toFixed(3)} → ${m.current?.toFixed(3)}, Δ=${m.delta?.toFixed(3)}, CI ${m.interval?.lower.toFixed(3)}..${m.interval?.upper.toFixed(3)}, p(Holm)=${m.pAdjusted}`,
    );
    expect(m.delta).toBeCloseTo(-0.1, 1);
    expect(m.verdict).toBe('regressed');
    // Binary graders would only repeat the pass rate.
    expect(s.metrics.some((x) => x.metric === 'score:expected')).toBe(false);
  });

  it('gives the same bootstrap interval for the same seed, whatever else is compared', () => {
    const again = compare(...pair(), { seed: 5 });
    const [b, cur] = pair();
    const withOther = compare(
      { ...b, suites: [...b.suites, { ...b.suites[0]!, id: 'other' }] },
      { ...cur, suites: [...cur.suites, { ...cur.suites[0]!, id: 'other' }] },
      { seed: 5 },
    );
    expect(metric(again.suites[0]?.metrics, 'passRate').interval).toEqual(
      metric(s.metrics, 'passRate').interval,
    );
    expect(metric(withOther.suites[0]?.metrics, 'passRate').interval).toEqual(
      metric(s.metrics, 'passRate').interval,
    );
    // ...and Holm's family is the suite, so its adjusted p-values do not move either.
    expect(withOther.suites[0]!.tested).toBe(c.suites[0]!.tested);
    expect(withOther.method.tested).toBe(2 * c.method.tested);
    expect(metric(withOther.suites[0]?.metrics, 'score:judge').pAdjusted).toBe(
      metric(s.metrics, 'score:judge').pAdjusted,
    );
  });
});

describe('compare: not comparable', () => {
  it('marks a suite whose content changed as not comparable, with descriptive values only', () => {
    const c = compare(
      doc({ suites: [{ id: 's', contentHash: 'aaa', cases: cases('c', 'PPPP') }] }),
      doc({ suites: [{ id: 's', contentHash: 'bbb', cases: cases('c', 'PPFF') }] }),
    );
    const s = c.suites[0]!;
    expect(s.status).toBe('not-comparable');
    expect(s.reasons[0]).toContain('suite content changed');
    const m = metric(s.metrics, 'passRate');
    expect(m).toMatchObject({
      verdict: 'not-comparable',
      baseline: 1,
      current: 0.5,
      pValue: null,
      interval: null,
    });
    expect(c.method.tested).toBe(0);
  });

  it('gives nothing-comparable with the reason when no case id is shared', () => {
    const s = compare(
      doc({ suites: [{ id: 's', cases: cases('old', 'PP') }] }),
      doc({ suites: [{ id: 's', cases: cases('new', 'PP') }] }),
    ).suites[0]!;
    expect(s.status).toBe('nothing-comparable');
    expect(s.reasons).toEqual([
      "no case id in common with the baseline (2 cases now, 2 in the baseline): the baseline may be another suite's results, or the case ids were renamed",
    ]);
    expect(s.cases).toMatchObject({ comparable: 0, new: ['new0', 'new1'], removed: ['old0', 'old1'] });
  });

  it('takes extra reasons and fingerprint differences from the baseline store', () => {
    const c = compare(
      doc({ suites: [{ id: 's', cases: cases('c', 'PP') }] }),
      doc({ suites: [{ id: 's', cases: cases('c', 'PP') }] }),
      {
        fingerprintDiffs: { s: ['retrieval index rebuilt'] },
        notComparable: { s: ['grader model changed'] },
      },
    );
    expect(c.suites[0]).toMatchObject({
      status: 'not-comparable',
      reasons: ['grader model changed'],
      changes: ['retrieval index rebuilt'],
    });
  });

  it('lists new and removed suites', () => {
    const c = compare(
      doc({ suites: [{ id: 'old', cases: cases('c', 'P') }] }),
      doc({ suites: [{ id: 'new', cases: cases('c', 'F') }] }),
    );
    expect(c.suites[0]).toMatchObject({ id: 'new', status: 'new', reasons: ['no baseline for this suite'] });
    expect(c.suites[0]!.transitions[0]).toMatchObject({ baseline: null, change: 'new' });
    expect(c.removedSuites).toEqual([{ id: 'old', tier: 'trusted', cases: 1, blockers: [] }]);
  });
});

describe('compare: fingerprints, age and usage', () => {
  const base = doc({
    finishedAt: '2026-01-01T00:00:00Z',
    model: 'gpt-4o',
    evalgateVersion: '0.1.0',
    components: { prompt: { kind: 'prompt', version: 'v1' } },
    suites: [
      {
        id: 's',
        cases: Array.from({ length: 20 }, (_, i) => ({
          id: `c${i}`,
          pass: 1,
          latencyMs: 1000,
          tokens: 500,
          cost: 0.002,
        })),
      },
    ],
  });
  const cur = doc({
    finishedAt: '2026-02-15T00:00:00Z',
    model: 'gpt-4.1',
    evalgateVersion: '0.2.0',
    components: { prompt: { kind: 'prompt', version: 'v2' } },
    suites: [
      {
        id: 's',
        cases: Array.from({ length: 20 }, (_, i) => ({
          id: `c${i}`,
          pass: 1,
          latencyMs: 2000,
          tokens: 600,
          cost: 0.003,
        })),
      },
    ],
  });
  const c = compare(base, cur);

  it('lists what changed without making the suite not comparable', () => {
    expect(c.changes).toEqual(['evalgate 0.1.0 → 0.2.0', 'component prompt (prompt) v1 → v2']);
    expect(c.suites[0]).toMatchObject({ status: 'comparable', changes: ['model gpt-4o → gpt-4.1'] });
  });

  it('measures the baseline age against the current run and flags it stale', () => {
    expect(c.baselineAge).toEqual({ days: 45, stale: true, staleAfterDays: 30 });
    expect(compare(base, cur, { staleAfterDays: 60 }).baselineAge.stale).toBe(false);
  });

  it('compares latency, tokens and cost as distributions with % change', () => {
    const u = c.suites[0]!.usage;
    expect(u.latencyMs.current!.p95 / u.latencyMs.baseline!.p95).toBeCloseTo(2, 0);
    expect(u.tokensPerCase).toMatchObject({
      baseline: { mean: 500 },
      current: { mean: 600 },
      changePct: { mean: 20 },
    });
    expect(u.costPerCase.changePct!.mean).toBeCloseTo(50, 9);
  });
});

describe('judgeMetric', () => {
  const m = (over: Partial<MetricComparison>): MetricComparison => ({
    metric: 'passRate',
    label: 'pass rate',
    direction: 'higher-is-better',
    n: 200,
    baseline: 0.9,
    current: 0.9,
    delta: 0,
    interval: { lower: -0.01, upper: 0.01, method: 'newcombe' },
    test: null,
    pValue: 1,
    pAdjusted: 1,
    effectSize: 0,
    alpha: 0.05,
    minEffect: 0.02,
    verdict: 'inconclusive',
    reason: '',
    ...over,
  });

  it.each([
    [
      {
        delta: -0.05,
        pAdjusted: 0.01,
        interval: { lower: -0.08, upper: -0.02, method: 'newcombe' as const },
      },
      'regressed',
    ],
    [
      { delta: 0.05, pAdjusted: 0.01, interval: { lower: 0.02, upper: 0.08, method: 'newcombe' as const } },
      'improved',
    ],
    [
      { delta: -0.05, pAdjusted: 0.2, interval: { lower: -0.1, upper: 0.01, method: 'newcombe' as const } },
      'inconclusive',
    ],
    // Significant but smaller than the minimum effect, and the interval rules out more: unchanged.
    [
      {
        delta: -0.01,
        pAdjusted: 0.01,
        interval: { lower: -0.015, upper: -0.005, method: 'newcombe' as const },
      },
      'unchanged',
    ],
    // Beyond the minimum effect but not significant after Holm.
    [
      { delta: -0.03, pAdjusted: 0.06, interval: { lower: -0.06, upper: 0.0, method: 'newcombe' as const } },
      'inconclusive',
    ],
    [{ delta: 0, interval: { lower: -0.01, upper: 0.01, method: 'newcombe' as const } }, 'unchanged'],
    [{ n: 0, delta: null, pAdjusted: null }, 'not-comparable'],
    // Lower is better: a rising error rate is the regression.
    [
      {
        metric: 'errorRate' as const,
        direction: 'lower-is-better' as const,
        delta: 0.05,
        pAdjusted: 0.001,
        interval: { lower: 0.03, upper: 0.07, method: 'newcombe' as const },
      },
      'regressed',
    ],
  ])('%o → %s', (over, verdict) => {
    expect(judgeMetric(m(over)).verdict).toBe(verdict);
  });
});

describe('resolveThresholds', () => {
  const settings = {
    alpha: 0.05,
    minEffect: 0.02,
    metrics: { 'score:*': { minEffect: 0.05 }, refusalRate: { alpha: 0.01 } },
    suites: { checkout: { alpha: 0.01, metrics: { passRate: { minEffect: 0.1 } } } },
  };
  it('takes the most specific setting', () => {
    expect(resolveThresholds(settings, 'other', 'passRate')).toEqual({ alpha: 0.05, minEffect: 0.02 });
    expect(resolveThresholds(settings, 'other', 'score:judge')).toEqual({ alpha: 0.05, minEffect: 0.05 });
    expect(resolveThresholds(settings, 'other', 'refusalRate')).toEqual({ alpha: 0.01, minEffect: 0.02 });
    expect(resolveThresholds(settings, 'checkout', 'passRate')).toEqual({ alpha: 0.01, minEffect: 0.1 });
    expect(resolveThresholds({}, 'x', 'passRate')).toEqual({ alpha: 0.05, minEffect: 0.02 });
  });
});
