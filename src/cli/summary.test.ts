import { describe, expect, it } from 'vitest';
import type { SuiteMetrics } from '../results/types.js';
import { dimensionTalliesOf } from '../results/dimension-tally.js';
import { advisoryGraders, renderDimensionTable, renderSummaryTable } from './summary.js';
import { dimensionResults, workflowCases } from '../../test/kits/dimensions.js';

const metrics = (over: Partial<SuiteMetrics>): SuiteMetrics => ({
  cases: 4,
  samples: 4,
  passed: 3,
  failed: 1,
  errors: 0,
  passRate: 0.75,
  errorRate: 0,
  refusalRate: 0.25,
  graderScores: {},
  latencyMs: { p50: 10, p95: 20, p99: 20, mean: 12 },
  tokens: { prompt: 0, completion: 0, total: 0, cached: 0, perCase: 0 },
  cost: null,
  blockerFailures: [],
  ...over,
});

describe('the run table', () => {
  it('marks an advisory judge in the suite row and the score table, with a footnote saying why', () => {
    const out = renderSummaryTable([
      {
        id: 'rag',
        tier: 'trusted',
        metrics: metrics({
          graderScores: { faithfulness: 0.8125, 'recall@3': 4 / 9, judge: 0.5 },
          graderExcluded: { 'recall@3': 2 },
        }),
        advisory: { judge: 'not calibrated (no judge.calibration report)' },
      },
      { id: 'plain', tier: 'monitoring', metrics: metrics({ graderScores: { contains: 1 } }) },
    ]);
    expect(out).toBe(
      [
        '| suite                    | tier       | cases | pass rate | failed | errors | refusals | p95 latency | tokens/case | cost | blockers failed |',
        '| :----------------------- | :--------- | ----: | --------: | -----: | -----: | -------: | ----------: | ----------: | ---: | --------------: |',
        '| rag (advisory: judge[1]) | trusted    |     4 |     75.0% |      1 |      0 |    25.0% |       20 ms |           — |    — |               0 |',
        '| plain                    | monitoring |     4 |     75.0% |      1 |      0 |    25.0% |       20 ms |           — |    — |               0 |',
        '',
        '| suite | grader              | mean score | left out         |',
        '| :---- | :------------------ | ---------: | :--------------- |',
        '| rag   | faithfulness        |      0.813 |                  |',
        '| rag   | judge (advisory)[1] |      0.500 |                  |',
        '| rag   | recall@3            |      0.444 | 2 not applicable |',
        '| plain | contains            |      1.000 |                  |',
        '',
        '[1] rag / judge: advisory, not calibrated (no judge.calibration report); its verdicts are reported but never fail a case, a suite or the gate',
      ].join('\n'),
    );
  });

  it('without grader scores there is only the suite table; names cannot break a row or the terminal', () => {
    const out = renderSummaryTable([
      {
        id: 'a|b\u001b[2J',
        tier: 'trusted',
        metrics: metrics({ graderScores: {} }),
        advisory: { 'j|x': 'kappa 0.420 (95% CI 0.370 to 0.470): the lower bound is below the minimum 0.6' },
      },
    ]);
    expect(out).not.toContain('\u001b');
    expect(out).toContain('a\\|b\\x1b[2J (advisory: j\\|x[1])');
    expect(out.split('\n').at(-1)).toBe(
      '[1] a\\|b\\x1b[2J / j\\|x: advisory, kappa 0.420 (95% CI 0.370 to 0.470): the lower bound is below the minimum 0.6; its verdicts are reported but never fail a case, a suite or the gate',
    );
    expect(out).not.toContain('mean score');
  });

  it('advisoryGraders reads the compiled graders of a suite', () => {
    const g = (name: string, advisory?: string) => ({
      name,
      ...(advisory && { advisory }),
      grade: () => ({}) as never,
    });
    expect(
      advisoryGraders({
        cases: [{ graders: [g('contains'), g('judge', 'why')] }, { graders: [g('judge', 'why')] }],
      }),
    ).toEqual({ judge: 'why' });
  });
});

describe('the run table by dimension and workflow', () => {
  it('shows each dimension per suite, and per workflow when the cases carry more than one', () => {
    const doc = dimensionResults([
      {
        id: 'assistant',
        cases: [
          ...workflowCases('summarize', 4, { correctness: 'P', usefulness: 'PPPF' }),
          ...workflowCases('rag-answer', 5, { correctness: 'PPPPF', grounding: 'PPF' }), // P P F P P
        ],
      },
      { id: 'safety', cases: workflowCases('chat', 3, { risk: 'PPF' }) },
    ]);
    expect(renderDimensionTable(dimensionTalliesOf(doc))).toBe(
      [
        '| suite     | workflow   | correctness (samples) | usefulness (samples) | risk (samples) | grounding (samples) |',
        '| :-------- | :--------- | --------------------: | -------------------: | -------------: | ------------------: |',
        '| assistant | all        |             88.9% (9) |            75.0% (4) |              — |           80.0% (5) |',
        '| assistant | rag-answer |             80.0% (5) |                    — |              — |           80.0% (5) |',
        '| assistant | summarize  |            100.0% (4) |            75.0% (4) |              — |                   — |',
        '| safety    |            |                     — |                    — |      66.7% (3) |                   — |',
      ].join('\n'),
    );
    // In the run table, after the suites; nothing when no verdict has a dimension.
    const rows = doc.suites.map((s) => ({ id: s.id, tier: s.tier, metrics: s.metrics }));
    expect(renderSummaryTable(rows, dimensionTalliesOf(doc))).toContain('| assistant | rag-answer |');
    const bare = structuredClone(doc);
    for (const s of bare.suites)
      for (const c of s.cases) for (const x of c.samples) for (const g of x.graders) delete g.dimension;
    expect(renderDimensionTable(dimensionTalliesOf(bare))).toBe('');
  });
});
