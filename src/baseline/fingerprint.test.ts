import { describe, expect, it } from 'vitest';
import { createBaselines } from './document.js';
import {
  compareInputs,
  describeStaleness,
  fingerprintDiff,
  fingerprintSuite,
  formatAge,
} from './fingerprint.js';
import { fakeResults } from '../../test/kits/baseline.js';
import type { Fingerprint } from './types.js';

const base = fakeResults([{ id: 's' }]);
const fp = (over: Partial<Fingerprint> = {}): Fingerprint => ({ ...fingerprintSuite(base, 's'), ...over });

describe('fingerprintDiff', () => {
  it('finds nothing between identical fingerprints', () => {
    expect(fingerprintDiff(fp(), fp())).toEqual({ reasons: [], comparable: true });
  });

  it('reports a judge model change', () => {
    const d = fingerprintDiff(fp({ judge: { model: 'gpt-4o' } }), fp({ judge: { model: 'gpt-4.1' } }));
    expect(d).toEqual({ reasons: ['judge model changed: gpt-4o → gpt-4.1'], comparable: true });
    expect(fingerprintDiff(fp(), fp({ judge: { model: 'gpt-4.1' } })).reasons).toEqual([
      'judge model changed: (none) → gpt-4.1',
    ]);
  });

  it('reports the target model, and a system version change with the components behind it', () => {
    const before = fp();
    const after = fp({
      target: {
        ...before.target,
        model: 'gpt-4o',
        systemVersion: 'sys-2',
        components: { model: 'm2', prompt: 'p1' },
      },
    });
    expect(fingerprintDiff(before, after)).toEqual({
      reasons: [
        'target model changed: gpt-4o-mini → gpt-4o',
        'target system version changed: sys-1 → sys-2',
        'component model changed: m1 → m2',
      ],
      comparable: true,
    });
  });

  it('leaves out component changes that did not change the target system version', () => {
    const before = fp();
    const after = fp({
      target: { ...before.target, components: { model: 'm1', prompt: 'p1', other: 'o1' } },
    });
    expect(fingerprintDiff(before, after).reasons).toEqual([]);
  });

  it('reports an evalgate upgrade and grader changes', () => {
    const d = fingerprintDiff(
      fp({ evalgateVersion: '0.1.0', graders: { names: ['contains'], specHash: 'a'.repeat(64) } }),
      fp({ evalgateVersion: '0.2.0', graders: { names: ['contains', 'regex'], specHash: 'b'.repeat(64) } }),
    );
    expect(d.reasons).toEqual([
      'graders changed: contains → contains, regex',
      'grader specs changed: aaaaaaaaaaaa → bbbbbbbbbbbb',
      'evalgate 0.1.0 → 0.2.0',
    ]);
    expect(d.comparable).toBe(true);
  });

  it('makes a suite content change not comparable', () => {
    const before = fp();
    const d = fingerprintDiff(before, fp({ suite: { ...before.suite, contentHash: 'other' } }));
    expect(d).toEqual({ reasons: ['suite content changed: not comparable'], comparable: false });
  });
});

describe('describeStaleness', () => {
  it('reports the cases in both, new and removed, the age and every difference', () => {
    const [baseline] = createBaselines(fakeResults([{ id: 's', outcomes: 'PPF' }]), { privacy: 'raw' });
    const current = fakeResults([{ id: 's', outcomes: 'PF' }], {
      finishedAt: '2026-01-11T00:01:00.000Z',
      evalgateVersion: '0.2.0',
    });
    current.suites[0]!.cases[1]!.id = 'case-new';
    const s = describeStaleness(baseline!, current);
    expect(s).toEqual({
      suite: 's',
      cases: { both: ['case-1'], added: ['case-new'], removed: ['case-2', 'case-3'] },
      age: { ms: 10 * 86_400_000, days: 10, text: '10d' },
      baselineCommit: 'a'.repeat(40),
      differences: ['evalgate 0.1.0 → 0.2.0'],
      comparable: true,
    });
  });
});

describe('compareInputs', () => {
  it('turns staleness into compare options: changes listed, content changes left to compare', () => {
    const baselines = new Map(
      createBaselines(fakeResults([{ id: 'same' }, { id: 'edited' }]), { privacy: 'raw' }).map((b) => [
        b.suite,
        b,
      ]),
    );
    const current = fakeResults(
      [{ id: 'same' }, { id: 'edited', contentHash: 'new-hash' }, { id: 'fresh' }],
      {
        finishedAt: '2026-01-01T02:01:00.000Z',
      },
    );
    const inputs = compareInputs(baselines, current);
    expect(inputs.fingerprintDiffs).toEqual({
      same: ['baseline recorded 2h before this run'],
      edited: ['baseline recorded 2h before this run'],
    });
    // compare pairs an edited suite case by case; nothing here forbids it.
    expect(inputs.notComparable).toEqual({});
    expect(Object.keys(inputs.staleness).sort()).toEqual(['edited', 'same']);
  });
});

describe('formatAge', () => {
  it.each([
    [5_000, '5s'],
    [90_000, '2m'],
    [3 * 3_600_000, '3h'],
    [40 * 86_400_000, '40d'],
  ])('%i ms reads %s', (ms, text) => expect(formatAge(ms)).toBe(text));
});
