import { describe, expect, it } from 'vitest';
import { dimensionResults, workflowCases, type DimCase } from '../../test/kits/dimensions.js';
import { gate } from '../gate/gate.js';
import { GatePolicySchema } from '../gate/schema.js';
import { compare } from './compare.js';
import type { DimensionCell, SuiteComparison } from './types.js';

function cell(s: SuiteComparison, dimension: string, workflow: string | null): DimensionCell {
  const found = s.dimensions?.find((c) => c.dimension === dimension && c.workflow === workflow);
  if (!found) throw new Error(`no cell ${dimension} @ ${workflow}`);
  return found;
}

/**
 * A model change that writes better summaries and worse-grounded answers: 30 summarize
 * cases (correctness and a usefulness judge) and 30 rag-answer cases (correctness and
 * faithfulness). Usefulness of summaries 18/30 → 30/30; grounding of answers 28/30 → 17/30.
 * The suite's pass rate moves 46/60 → 47/60: a small average move hiding two large ones.
 */
const P = (n: number) => 'P'.repeat(n);
const F = (n: number) => 'F'.repeat(n);
function assistant(summaries: string, grounded: string): DimCase[] {
  return [
    ...workflowCases('summarize', 30, { correctness: 'P', usefulness: summaries }),
    ...workflowCases('rag-answer', 30, { correctness: 'P', grounding: grounded }),
  ];
}
const before = dimensionResults([{ id: 'assistant', cases: assistant(P(18) + F(12), P(28) + F(2)) }], 'base');
const after = dimensionResults([{ id: 'assistant', cases: assistant(P(30), P(17) + F(13)) }], 'head');

describe('dimension breakdown: better summaries, worse-grounded answers', () => {
  const c = compare(before, after);
  const s = c.suites[0]!;

  it('moves the suite pass rate only a little, without a verdict either way', () => {
    const pass = s.metrics.find((m) => m.metric === 'passRate')!;
    expect(pass.baseline).toBeCloseTo(46 / 60, 10);
    expect(pass.current).toBeCloseTo(47 / 60, 10);
    expect(['inconclusive', 'unchanged']).toContain(pass.verdict);
  });

  it('tests each dimension per workflow with the paired statistics', () => {
    const useful = cell(s, 'usefulness', 'summarize');
    expect(useful).toMatchObject({
      metric: 'dimension:usefulness',
      n: 30,
      baseline: 18 / 30,
      current: 1,
      verdict: 'improved',
      test: { method: 'mcnemar-exact', baselineOnly: 0, currentOnly: 12 },
    });
    const grounded = cell(s, 'grounding', 'rag-answer');
    expect(grounded).toMatchObject({
      n: 30,
      baseline: 28 / 30,
      current: 17 / 30,
      verdict: 'regressed',
      test: { method: 'mcnemar-exact', baselineOnly: 11, currentOnly: 0 },
    });
    // Exact McNemar: 11 discordant pairs all one way, p = 2·0.5^11. Holm over the 4 cells
    // with a discordant pair (usefulness and grounding, each overall and per workflow): the
    // two usefulness cells (p = 2·0.5^12) come first, at 4·p; the grounding cells get
    // 2·(2·0.5^11), the same number.
    expect(grounded.pValue).toBeCloseTo(2 * 0.5 ** 11, 12);
    expect(grounded.pAdjusted).toBeCloseTo(4 * 2 * 0.5 ** 12, 12);
    // Correctness did not move; 30 or 60 cases cannot rule out a 2-point change either.
    expect(cell(s, 'correctness', 'rag-answer')).toMatchObject({ delta: 0, verdict: 'inconclusive' });
    expect(cell(s, 'correctness', null)).toMatchObject({ n: 60, delta: 0, verdict: 'inconclusive' });
    // Workflows are sorted; every dimension's overall cell comes first.
    expect(s.dimensions!.map((x) => `${x.dimension}@${x.workflow ?? '*'}`)).toEqual([
      'correctness@*',
      'correctness@rag-answer',
      'correctness@summarize',
      'usefulness@*',
      'usefulness@summarize',
      'grounding@*',
      'grounding@rag-answer',
    ]);
  });

  it('keeps the cells out of the suite Holm family: the gated metrics are adjusted as before', () => {
    const plain = compare(strip(before), strip(after)).suites[0]!;
    expect(plain.dimensions).toEqual([]);
    expect(s.metrics).toEqual(plain.metrics);
    expect(s.tested).toBe(plain.tested);
  });

  it('names the trade-off on the Comparison, by its most specific cells', () => {
    expect(c.tradeOff).toEqual({
      improved: [
        expect.objectContaining({ suite: 'assistant', dimension: 'usefulness', workflow: 'summarize' }),
      ],
      regressed: [
        expect.objectContaining({ suite: 'assistant', dimension: 'grounding', workflow: 'rag-answer' }),
      ],
      summary: 'usefulness of summarize +40.0 pp vs grounding of rag-answer -36.7 pp',
    });
  });

  it('makes the gate warn that a product decision is needed, instead of passing', () => {
    const v = gate(c);
    expect(v.verdict).toBe('warn');
    expect(v.reasons.find((r) => r.code === 'trade-off')).toMatchObject({
      level: 'warn',
      suite: 'assistant',
      message:
        'trade-off needing a product decision: usefulness of summarize +40.0 pp vs grounding of rag-answer -36.7 pp',
    });
    expect(gate(c, GatePolicySchema.parse({ dimensions: { onTradeOff: 'fail' } })).verdict).toBe('fail');
    expect(gate(c, GatePolicySchema.parse({ dimensions: { onTradeOff: 'info' } })).verdict).toBe('pass');
  });

  it('finds the same trade-off across suites, naming them', () => {
    const split = (d: typeof before) =>
      dimensionResults(
        [
          { id: 'summaries', cases: [] },
          { id: 'answers', cases: [] },
        ],
        d.run.id,
      );
    const b = split(before);
    const a = split(after);
    b.suites[0]!.cases = before.suites[0]!.cases.slice(0, 30);
    b.suites[1]!.cases = before.suites[0]!.cases.slice(30);
    a.suites[0]!.cases = after.suites[0]!.cases.slice(0, 30);
    a.suites[1]!.cases = after.suites[0]!.cases.slice(30);
    const t = compare(b, a).tradeOff;
    expect(t?.summary).toBe('usefulness +40.0 pp (summaries) vs grounding -36.7 pp (answers)');
  });
});

