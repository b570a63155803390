import { describe, expect, it } from 'vitest';
import { compare } from '../compare/compare.js';
import { createRng } from '../compare/stats/rng.js';
import { syntheticResults } from '../../test/kits/synthetic.js';
import {
  applyConfirmation,
  classifyBlocker,
  confirmBlockers,
  planBlockerConfirmation,
  renderConfirmationText,
  type BlockerCandidate,
} from './confirm.js';
import { gate } from './gate.js';
import { GatePolicySchema } from './schema.js';

const policy = (gateSection: unknown = {}) => GatePolicySchema.parse(gateSection);
const candidate = (stage1 = { passed: 0, failed: 1, errors: 0 }): BlockerCandidate => ({
  suite: 's',
  case: 'c',
  code: 'blocker-regressed',
  stage1,
});

describe('classifyBlocker: a majority of fresh samples decides', () => {
  it.each([
    // current fresh, base fresh, base arm → outcome
    [{ passed: 3, failed: 0, errors: 0 }, null, true, 'flaky'],
    [{ passed: 2, failed: 1, errors: 0 }, null, true, 'flaky'],
    [{ passed: 1, failed: 2, errors: 0 }, { passed: 3, failed: 0, errors: 0 }, true, 'regressed'],
    [{ passed: 0, failed: 3, errors: 0 }, { passed: 2, failed: 1, errors: 0 }, true, 'regressed'],
    [{ passed: 0, failed: 3, errors: 0 }, { passed: 1, failed: 2, errors: 0 }, true, 'preexisting'],
    [{ passed: 0, failed: 3, errors: 0 }, null, true, 'new-failing'],
    [{ passed: 0, failed: 3, errors: 0 }, { passed: 0, failed: 0, errors: 3 }, true, 'new-failing'],
    [{ passed: 0, failed: 3, errors: 0 }, null, false, 'failing'],
    [{ passed: 0, failed: 0, errors: 3 }, null, true, 'unverified'],
    // Errors are not votes: one graded sample that fails is a majority of the graded.
    [{ passed: 0, failed: 1, errors: 2 }, null, false, 'failing'],
  ] as const)('current %o, base %o (base arm %s) → %s', (current, base, baseArm, outcome) => {
    expect(classifyBlocker(candidate(), current, base, baseArm)).toBe(outcome);
  });

  it('an errored blocker that now passes every fresh sample recovered; one that failed before is flaky', () => {
    const fresh = { passed: 3, failed: 0, errors: 0 };
    expect(classifyBlocker(candidate({ passed: 0, failed: 0, errors: 1 }), fresh, null, true)).toBe(
      'recovered',
    );
    expect(classifyBlocker(candidate({ passed: 0, failed: 1, errors: 0 }), fresh, null, true)).toBe('flaky');
  });
});

