import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare } from '../compare/compare.js';
import { createRng } from '../compare/stats/rng.js';
import { syntheticResults, type SyntheticCase } from '../../test/kits/synthetic.js';
import { CALIBRATION_REPORT_VERSION } from '../graders/calibrate.js';
import { compileJudge } from '../graders/judge.js';
import { JudgeSpecSchema } from '../graders/judge.js';
import type { ResultsDocument } from '../results/types.js';
import { sampleStatus } from '../runner/run.js';
import { renderComparisonMarkdown } from '../report/markdown.js';
import { gate } from './gate.js';
import { tempDir } from '../../test/helpers/tmp.js';

/** A 60-case trusted suite whose judge score drops from ~0.9 to ~0.3 while every hard check passes. */
function judgedRuns(advisory: boolean): { baseline: ResultsDocument; current: ResultsDocument } {
  const cases = (judge: number): SyntheticCase[] =>
    Array.from({ length: 60 }, (_, i) => ({ id: `c${i}`, pass: 1, judge }));
  // As the runner records them: advisory verdicts marked, statuses decided without them.
  const mark = (doc: ResultsDocument) => {
    if (!advisory) return doc;
    for (const s of doc.suites)
      for (const c of s.cases) {
        for (const sample of c.samples) {
          for (const g of sample.graders) if (g.grader === 'judge') g.advisory = true;
          sample.status = sampleStatus(sample.graders);
        }
        c.status = c.samples.some((x) => x.status === 'fail') ? 'fail' : 'pass';
      }
    return doc;
  };
  return {
    baseline: mark(
      syntheticResults({ suites: [{ id: 'answers', tier: 'trusted', cases: cases(0.9) }] }, createRng(1)),
    ),
    current: mark(
      syntheticResults({ suites: [{ id: 'answers', tier: 'trusted', cases: cases(0.3) }] }, createRng(2)),
    ),
  };
}

describe('a judge below its calibration minimum is advisory: reported, never blocking', () => {
  it('control: a calibrated judge whose score collapses fails the trusted suite', () => {
    const { baseline, current } = judgedRuns(false);
    const verdict = gate(compare(baseline, current));
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'metric-regressed', metric: 'score:judge' })]),
    );
  });

  it('the same collapse from an advisory judge is reported, does not block, and the reasons say why', () => {
    const { baseline, current } = judgedRuns(true);
    const comparison = compare(baseline, current);
    const metric = comparison.suites[0]!.metrics.find((m) => m.metric === 'score:judge')!;
    expect(metric).toMatchObject({ advisory: true, verdict: 'regressed', label: 'judge score (advisory)' });
    const verdict = gate(comparison);
    expect(verdict.verdict).not.toBe('fail');
    expect(verdict.reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'grader-advisory',
          message: expect.stringContaining("'judge' is advisory"),
        }),
      ]),
    );
  });

  it('an advisory verdict neither fails nor errors a sample', () => {
    const pass = { grader: 'contains', pass: true, score: 1, reason: 'ok' };
    expect(
      sampleStatus([pass, { grader: 'judge', pass: false, score: 0, reason: 'bad', advisory: true }]),
    ).toBe('pass');
    expect(
      sampleStatus([
        pass,
        { grader: 'judge', pass: false, score: 0, reason: 'timeout', error: true, advisory: true },
      ]),
    ).toBe('pass');
    expect(sampleStatus([pass, { grader: 'judge', pass: false, score: 0, reason: 'bad' }])).toBe('fail');
  });

  it('compileJudge: advisory without a calibration report, below the minimum kappa, or after the judge changed; gating once calibrated', () => {
    const dir = tempDir('evalgate-judge-gate-');
    const spec = JudgeSpecSchema.parse({
      type: 'judge',
      rubric: 'Cites the refund window.',
      model: 'judge-model',
    });
    const ctx = (calibration?: string) => ({
      baseDir: dir,
      judge: {
        model: 'judge-model',
        apiKeyEnv: 'K',
        minKappa: 0.6,
        timeoutMs: 1000,
        retries: 0,
        ...(calibration && { calibration }),
      },
      env: { K: 'key' },
    });
    const uncalibrated = compileJudge(spec, ctx() as never);
    expect(uncalibrated.advisory).toMatch(/not calibrated/);

    const report = (kappa: number, fingerprints: unknown[]) => {
      const file = join(dir, `cal-${kappa}-${fingerprints.length}.json`);
      // 40 labels, 20 of each class; the interval's lower bound 0.05 under kappa.
      const confusion = { bothPass: 20, judgePassHumanFail: 0, judgeFailHumanPass: 0, bothFail: 20 };
      const kappaInterval = { lower: kappa - 0.05, upper: Math.min(1, kappa + 0.05), level: 0.95 };
      writeFileSync(
        file,
        JSON.stringify({
          version: CALIBRATION_REPORT_VERSION,
          kappa,
          kappaInterval,
          confusion,
          fingerprints,
        }),
      );
      return file;
    };
    const fp = uncalibrated.fingerprint;
    expect(compileJudge(spec, ctx(report(0.42, [fp])) as never).advisory).toMatch(
      /kappa 0\.420 \(95% CI 0\.370 to 0\.470\): the lower bound is below the minimum 0\.6/,
    );
    expect(compileJudge(spec, ctx(report(0.8, [{ ...fp, model: 'other' }])) as never).advisory).toMatch(
      /changed since it was calibrated/,
    );
    expect(compileJudge(spec, ctx(report(0.8, [fp])) as never).advisory).toBeUndefined();
  });
});