/** The same documents with the dimensions taken off every verdict. */
function strip(doc: typeof before): typeof before {
  const copy = structuredClone(doc);
  for (const s of copy.suites)
    for (const c of s.cases) for (const x of c.samples) for (const g of x.graders) delete g.dimension;
  return copy;
}

describe('dimension breakdown: edges', () => {
  it('finds no trade-off between identical runs, and calls every cell unchanged or inconclusive', () => {
    const c = compare(before, before);
    expect(c.tradeOff).toBeUndefined();
    for (const x of c.suites[0]!.dimensions!) expect(['unchanged', 'inconclusive']).toContain(x.verdict);
  });

  it('shows a cell with too few cases without testing it, and says so', () => {
    const small = (grounded: string) => [
      ...workflowCases('summarize', 20, { correctness: 'P' }),
      ...workflowCases('lookup', 4, { correctness: 'P', grounding: grounded }),
    ];
    const c = compare(
      dimensionResults([{ id: 's', cases: small('PPPP') }]),
      dimensionResults([{ id: 's', cases: small('FFFF') }]),
    );
    const x = cell(c.suites[0]!, 'grounding', 'lookup');
    expect(x).toMatchObject({
      n: 4,
      baseline: 1,
      current: 0,
      delta: -1,
      verdict: 'inconclusive',
      tooFewCases: true,
      test: null,
      pAdjusted: null,
      reason: '4 paired cases: fewer than 10, too few to test',
    });
    expect(c.tradeOff).toBeUndefined();
    // The minimum is the policy's.
    const lower = compare(
      dimensionResults([{ id: 's', cases: small('PPPP') }]),
      dimensionResults([{ id: 's', cases: small('FFFF') }]),
      { thresholds: { dimensions: { minCases: 3 } } },
    );
    expect(cell(lower.suites[0]!, 'grounding', 'lookup').tooFewCases).toBeUndefined();
  });

  it('calls a trade-off between two dimensions of untagged cases: correctness up, risk down', () => {
    const cases = (correct: string, safe: string): DimCase[] =>
      Array.from({ length: 40 }, (_, i) => ({
        id: `c${i}`,
        verdicts: { correctness: correct[i] === 'P', risk: safe[i] === 'P' },
      }));
    const c = compare(
      dimensionResults([{ id: 's', cases: cases(P(20) + F(20), P(40)) }]),
      dimensionResults([{ id: 's', cases: cases(P(40), P(28) + F(12)) }]),
    );
    expect(c.suites[0]!.dimensions!.every((x) => x.workflow === null)).toBe(true);
    expect(c.tradeOff?.summary).toBe('correctness +50.0 pp vs risk -30.0 pp');
  });
});
