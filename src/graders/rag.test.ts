import { describe, expect, it } from 'vitest';
import type { LoadedCase } from '../config/load.js';
import type { TargetOutput } from '../results/types.js';
import { compileGrader } from './index.js';
import { ndcgAtK, precisionAtK, recallAtK, reciprocalRank } from './rag.js';
import { GraderSpecSchema, normalizeGraderInput } from './spec.js';
import { SuiteMetricsAccumulator } from '../runner/metrics.js';
import { gradeAnswer } from '../runner/grade.js';

function compile(raw: unknown) {
  return compileGrader(GraderSpecSchema.parse(normalizeGraderInput(raw)), { baseDir: '.' });
}

function grade(
  raw: unknown,
  output: Partial<TargetOutput>,
  c: Partial<Pick<LoadedCase, 'relevant' | 'unanswerable'>> = {},
) {
  const grader = compile(raw);
  const loaded = {
    id: 'c1',
    suite: 's',
    vars: {},
    tags: {},
    blocker: false,
    repeat: 1,
    graders: [grader],
    location: { file: 'x', line: 1 },
    ...c,
  } as LoadedCase;
  return grader.grade({ case: loaded, output: { output: '', ...output }, latencyMs: 1 });
}

const docs = (...ids: string[]) => ids.map((id) => ({ id, text: `text of ${id}` }));

/*
 * The worked example: relevant R = {d1, d3, d6}; the retriever returns d3, d2, d1, d4, d5.
 *   recall@3    = |{d3, d1}| / 3                          = 0.667
 *   precision@3 = 2 / 3 = 0.667;  precision@5 = 2/5 = 0.4;  precision@10 = 2/10 = 0.2
 *   RR          = 1 / 1 (d3 at rank 1); for d2, d4, d1: 1/3
 *   DCG@5       = 1/log2(2) + 1/log2(4)                    = 1.5
 *   IDCG@5      = 1/log2(2) + 1/log2(3) + 1/log2(4)        = 2.130930
 *   nDCG@5      = 1.5 / 2.130930                           = 0.703918
 *   nDCG@2      = 1 / (1 + 1/log2(3)) = 1 / 1.630930       = 0.613147
 */
const R = new Set(['d1', 'd3', 'd6']);
const ranked = ['d3', 'd2', 'd1', 'd4', 'd5'];

describe('retrieval metrics: worked example', () => {
  it('recall@k', () => {
    expect(recallAtK(ranked, R, 3)).toBeCloseTo(2 / 3, 10);
    expect(recallAtK(ranked, R, 1)).toBeCloseTo(1 / 3, 10);
    expect(recallAtK(ranked, R, 5)).toBeCloseTo(2 / 3, 10);
  });

  it('precision@k divides by k even when fewer came back', () => {
    expect(precisionAtK(ranked, R, 3)).toBeCloseTo(2 / 3, 10);
    expect(precisionAtK(ranked, R, 5)).toBeCloseTo(0.4, 10);
    expect(precisionAtK(ranked, R, 10)).toBeCloseTo(0.2, 10);
    expect(precisionAtK([], R, 0)).toBe(0);
  });

  it('reciprocal rank', () => {
    expect(reciprocalRank(ranked, R, 5)).toBe(1);
    expect(reciprocalRank(['d2', 'd4', 'd1'], R, 3)).toBeCloseTo(1 / 3, 10);
    expect(reciprocalRank(['d2', 'd4', 'd1'], R, 2)).toBe(0);
  });

  it('nDCG@k, binary relevance, log2 discount', () => {
    expect(ndcgAtK(ranked, R, 5)).toBeCloseTo(0.703918, 6);
    expect(ndcgAtK(ranked, R, 2)).toBeCloseTo(0.613147, 6);
    expect(ndcgAtK(['d1', 'd3', 'd6'], R, 3)).toBeCloseTo(1, 10);
    expect(ndcgAtK(['d9'], R, 1)).toBe(0);
  });

  it('a document retrieved twice counts once, at its first rank', () => {
    const repeated = ['d3', 'd3', 'd1'];
    expect(recallAtK(repeated, R, 3)).toBeCloseTo(2 / 3, 10);
    expect(precisionAtK(repeated, R, 3)).toBeCloseTo(2 / 3, 10);
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG@3 = 2.130930.
    expect(ndcgAtK(repeated, R, 3)).toBeCloseTo(0.703918, 6);
  });
});