describe('grader errors are counted apart from target errors', () => {
  it('a judge that could not decide is reported as a grader error, not a pass, not a fail, and not an infrastructure error', () => {
    const cases: SyntheticCase[] = Array.from({ length: 40 }, (_, i) => ({
      id: `c${i}`,
      pass: 1,
      error: i < 2 ? 1 : 0,
    }));
    const baseline = syntheticResults({ suites: [{ id: 's', tier: 'trusted', cases }] }, createRng(3));
    const current = syntheticResults({ suites: [{ id: 's', tier: 'trusted', cases }] }, createRng(4));
    // Three answered samples whose judge timed out: the runner records them as error samples without a target error.
    for (const c of current.suites[0]!.cases.slice(10, 13)) {
      c.samples = c.samples.map((s) => ({
        ...s,
        status: 'error' as const,
        graders: [{ grader: 'judge', pass: false, score: 0, reason: 'judge timed out', error: true }],
      }));
      c.status = 'error';
    }
    const comparison = compare(baseline, current);
    expect(comparison.suites[0]!.overall.current).toMatchObject({ graderErrors: 3 });
    const reasons = gate(comparison).reasons.filter((r) => r.code === 'grader-errors');
    expect(reasons).toEqual([
      expect.objectContaining({
        level: 'info',
        message: expect.stringMatching(/^3 samples of 40 could not be graded/),
      }),
    ]);
  });
});

describe('which layer moved', () => {
  it('splits the verdicts by layer, so a judge-score drop is told apart from the hard checks', () => {
    const cases: SyntheticCase[] = Array.from({ length: 30 }, (_, i) => ({
      id: `c${i}`,
      pass: 1,
      judge: 0.9,
    }));
    const worse: SyntheticCase[] = cases.map((c) => ({ ...c, judge: 0.2 }));
    const layered = (doc: ResultsDocument) => {
      for (const s of doc.suites)
        for (const c of s.cases)
          for (const sample of c.samples)
            for (const g of sample.graders) g.layer = g.grader === 'judge' ? 'judge' : 'hard-check';
      return doc;
    };
    const baseline = layered(
      syntheticResults({ suites: [{ id: 's', tier: 'trusted', cases }] }, createRng(5)),
    );
    const current = layered(
      syntheticResults({ suites: [{ id: 's', tier: 'trusted', cases: worse }] }, createRng(6)),
    );
    const comparison = compare(baseline, current);
    expect(comparison.suites[0]!.layers).toEqual([
      { layer: 'hard-check', verdicts: { baseline: 30, current: 30 }, baseline: 1, current: 1, delta: 0 },
      { layer: 'judge', verdicts: { baseline: 30, current: 30 }, baseline: 1, current: 0, delta: -1 },
    ]);
    const markdown = renderComparisonMarkdown(comparison, gate(comparison));
    expect(markdown).toContain('### What moved, by layer');
    // Numbers, arrows and units joined by no-break spaces, so a cell never wraps mid-value.
    expect(markdown).toMatch(
      /\| +\| judge\u00a0scores +\| +100\.0%\u00a0→\u00a00\.0% \| +-100\.0\u00a0pp \|/,
    );
  });
});