describe('blocker confirmation against a real comparison', () => {
  // Baseline: every case passes. Now: b0 and b1 (blockers) fail, b2 (blocker) errors; twenty
  // ordinary cases keep the error rate below the infrastructure threshold.
  const ids = ['b0', 'b1', 'b2', ...Array.from({ length: 20 }, (_, i) => `ok${i}`)];
  const rng = createRng(3);
  const doc = (id: string, status: (c: string) => 'pass' | 'fail' | 'error') =>
    syntheticResults(
      {
        id,
        suites: [
          {
            id: 'safety',
            repeat: 1,
            cases: ids.map((c) => ({
              id: c,
              blocker: c.startsWith('b'),
              pass: status(c) === 'pass' ? 1 : 0,
              ...(status(c) === 'error' && { error: 1 }),
            })),
          },
        ],
      },
      rng,
    );
  const baseline = doc('base', () => 'pass');
  const current = doc('head', (c) => (c === 'b2' ? 'error' : c.startsWith('ok') ? 'pass' : 'fail'));
  const comparison = compare(baseline, current);
  const stage1 = gate(comparison, policy());

  it('plans every failing or erroring blocker within the call budget, in order', () => {
    expect(stage1.verdict).toBe('error');
    const plan = planBlockerConfirmation(comparison, stage1, policy(), { baseArm: true });
    expect(plan.cases.map((c) => c.case)).toEqual(['b0', 'b1', 'b2']);
    expect(plan.calls).toBe(18);
    // 7 calls cover one case in two arms of 3 samples.
    const tight = planBlockerConfirmation(
      comparison,
      stage1,
      policy({ blockers: { confirm: { callBudget: 7 } } }),
      {
        baseArm: true,
      },
    );
    expect(tight.cases.map((c) => c.case)).toEqual(['b0']);
    expect(tight.skipped.map((c) => c.case)).toEqual(['b1', 'b2']);
  });

  it('replaces each confirmed reason by its outcome and keeps the others', () => {
    const p = policy();
    const plan = planBlockerConfirmation(comparison, stage1, p, { baseArm: true });
    const key = (c: string) => `safety\u0000${c}`;
    const blockers = confirmBlockers(plan, {
      current: new Map([
        [key('b0'), { passed: 3, failed: 0, errors: 0 }], // a flake
        [key('b1'), { passed: 0, failed: 3, errors: 0 }], // really broken
        [key('b2'), { passed: 3, failed: 0, errors: 0 }], // the error was transient
      ]),
      base: new Map([[key('b1'), { passed: 3, failed: 0, errors: 0 }]]),
    });
    expect(blockers.map((b) => [b.case, b.outcome, b.failureRate])).toEqual([
      ['b0', 'flaky', 0.25],
      ['b1', 'regressed', 1],
      ['b2', 'recovered', 0],
    ]);
    const v = applyConfirmation(stage1, blockers, p);
    expect(v.verdict).toBe('fail');
    const of = (c: string) => v.reasons.find((r) => r.case === c)!;
    expect(of('b0')).toMatchObject({ level: 'warn', code: 'blocker-flaky' });
    expect(of('b0').message).toContain('estimated failure rate 25%');
    expect(of('b1')).toMatchObject({ level: 'fail', code: 'blocker-regressed' });
    expect(of('b2')).toMatchObject({ level: 'info', code: 'blocker-flaky' });

    // Only the flake: the pull request is not blocked.
    const flakeOnly = applyConfirmation(stage1, [blockers[0]!, blockers[2]!], p);
    expect(flakeOnly.reasons.find((r) => r.case === 'b1')).toMatchObject({ level: 'fail' });
    const noB1 = applyConfirmation(
      { ...stage1, reasons: stage1.reasons.filter((r) => r.case !== 'b1') },
      [blockers[0]!, blockers[2]!],
      p,
    );
    expect(noB1.reasons.filter((r) => r.level === 'fail' || r.level === 'error')).toEqual([]);
  });

  it('a blocker failing on the base too warns by default, and fails when the policy says so', () => {
    const plan = planBlockerConfirmation(comparison, stage1, policy(), { baseArm: true });
    const key = `safety\u0000b1`;
    const fresh = {
      current: new Map([[key, { passed: 0, failed: 3, errors: 0 }]]),
      base: new Map([[key, { passed: 0, failed: 3, errors: 0 }]]),
    };
    const [, b1] = confirmBlockers(plan, fresh);
    expect(b1!.outcome).toBe('preexisting');
    const only = { ...stage1, reasons: stage1.reasons.filter((r) => r.case === 'b1') };
    expect(applyConfirmation(only, [b1!], policy()).verdict).toBe('warn');
    expect(applyConfirmation(only, [b1!], policy({ blockers: { preexisting: 'fail' } })).verdict).toBe(
      'fail',
    );
  });

  it('says what it did, and what the budget left out', () => {
    const text = renderConfirmationText({
      status: 'ran',
      samples: 3,
      baseArm: true,
      budget: 6,
      calls: { current: 3, base: 3 },
      blockers: [],
      skipped: [candidate()],
    });
    expect(text).toContain('not confirmed for lack of budget');
    expect(text).toContain('s / c');
  });
});
