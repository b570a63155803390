import { describe, expect, it } from 'vitest';
import { createRng } from '../compare/stats/rng.js';
import { syntheticResults } from '../../test/kits/synthetic.js';
import type { ResultsDocument } from '../results/types.js';
import { GatePolicySchema, samplingFor } from './schema.js';
import {
  appendSamples,
  caseState,
  nextRound,
  renderSequentialNote,
  sampleSequentially,
  sequentialCases,
  type SequentialCase,
} from './sequential.js';

const arm = (passed: number, failed: number) => ({ passed, failed });
const at = (id: string, baseline = arm(1, 0), current = arm(0, 1)): SequentialCase => ({
  suite: 's',
  case: id,
  baseline,
  current,
});

describe('caseState: the stopping rule', () => {
  it('settles a case whose arms agree', () => {
    expect(caseState(arm(1, 0), arm(1, 0), 3)).toBe('settled');
    expect(caseState(arm(0, 1), arm(0, 1), 3)).toBe('settled');
    expect(caseState(arm(1, 1), arm(1, 1), 3)).toBe('settled');
  });

  it('keeps a one-sample disagreement open, in either direction', () => {
    expect(caseState(arm(1, 0), arm(0, 1), 3)).toBe('unsettled');
    expect(caseState(arm(0, 1), arm(1, 0), 3)).toBe('unsettled');
  });

  it('settles a complete disagreement on two samples each (a broken case), but not a partial one', () => {
    expect(caseState(arm(2, 0), arm(0, 2), 3)).toBe('settled');
    expect(caseState(arm(0, 2), arm(2, 0), 3)).toBe('settled');
    expect(caseState(arm(2, 0), arm(1, 1), 3)).toBe('unsettled');
  });

  it('stops at maxSamples per arm', () => {
    expect(caseState(arm(3, 0), arm(1, 2), 3)).toBe('capped');
    expect(caseState(arm(2, 1), arm(1, 2), 4)).toBe('unsettled');
  });

  it('leaves a case with no graded sample in an arm alone', () => {
    expect(caseState(arm(0, 0), arm(1, 0), 3)).toBe('settled');
  });
});

describe('nextRound', () => {
  it('picks only unsettled cases, two calls each, within the calls left', () => {
    const cases = [at('a'), at('b', arm(1, 0), arm(1, 0)), at('c'), at('d')];
    expect(
      nextRound(cases, 3, 100)
        .map((c) => c.case)
        .sort(),
    ).toEqual(['a', 'c', 'd']);
    expect(nextRound(cases, 3, 5)).toHaveLength(2);
    expect(nextRound(cases, 3, 1)).toHaveLength(0);
  });

  it('gives the cases with the fewest samples first, then the largest disagreement', () => {
    const cases = [
      at('two-samples', arm(2, 0), arm(1, 1)),
      at('one-sample'),
      at('small-move', arm(3, 1), arm(2, 2)),
    ];
    expect(nextRound(cases, 5, 2).map((c) => c.case)).toEqual(['one-sample']);
    expect(nextRound(cases, 5, 4).map((c) => c.case)).toEqual(['one-sample', 'two-samples']);
  });

  it('reads only what is symmetric in the arms: swapping them chooses the same cases', () => {
    const rng = createRng(11);
    const n = () => Math.floor(rng.next() * 3);
    const cases = Array.from({ length: 60 }, (_, i) => {
      const k = 1 + n();
      const b = Math.min(k, n());
      const c = Math.min(k, n());
      return at(`case-${i}`, arm(b, k - b), arm(c, k - c));
    });
    const swapped = cases.map((c) => ({ ...c, baseline: c.current, current: c.baseline }));
    for (const calls of [0, 6, 20, 200])
      expect(nextRound(swapped, 3, calls).map((c) => c.case)).toEqual(
        nextRound(cases, 3, calls).map((c) => c.case),
      );
  });
});

function doc(cases: { id: string; pass: number; blocker?: boolean }[], seed: number): ResultsDocument {
  return syntheticResults({ suites: [{ id: 's', cases }] }, createRng(seed));
}

describe('sequentialCases and appendSamples', () => {
  it('leaves out blockers, cases missing from an arm and cases with no graded sample', () => {
    const base = doc(
      [
        { id: 'a', pass: 1 },
        { id: 'b', pass: 1, blocker: true },
        { id: 'only-base', pass: 1 },
      ],
      1,
    );
    const cur = doc(
      [
        { id: 'a', pass: 0 },
        { id: 'b', pass: 0, blocker: true },
        { id: 'new', pass: 0 },
      ],
      2,
    );
    expect(sequentialCases('s', base, cur).map((c) => c.case)).toEqual(['a']);
    expect(sequentialCases('other', base, cur)).toEqual([]);
  });

  it('appends fresh samples to their cases and recomputes status, metrics and summary', () => {
    const first = doc(
      [
        { id: 'a', pass: 1 },
        { id: 'b', pass: 1 },
      ],
      3,
    );
    const fresh = doc([{ id: 'a', pass: 0 }], 4);
    const merged = appendSamples(first, fresh);
    const a = merged.suites[0]!.cases.find((c) => c.id === 'a')!;
    expect(a.samples.map((s) => s.status)).toEqual(['pass', 'fail']);
    expect(a.status).toBe('fail');
    expect(merged.suites[0]!.metrics).toMatchObject({ samples: 3, passed: 2, failed: 1 });
    expect(merged.summary).toMatchObject({ samples: 3, passed: 2, failed: 1 });
    // Pure: the first document is as it was.
    expect(first.suites[0]!.cases[0]!.samples).toHaveLength(1);
    expect(appendSamples(first, doc([{ id: 'zz', pass: 1 }], 5))).toBe(first);
  });
});