describe('retrieval grader', () => {
  const relevant = ['d1', 'd3', 'd6'];
  const contexts = docs(...ranked);

  it('scores the case against min, with the arithmetic in the reason', async () => {
    expect(
      await grade({ type: 'retrieval', metric: 'recall', k: 3, min: 0.6 }, { contexts }, { relevant }),
    ).toEqual({ grader: 'recall@3', pass: true, score: 2 / 3, reason: 'recall@3 = 2/3 = 0.667 ≥ min 0.6' });
    expect(
      await grade({ type: 'retrieval', metric: 'precision', min: 0.5 }, { contexts }, { relevant }),
    ).toMatchObject({ pass: false, score: 0.4, reason: 'precision@all = 2/5 = 0.4 < min 0.5' });
    expect(
      await grade(
        { type: 'retrieval', metric: 'mrr', min: 0.5 },
        { contexts: docs('d2', 'd4', 'd1') },
        { relevant },
      ),
    ).toMatchObject({ pass: false, reason: 'mrr@all: first relevant document at rank 3 = 0.333 < min 0.5' });
    const ndcg = await grade(
      { type: 'retrieval', metric: 'ndcg', k: 5, min: 0.7, name: 'ndcg@5' },
      { contexts },
      { relevant },
    );
    expect(ndcg).toMatchObject({ grader: 'ndcg@5', pass: true });
    expect(ndcg.score).toBeCloseTo(0.703918, 6);
  });

  it('citations: the share retrieved and the share relevant', async () => {
    const output = { contexts: docs('d3', 'd2', 'd1'), citations: ['d3', 'd9', 'd2'] };
    expect(await grade({ type: 'retrieval', metric: 'citation-retrieved' }, output)).toMatchObject({
      pass: false,
      score: 2 / 3,
      reason: '2/3 citations retrieved (not retrieved: d9) = 0.667 < min 1',
    });
    expect(
      await grade({ type: 'retrieval', metric: 'citation-relevant', min: 0.3 }, output, { relevant }),
    ).toMatchObject({ pass: true, score: 1 / 3 });
    expect(
      await grade(
        { type: 'retrieval', metric: 'citation-retrieved' },
        { contexts: docs('d1'), citations: [] },
      ),
    ).toMatchObject({ pass: false, score: 0, reason: 'the response cites no sources: 0 < min 1' });
  });

  it('an unanswerable case is left out of the ranking metrics, and citing nothing is right', async () => {
    for (const metric of ['recall', 'precision', 'mrr', 'ndcg']) {
      const v = await grade(
        { type: 'retrieval', metric, k: 3, min: 1 },
        { contexts },
        { unanswerable: true },
      );
      // Not a vacuous 1 (nor a 0): excluded, with a pass that decides nothing.
      expect(v).toEqual({
        grader: `${metric}@3`,
        pass: true,
        score: 0,
        excluded: true,
        reason: `${metric}@3 not scored: the case is unanswerable (no relevant documents; 3 retrieved, none relevant), so it is left out of the ${metric}@3 mean; the abstention grader scores it`,
      });
    }
    // Inverted, it is still excluded rather than a 1.
    expect(
      await grade({ type: 'not-retrieval', metric: 'recall', min: 1 }, { contexts }, { unanswerable: true }),
    ).toMatchObject({ grader: 'not-recall', excluded: true, score: 0 });
    // No relevant ids on a case that is not unanswerable: the grader cannot decide.
    expect(await grade({ type: 'retrieval', metric: 'recall', min: 1 }, { contexts })).toMatchObject({
      error: true,
      pass: false,
    });
    expect(
      await grade(
        { type: 'retrieval', metric: 'citation-relevant' },
        { contexts, citations: [] },
        { unanswerable: true },
      ),
    ).toMatchObject({ pass: true, score: 1 });
    expect(
      await grade(
        { type: 'retrieval', metric: 'citation-relevant' },
        { contexts, citations: ['d2'] },
        { unanswerable: true },
      ),
    ).toMatchObject({ pass: false, score: 0 });
  });

  it('contexts missing or without ids are a grader error, not a zero', async () => {
    expect(await grade({ type: 'retrieval', metric: 'recall', min: 1 }, {}, { relevant })).toMatchObject({
      pass: false,
      error: true,
    });
    expect(
      await grade(
        { type: 'retrieval', metric: 'recall', min: 1 },
        { contexts: [{ text: 'a' }] },
        { relevant },
      ),
    ).toMatchObject({ error: true, reason: expect.stringContaining('no ids') });
    // Retrieving nothing is a real answer, and scores 0.
    expect(
      await grade({ type: 'retrieval', metric: 'recall', min: 1 }, { contexts: [] }, { relevant }),
    ).toMatchObject({ pass: false, score: 0 });
  });

  it('needs min for the ranking metrics, rejects k on citations, and asks for relevant ids', () => {
    expect(() => compile({ type: 'retrieval', metric: 'ndcg' })).toThrow(/needs 'min'/);
    expect(() => compile({ type: 'retrieval', metric: 'citation-relevant', k: 3 })).toThrow(
      /'k' does not apply/,
    );
    expect(compile({ type: 'retrieval', metric: 'recall', min: 0.5 }).requiresRelevant).toBe(true);
    expect(compile({ type: 'retrieval', metric: 'citation-retrieved' }).requiresRelevant).toBe(false);
  });
});

