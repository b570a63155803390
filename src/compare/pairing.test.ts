import { describe, expect, it } from 'vitest';
import { gate } from '../gate/gate.js';
import { GatePolicySchema } from '../gate/schema.js';
import type { ResultsDocument } from '../results/types.js';
import { compare, unpairedCases } from './compare.js';
import { mergeBaselineCases } from './merge.js';
import { createRng } from './stats/rng.js';
import { syntheticResults, type SyntheticCase, type SyntheticSuite } from '../../test/kits/synthetic.js';

/** Cases c0..c(n-1), all passing, with hashes h-c0.. (or none). */
function cases(n: number, hashed = true, over: Record<string, Partial<SyntheticCase>> = {}): SyntheticCase[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `c${i}`;
    return { id, pass: 1, ...(hashed && { hash: `h-${id}` }), ...over[id] };
  });
}

function doc(suites: SyntheticSuite[], seed = 1): ResultsDocument {
  return syntheticResults({ suites }, createRng(seed));
}

describe('compare: case by case pairing on per-case hashes', () => {
  // Case c1 was edited (its hash changed, and it fails under the new definition), c5 is new.
  const baseline = doc([{ id: 's', contentHash: 'old', cases: cases(5) }]);
  const current = doc([
    {
      id: 's',
      contentHash: 'new',
      cases: [
        ...cases(5, true, { c1: { hash: 'h-c1-edited', pass: 0 } }),
        { id: 'c5', pass: 1, hash: 'h-c5' },
      ],
    },
  ]);
  const c = compare(baseline, current);
  const s = c.suites[0]!;

  it('compares the unchanged cases and lists the edited and new ones as unpaired', () => {
    expect(s.status).toBe('comparable');
    expect(s.unpaired).toEqual([
      { id: 'c1', why: 'changed' },
      { id: 'c5', why: 'new' },
    ]);
    expect(s.cases).toEqual({ comparable: 4, new: ['c5'], removed: [] });
    expect(s.reasons).toEqual([
      '2 cases not paired with the baseline, left out of the statistics: c1 (changed), c5 (new)',
    ]);
    expect(s.changes).toContain(
      'suite content changed (contentHash old → new): cases compared one by one, 1 case changed',
    );
    // The edited case's failure is not a paired regression: it is out of the statistics.
    const pass = s.metrics.find((m) => m.metric === 'passRate')!;
    expect(pass).toMatchObject({ n: 4, baseline: 1, current: 1 });
    expect(s.transitions.find((t) => t.id === 'c1')).toMatchObject({
      change: 'changed',
      baseline: { status: 'pass' },
      current: { status: 'fail' },
    });
  });

  it('unpairedCases gives the same list, per suite, before comparing', () => {
    expect(unpairedCases(baseline, current)).toEqual([{ suite: 's', cases: s.unpaired }]);
  });

  it('the gate names the unverified cases at the onInconclusive level, never a silent pass or a blanket fail', () => {
    const v = gate(c);
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons[0]).toEqual({
      level: 'inconclusive',
      code: 'cases-unpaired',
      suite: 's',
      message:
        '2 cases not verified against the baseline (new, or edited since it was recorded; not in the paired statistics): c1 (changed), c5 (new)',
    });
    expect(gate(c, GatePolicySchema.parse({ onInconclusive: 'warn' })).verdict).toBe('warn');
    const monitoring = compare(baseline, {
      ...current,
      suites: current.suites.map((x) => ({ ...x, tier: 'monitoring' as const })),
    });
    expect(gate(monitoring).verdict).toBe('pass');
  });

  it('after merging the base commit’s results for those cases, everything pairs', () => {
    // The rerun arm: c1 (new definition) and c5 evaluated on the base commit.
    const extra = doc([
      {
        id: 's',
        cases: [
          { id: 'c1', pass: 1, hash: 'h-c1-edited' },
          { id: 'c5', pass: 1, hash: 'h-c5' },
        ],
      },
    ]);
    const before = JSON.stringify(baseline);
    const merged = mergeBaselineCases(baseline, extra);
    expect(JSON.stringify(baseline)).toBe(before);
    expect(merged.suites[0]!.cases.map((x) => [x.id, x.hash])).toEqual([
      ['c0', 'h-c0'],
      ['c1', 'h-c1-edited'],
      ['c2', 'h-c2'],
      ['c3', 'h-c3'],
      ['c4', 'h-c4'],
      ['c5', 'h-c5'],
    ]);
    expect(merged.suites[0]!.metrics).toMatchObject({ cases: 6, samples: 6, passed: 6 });
    expect(merged.summary).toMatchObject({ suites: 1, cases: 6, samples: 6, passed: 6, failed: 0 });
    expect(unpairedCases(merged, current)).toEqual([]);
    const after = compare(merged, current).suites[0]!;
    expect(after.unpaired).toEqual([]);
    expect(after.cases.comparable).toBe(6);
    // Now c1's failure is a paired pass → fail.
    expect(after.transitions.find((t) => t.id === 'c1')!.change).toBe('worse');
  });

  it('merging adds a suite the baseline lacked, and keeps the others untouched', () => {
    const two = doc([
      { id: 's', cases: cases(2) },
      { id: 't', cases: cases(1) },
    ]);
    const merged = mergeBaselineCases(two, doc([{ id: 'u', cases: cases(3) }]));
    expect(merged.suites.map((x) => x.id)).toEqual(['s', 't', 'u']);
    expect(merged.suites[0]).toBe(two.suites[0]);
    expect(merged.summary.cases).toBe(6);
  });

  it('a blocker in an edited case that fails now is a new failure, not a regression', () => {
    const b = doc([{ id: 's', cases: cases(3, true, { c0: { blocker: true } }) }]);
    const cur = doc([{ id: 's', cases: cases(3, true, { c0: { blocker: true, pass: 0, hash: 'edited' } }) }]);
    const reason = gate(compare(b, cur)).reasons[0]!;
    expect(reason).toMatchObject({
      level: 'fail',
      code: 'blocker-new-failing',
      case: 'c0',
      message: 'blocker case fails (the case changed since the baseline)',
    });
  });

  it('a suite whose every case was edited is still compared case by case, not "nothing comparable"', () => {
    const b = doc([{ id: 's', contentHash: 'x', cases: cases(3) }]);
    const cur = doc([
      {
        id: 's',
        contentHash: 'y',
        cases: cases(3).map((x) => ({ ...x, hash: `${x.hash}-v2` })),
      },
    ]);
    const s = compare(b, cur).suites[0]!;
    expect(s.status).toBe('comparable');
    expect(s.unpaired.map((u) => u.why)).toEqual(['changed', 'changed', 'changed']);
    expect(gate(compare(b, cur)).verdict).toBe('inconclusive');
  });
});

