import { describe, expect, it } from 'vitest';
import { dimensionResults, workflowCases, type DimCase } from '../../test/kits/dimensions.js';
import { compare } from '../compare/compare.js';
import { gate } from './gate.js';
import { GatePolicySchema } from './schema.js';

const P = (n: number) => 'P'.repeat(n);
const F = (n: number) => 'F'.repeat(n);

/**
 * 40 support cases: 12 become correct that were not, 12 others start leaking PII. The
 * pass rate does not move (28/40 both times); risk falls 40/40 → 28/40.
 */
function support(correct: string, safe: string): DimCase[] {
  return Array.from({ length: 40 }, (_, i) => ({
    id: `c${i}`,
    workflow: 'support',
    verdicts: { correctness: correct[i] === 'P', risk: safe[i] === 'P' },
  }));
}
const before = dimensionResults([{ id: 'support', cases: support(F(12) + P(28), P(40)) }]);
const after = dimensionResults([{ id: 'support', cases: support(P(40), P(12) + P(16) + F(12)) }]);
const policy = (gateSection: unknown) => GatePolicySchema.parse(gateSection);

describe('gate: a dimension rule', () => {
  const c = compare(before, after, { thresholds: policy({}) });

  it('without one, a risk regression traded for correctness is a warning, the pass rate being flat', () => {
    expect(c.suites[0]!.metrics.find((m) => m.metric === 'passRate')!.delta).toBe(0);
    const v = gate(c, policy({}));
    expect(v.verdict).toBe('warn');
    expect(v.reasons.map((r) => r.code)).toContain('trade-off');
    expect(v.reasons.some((r) => r.code === 'metric-regressed')).toBe(false);
  });

  it('with `dimension:risk: { block: true }`, "risk never regresses" fails a trusted suite', () => {
    const v = gate(c, policy({ metrics: { 'dimension:risk': { block: true } } }));
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toMatchObject({
      level: 'fail',
      code: 'metric-regressed',
      suite: 'support',
      metric: 'dimension:risk',
      message: expect.stringMatching(/^risk regressed: 100\.0% → 70\.0% \(-30\.0 pp; 95% CI /),
    });
    // `dimension:*` and a per-suite rule say the same.
    expect(gate(c, policy({ metrics: { 'dimension:*': { block: true } } })).verdict).toBe('fail');
    expect(
      gate(c, policy({ suites: { support: { metrics: { 'dimension:risk': { block: true } } } } })).verdict,
    ).toBe('fail');
    // Not for another dimension, and never for a monitoring suite.
    expect(gate(c, policy({ metrics: { 'dimension:grounding': { block: true } } })).verdict).toBe('warn');
    const monitoring = compare(
      dimensionResults([{ id: 'support', tier: 'monitoring', cases: support(F(12) + P(28), P(40)) }]),
      dimensionResults([{ id: 'support', tier: 'monitoring', cases: support(P(40), P(28) + F(12)) }]),
    );
    expect(gate(monitoring, policy({ metrics: { 'dimension:risk': { block: true } } })).verdict).toBe('warn');
  });

  it('gates each workflow cell too: a risk drop confined to one workflow fails', () => {
    const cases = (lookupSafe: string) => [
      ...workflowCases('chat', 30, { correctness: 'P', risk: 'P' }),
      ...workflowCases('lookup', 30, { correctness: 'P', risk: lookupSafe }),
    ];
    const d = compare(
      dimensionResults([{ id: 's', cases: cases(P(30)) }]),
      dimensionResults([{ id: 's', cases: cases(P(20) + F(10)) }]),
    );
    const v = gate(d, policy({ metrics: { 'dimension:risk': { block: true } } }));
    expect(
      v.reasons.filter((r) => r.code === 'metric-regressed').map((r) => r.message.split(':')[0]),
    ).toEqual(expect.arrayContaining(['risk · lookup regressed']));
  });

  it('a blocking dimension whose cell is too small to test follows onInconclusive, never a silent pass', () => {
    const cases = (safe: string) => workflowCases('support', 6, { correctness: 'P', risk: safe });
    const d = compare(
      dimensionResults([{ id: 's', cases: cases(P(6)) }]),
      dimensionResults([{ id: 's', cases: cases(P(3) + F(3)) }]),
    );
    expect(d.suites[0]!.dimensions![0]).toMatchObject({ tooFewCases: true });
    const v = gate(d, policy({ metrics: { 'dimension:risk': { block: true } }, onInconclusive: 'fail' }));
    expect(v.reasons.find((r) => r.metric === 'dimension:risk')).toMatchObject({
      level: 'fail',
      code: 'metric-inconclusive',
      message: 'risk inconclusive: 6 paired cases: fewer than 10, too few to test',
    });
  });

  it('rejects an unknown trade-off level', () => {
    expect(GatePolicySchema.safeParse({ dimensions: { onTradeOff: 'sometimes' } }).success).toBe(false);
  });

  it('rejects a metric rule that names no metric, so a typo never gates nothing', () => {
    const rule = { block: true };
    for (const name of ['passRate', 'score:faithfulness', 'score:*', 'dimension:risk', 'dimension:*'])
      expect(GatePolicySchema.safeParse({ metrics: { [name]: rule } }).success, name).toBe(true);
    for (const name of ['dimension:riks', 'passrate', 'risk', 'dimension:', 'score:'])
      expect(GatePolicySchema.safeParse({ metrics: { [name]: rule } }).success, name).toBe(false);
    const suite = GatePolicySchema.safeParse({ suites: { s: { metrics: { 'dimension:safety': rule } } } });
    expect(suite.success).toBe(false);
    expect(suite.error?.issues[0]?.path).toEqual(['suites', 's', 'metrics', 'dimension:safety']);
  });
});

describe('gate: abstention and tool-call budgets', () => {
  /** 40 RAG cases, all passing; `abstain` of them say "I don't know"; each makes `calls` tool calls. */
  const rag = (abstain: number, calls: number[]) =>
    dimensionResults([
      {
        id: 'rag',
        cases: Array.from({ length: 40 }, (_, i) => ({
          id: `q${i}`,
          verdicts: { grounding: true },
          abstained: i < abstain,
          toolCalls: calls[i % calls.length]!,
        })),
      },
    ]);

  it('reports a drop in abstention that keeps answer quality, and fails it where configured', () => {
    const c = compare(rag(16, [1]), rag(2, [1]));
    const a = c.suites[0]!.usage.abstentionRate!;
    expect(a.baseline!.mean).toBeCloseTo(0.4, 12);
    expect(a.current!.mean).toBeCloseTo(0.05, 12);
    expect(a.decrease).toMatchObject({ baseline: 0.4, increase: expect.closeTo(0.35, 12), paired: true });
    expect(a.decrease!.increasePct).toBeCloseTo(87.5, 10);
    expect(a.decrease!.lowerPct).toBeGreaterThan(50);
    expect(c.suites[0]!.metrics.find((m) => m.metric === 'passRate')!.delta).toBe(0);
    const v = gate(c, policy({}));
    expect(v.verdict).toBe('warn');
    expect(v.reasons.find((r) => r.metric === 'abstentionRate')).toMatchObject({
      level: 'warn',
      code: 'budget-relative',
      message: expect.stringMatching(
        /^abstention rate fell 87\.5%, 40\.0% → 5\.0% \(-35\.0%; .*: over the budget of -50% and -2\.0%$/,
      ),
    });
    expect(gate(c, policy({ budgets: { abstentionRate: { action: 'fail' } } })).verdict).toBe('fail');
    expect(gate(c, policy({ budgets: { abstentionRate: { maxDecreasePct: null } } })).verdict).toBe('pass');
  });

  it('does not trip on identical runs or a small move within the noise', () => {
    expect(gate(compare(rag(16, [1]), rag(16, [1])), policy({})).verdict).toBe('pass');
    const small = gate(compare(rag(16, [1]), rag(14, [1])), policy({}));
    expect(small.reasons.filter((r) => r.metric === 'abstentionRate' && r.level !== 'info')).toEqual([]);
  });

  it('reports tool calls per case doubling, bootstrap-tested like tokens', () => {
    const c = compare(rag(0, [1, 2]), rag(0, [2, 4]));
    const t = c.suites[0]!.usage.toolCallsPerCase!;
    expect(t.baseline!.mean).toBe(1.5);
    expect(t.current!.mean).toBe(3);
    expect(t.increase).toMatchObject({ increase: 1.5, increasePct: 100 });
    const v = gate(c, policy({ budgets: { toolCallsPerCase: { action: 'fail' } } }));
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toMatchObject({
      code: 'budget-relative',
      metric: 'toolCallsPerCase',
      message: expect.stringMatching(/^tool calls per case rose 100\.0%, 1\.50 calls → 3\.00 calls/),
    });
    expect(gate(compare(rag(0, [1, 2]), rag(0, [1, 2])), policy({})).verdict).toBe('pass');
    // A target that never calls a tool has no tool-call row at all.
    expect(compare(rag(0, [0]), rag(0, [0])).suites[0]!.usage.toolCallsPerCase).toBeUndefined();
  });
});