/*
 * The suite, worked by hand: three answerable cases and two unanswerable ones, each
 * retrieving three documents, graded with precision@3.
 *   a: R = {d1},      retrieved d1 d2 d3   -> 1/3
 *   b: R = {d1, d2},  retrieved d1 d2 d4   -> 2/3
 *   c: R = {d5},      retrieved d5 d6 d7   -> 1/3
 *   u1, u2: unanswerable, retrieved three irrelevant documents each
 * Over the answerable cases: (1/3 + 2/3 + 1/3) / 3 = 4/9 = 0.444. Scoring the unanswerable
 * ones as a vacuous 1 gave (4/3 + 2) / 5 = 2/3 = 0.667, though every document they retrieved
 * was irrelevant.
 */
describe('retrieval means are over the answerable cases', () => {
  it('precision@3: 0.444 over 3 answerable cases, 2 excluded and counted', async () => {
    const grader = compile({ type: 'retrieval', metric: 'precision', k: 3, min: 0.3 });
    const cases: [string, Partial<LoadedCase>, string[]][] = [
      ['a', { relevant: ['d1'] }, ['d1', 'd2', 'd3']],
      ['b', { relevant: ['d1', 'd2'] }, ['d1', 'd2', 'd4']],
      ['c', { relevant: ['d5'] }, ['d5', 'd6', 'd7']],
      ['u1', { unanswerable: true }, ['d8', 'd9', 'd10']],
      ['u2', { unanswerable: true }, ['d2', 'd3', 'd4']],
    ];
    const acc = new SuiteMetricsAccumulator();
    for (const [index, [id, extra, retrieved]] of cases.entries()) {
      const c = {
        id,
        suite: 's',
        vars: {},
        tags: {},
        blocker: false,
        repeat: 1,
        graders: [grader],
        location: { file: 'x', line: 1 },
        ...extra,
      } as LoadedCase;
      const verdicts = await gradeAnswer(c, {
        case: c,
        output: { output: '', contexts: docs(...retrieved) },
        latencyMs: 1,
      });
      acc.addCase({ id, blocker: false, index }, 'pass', [
        { index: 0, status: 'pass', graders: verdicts, retries: 0, cached: false },
      ]);
    }
    const m = acc.snapshot();
    expect(m.graderScores['precision@3']).toBeCloseTo(4 / 9, 12);
    expect(m.graderExcluded).toEqual({ 'precision@3': 2 });
  });

  it('a grader cannot mark a failing verdict excluded to hide it', async () => {
    const c = { id: 'x', suite: 's', vars: {}, tags: {}, blocker: false, repeat: 1 } as unknown as LoadedCase;
    const sneaky = {
      name: 'sneaky',
      grade: () => ({ grader: 'sneaky', pass: false, score: 0, reason: 'r', excluded: true }),
    };
    (c as { graders: unknown }).graders = [sneaky];
    const [v] = await gradeAnswer(c, { case: c, output: { output: '' }, latencyMs: 1 });
    expect(v).toEqual({ grader: 'sneaky', pass: false, score: 0, reason: 'r' });
  });
});

describe('abstention grader', () => {
  const idk = "I don't know: the documents don't say what the refund window is.";
  const answer = 'Refunds are accepted within 30 days of delivery.';
  const refusal = "I'm sorry, but I can't help with that.";

  it('on an unanswerable case, abstaining scores 1 and answering scores 0', async () => {
    expect(await grade({ type: 'abstention' }, { output: idk }, { unanswerable: true })).toMatchObject({
      pass: true,
      score: 1,
      reason: 'the response is an abstention, as it should: the case is unanswerable',
    });
    expect(await grade({ type: 'abstention' }, { output: answer }, { unanswerable: true })).toMatchObject({
      pass: false,
      score: 0,
    });
    expect(await grade({ type: 'abstention' }, { output: refusal }, { unanswerable: true })).toMatchObject({
      pass: true,
    });
  });

  it('on an answerable case, declining scores 0 and answering scores 1', async () => {
    expect(await grade({ type: 'abstention' }, { output: idk })).toMatchObject({
      pass: false,
      score: 0,
      reason: 'the response is an abstention, but the case is answerable',
    });
    expect(await grade({ type: 'abstention' }, { output: answer }, { unanswerable: false })).toMatchObject({
      pass: true,
      score: 1,
    });
  });
});