describe('compare: documents without per-case hashes fall back to the suite contentHash', () => {
  it('same contentHash: paired by id', () => {
    const s = compare(doc([{ id: 's', cases: cases(3, false) }]), doc([{ id: 's', cases: cases(3, false) }]))
      .suites[0]!;
    expect(s).toMatchObject({ status: 'comparable', unpaired: [], cases: { comparable: 3 } });
  });

  it('changed contentHash: not comparable as a whole', () => {
    const base = doc([{ id: 's', contentHash: 'a', cases: cases(3, false) }]);
    const cur = doc([{ id: 's', contentHash: 'b', cases: cases(3) }]);
    const s = compare(base, cur).suites[0]!;
    expect(s.status).toBe('not-comparable');
    expect(s.reasons[0]).toMatch(/^suite content changed .* no per-case hashes/);
    expect(unpairedCases(base, cur)[0]!.cases.map((u) => u.why)).toEqual(['changed', 'changed', 'changed']);
    // Re-running every case on the base commit and merging makes it comparable again.
    const merged = mergeBaselineCases(base, doc([{ id: 's', cases: cases(3) }]));
    expect(compare(merged, cur).suites[0]!.status).toBe('comparable');
  });
});

describe('compare: nothing comparable is never green', () => {
  const good = () => doc([{ id: 's', cases: cases(4) }]);

  it.each([
    [
      'a baseline of another suite (disjoint case ids)',
      doc([{ id: 's', cases: cases(4).map((c) => ({ ...c, id: `other-${c.id}`, hash: `x-${c.id}` })) }]),
      good(),
      /^no case id in common with the baseline \(4 cases now, 4 in the baseline\)/,
    ],
    ['a current run with no cases', good(), doc([{ id: 's', cases: [] }]), /current run has no cases/],
    ['a baseline with no cases', doc([{ id: 's', cases: [] }]), good(), /baseline has no cases/],
    [
      'a baseline whose every sample errored',
      doc([{ id: 's', cases: cases(4).map((c) => ({ ...c, error: 1 })) }]),
      good(),
      /^every sample of the 4 paired cases errored in the baseline/,
    ],
  ])('%s', (_, base, cur, why) => {
    const c = compare(base, cur);
    const s = c.suites[0]!;
    expect(s.status).toBe('nothing-comparable');
    expect(s.reasons).toEqual([expect.stringMatching(why)]);
    const v = gate(c);
    expect(v.verdict).toBe('fail');
    const codes = v.reasons.map((r) => [r.code, r.level]);
    expect(codes).toContainEqual(['nothing-comparable', 'fail']);
    expect(codes).toContainEqual(['nothing-compared', 'fail']);
    expect(v.reasons.find((r) => r.code === 'nothing-compared')!.message).toContain('evalgate baseline save');
  });

  it('follows onNothingComparable, per suite too; a monitoring suite warns', () => {
    const c = compare(doc([{ id: 's', cases: cases(2) }]), doc([{ id: 's', cases: [] }]));
    expect(gate(c, GatePolicySchema.parse({ onNothingComparable: 'warn' })).verdict).toBe('warn');
    expect(gate(c, GatePolicySchema.parse({ onNothingComparable: 'neutral' })).verdict).toBe('inconclusive');
    expect(
      gate(c, GatePolicySchema.parse({ suites: { s: { onNothingComparable: 'warn' } } })).reasons.find(
        (r) => r.code === 'nothing-comparable',
      )!.level,
    ).toBe('warn');
    const monitoring = compare(
      doc([{ id: 's', tier: 'monitoring', cases: cases(2) }]),
      doc([{ id: 's', tier: 'monitoring', cases: [] }]),
    );
    const v = gate(monitoring);
    expect(v.reasons.find((r) => r.code === 'nothing-comparable')!.level).toBe('warn');
    // No trusted suite involved: the overall note stays at onInconclusive.
    expect(v.reasons.find((r) => r.code === 'nothing-compared')!.level).toBe('inconclusive');
  });

  it('new suites alone (no baseline yet) are not "nothing comparable"', () => {
    const v = gate(compare(doc([]), doc([{ id: 'b', cases: cases(1) }])));
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons.map((r) => r.code)).toEqual(['nothing-compared', 'suite-new']);
  });
});
