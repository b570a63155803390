import { describe, expect, it } from 'vitest';
import { baselinesToResults, createBaselines } from '../baseline/index.js';
import { compare } from '../compare/compare.js';
import { fakeResults } from '../../test/kits/baseline.js';
import { withBaselineContext } from './baseline-context.js';

describe('withBaselineContext', () => {
  const base = fakeResults([
    { id: 'support', outcomes: 'PPP', outputs: ['a@example.com asked', 'two', 'three'] },
  ]);
  const current = fakeResults([{ id: 'support', outcomes: 'FPF' }], {
    finishedAt: '2026-01-02T00:00:00.000Z',
  });

  it('adds the history of store baselines, their privacy, and the baseline output of each worse case', () => {
    const baselines = new Map(createBaselines(base, { privacy: 'redacted' }).map((b) => [b.suite, b]));
    const baseline = baselinesToResults(baselines.values());
    const c = withBaselineContext(compare(baseline, current), baselines, { support: 'store' }, baseline);
    const suite = c.suites[0]!;
    expect(suite.history).toEqual([
      { commit: 'a'.repeat(40), recordedAt: '2026-01-01T00:01:00.000Z', passRate: 1, cases: 3 },
    ]);
    expect(suite.baselinePrivacy).toBe('redacted');
    const worse = suite.transitions.filter((t) => t.change === 'worse');
    expect(worse.map((t) => [t.id, t.baselineOutput])).toEqual([
      ['case-1', '[REDACTED:email] asked'],
      ['case-3', 'three'],
    ]);
    expect(suite.transitions.find((t) => t.id === 'case-2')!.baselineOutput).toBeUndefined();
  });

  it('a re-measured base has no history to chart', () => {
    const baselines = new Map(createBaselines(base, { privacy: 'raw' }).map((b) => [b.suite, b]));
    const baseline = baselinesToResults(baselines.values());
    const c = withBaselineContext(compare(baseline, current), baselines, { support: 'rerun' }, baseline);
    expect(c.suites[0]!.history).toBeUndefined();
    expect(c.suites[0]!.baselinePrivacy).toBe('raw');
  });
});