describe('sampleSequentially', () => {
  const policy = GatePolicySchema.parse({ sampling: { mode: 'sequential', maxSamples: 3, callBudget: 1.5 } });
  /** Case i passes with probability probs[i] in both arms: a deterministic source per arm. */
  const sampler = (baseP: number[], curP: number[], seed: number) => {
    const rng = createRng(seed);
    const calls: string[][] = [];
    const sampleRound = async (cases: readonly { suite: string; case: string }[]) => {
      calls.push(cases.map((c) => c.case));
      const pick = (p: number[]) =>
        syntheticResults(
          { suites: [{ id: 's', cases: cases.map((c) => ({ id: c.case, pass: p[Number(c.case)]! })) }] },
          rng,
        );
      return { baseline: pick(baseP), current: pick(curP) };
    };
    return { calls, sampleRound };
  };

  it('samples again only the cases whose arms disagree, in both arms, and reports the calls saved', async () => {
    // Cases 0–7 always pass, 8–9 always fail; case 0 and 9 answered differently in the first pass.
    const p = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
    const base = doc(
      p.map((pass, i) => ({ id: String(i), pass })),
      6,
    );
    const cur = doc(
      p.map((pass, i) => ({ id: String(i), pass: i === 0 ? 0 : i === 9 ? 1 : pass })),
      7,
    );
    const s = sampler(p, p, 8);
    const out = await sampleSequentially({
      baseline: base,
      current: cur,
      sampling: () => ({ mode: 'sequential', maxSamples: 3, callBudget: 2 }),
      suites: ['s'],
      baseArm: true,
      sampleRound: s.sampleRound,
    });
    // The fresh samples agree with the case's nature, so the first-pass odd one stays a
    // partial disagreement (2/2 against 1/2) and takes the case to its cap of 3.
    expect(s.calls.map((r) => [...r].sort())).toEqual([
      ['0', '9'],
      ['0', '9'],
    ]);
    expect(out.report).toMatchObject({
      status: 'ran',
      rounds: 2,
      repeat: 3,
      calls: { first: 10, extra: 8, total: 18, fixed: 30, saved: 12 },
    });
    expect(out.report.suites[0]!.cases).toEqual([
      { case: '0', baseline: arm(3, 0), current: arm(2, 1), state: 'capped' },
      { case: '9', baseline: arm(0, 3), current: arm(1, 2), state: 'capped' },
    ]);
    expect(out.current.suites[0]!.cases[0]!.samples).toHaveLength(3);
    expect(out.baseline.suites[0]!.cases[0]!.samples).toHaveLength(3);
    expect(out.current.suites[0]!.cases[1]!.samples).toHaveLength(1);
    expect(renderSequentialNote(out.report)).toBe(
      'ℹ️ Sequential sampling: 18 calls, 12 saved vs `repeat: 3` (2 cases sampled again in both arms over 2 rounds).',
    );
  });

  it('stops at the call budget and says how many cases were left unsettled', async () => {
    const p = Array.from({ length: 10 }, () => 0.5);
    const base = doc(
      p.map((_, i) => ({ id: String(i), pass: 1 })),
      9,
    );
    const cur = doc(
      p.map((_, i) => ({ id: String(i), pass: 0 })),
      10,
    );
    // The fresh samples pass in both arms: each case sampled again is 2/2 against 1/2.
    const s = sampler(
      p.map(() => 1),
      p.map(() => 1),
      11,
    );
    const out = await sampleSequentially({
      baseline: base,
      current: cur,
      sampling: () => ({ mode: 'sequential', maxSamples: 5, callBudget: 1.4 }),
      suites: ['s'],
      baseArm: true,
      sampleRound: s.sampleRound,
    });
    // ⌊1.4 × 10⌋ = 14 calls: 10 first, 4 left, two cases of one more sample each.
    expect(out.report.calls).toMatchObject({ first: 10, extra: 4, total: 14 });
    expect(s.calls.flat()).toHaveLength(2);
    expect(out.report.suites[0]!.unsettled).toBe(2);
    expect(renderSequentialNote(out.report)).toContain('2 still unsettled when the call budget was spent');
  });

  it('does not ask again for a case whose fresh sample could not be graded in an arm', async () => {
    const base = doc([{ id: '0', pass: 1 }], 16);
    const cur = doc([{ id: '0', pass: 0 }], 17);
    let rounds = 0;
    const out = await sampleSequentially({
      baseline: base,
      current: cur,
      sampling: () => ({ mode: 'sequential', maxSamples: 5, callBudget: 20 }),
      suites: ['s'],
      baseArm: true,
      // The base arm cannot run the case: it comes back without it.
      sampleRound: async (cases) => {
        rounds++;
        const fresh = syntheticResults(
          { suites: [{ id: 's', cases: cases.map((c) => ({ id: c.case, pass: 0 })) }] },
          createRng(18),
        );
        return {
          baseline: syntheticResults({ suites: [{ id: 's', cases: [] }] }, createRng(19)),
          current: fresh,
        };
      },
    });
    expect(rounds).toBe(1);
    expect(out.report).toMatchObject({ status: 'ran', rounds: 1, calls: { extra: 2 } });
  });

  it('does nothing without a base arm, or for a fixed suite, and says so', async () => {
    const base = doc([{ id: '0', pass: 1 }], 12);
    const cur = doc([{ id: '0', pass: 0 }], 13);
    const never = async () => {
      throw new Error('not to be called');
    };
    const noBase = await sampleSequentially({
      baseline: base,
      current: cur,
      sampling: (id) => samplingFor(policy, id),
      suites: ['s'],
      baseArm: false,
      sampleRound: never,
    });
    expect(noBase.report.status).toBe('no-base');
    expect(noBase.current).toBe(cur);
    expect(renderSequentialNote(noBase.report)).toMatch(/needs the base/);
    const fixed = await sampleSequentially({
      baseline: base,
      current: cur,
      sampling: (id) => samplingFor(GatePolicySchema.parse({}), id),
      suites: ['s'],
      baseArm: true,
      sampleRound: never,
    });
    expect(fixed.report.status).toBe('off');
    expect(renderSequentialNote(fixed.report)).toBeUndefined();
  });

  it('says which suite it did not sample, and why, when the first passes took different repeats', async () => {
    const base = doc([{ id: '0', pass: 1 }], 12);
    const cur = doc([{ id: '0', pass: 0 }], 13);
    cur.suites[0]!.repeat = 3;
    const r = await sampleSequentially({
      baseline: base,
      current: cur,
      sampling: (id) => samplingFor(policy, id),
      suites: ['s'],
      baseArm: true,
      sampleRound: async () => {
        throw new Error('not to be called');
      },
    });
    expect(r.current).toBe(cur);
    expect(r.report.skipped).toEqual([
      { suite: 's', reason: expect.stringContaining('repeat 3, the baseline') },
    ]);
    expect(renderSequentialNote(r.report)).toMatch(
      /`s` was not sampled sequentially: its first pass took repeat 3/,
    );
  });

  it('keeps what it sampled when a round fails, and says why (escaped)', async () => {
    const base = doc([{ id: '0', pass: 1 }], 14);
    const cur = doc([{ id: '0', pass: 0 }], 15);
    const out = await sampleSequentially({
      baseline: base,
      current: cur,
      sampling: () => ({ mode: 'sequential', maxSamples: 3, callBudget: 3 }),
      suites: ['s'],
      baseArm: true,
      sampleRound: async () => {
        throw new Error('worktree <b>@someone</b> failed');
      },
    });
    expect(out.report.status).toBe('failed');
    expect(out.current).toBe(cur);
    const note = renderSequentialNote(out.report)!;
    expect(note).toContain('A round could not be sampled');
    expect(note).not.toContain('<b>');
    expect(note).not.toMatch(/(^|[^\u200b])@someone/);
  });
});

describe('sampling policy', () => {
  it('defaults to fixed; a suite overrides the top level field by field', () => {
    expect(samplingFor(GatePolicySchema.parse({}), 's')).toEqual({
      mode: 'fixed',
      maxSamples: 3,
      callBudget: 1.5,
    });
    const policy = GatePolicySchema.parse({
      sampling: { mode: 'sequential' },
      suites: { s: { sampling: { maxSamples: 5 } } },
    });
    expect(samplingFor(policy, 's')).toEqual({ mode: 'sequential', maxSamples: 5, callBudget: 1.5 });
    expect(samplingFor(policy, 'other')).toEqual({ mode: 'sequential', maxSamples: 3, callBudget: 1.5 });
  });

  it('refuses a cap under 2 samples, a budget under 1 call per case and unknown modes', () => {
    expect(() => GatePolicySchema.parse({ sampling: { maxSamples: 1 } })).toThrow();
    expect(() => GatePolicySchema.parse({ sampling: { callBudget: 0.5 } })).toThrow();
    expect(() => GatePolicySchema.parse({ sampling: { mode: 'adaptive' } })).toThrow();
  });
});
