import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedCase } from '../config/load.js';
import type { ContextItem, TargetOutput } from '../results/types.js';
import { gradeAnswer } from '../runner/grade.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../test/helpers/fake-openai.js';
import { citedSentences, contentWords, splitClaims } from './faithfulness.js';
import { compileGrader, type CompileContext } from './index.js';
import { isJudgeGrader } from './judge-spec.js';
import { GraderSpecSchema, normalizeGraderInput } from './spec.js';

function compile(raw: unknown, ctx: CompileContext = { baseDir: '.' }) {
  return compileGrader(GraderSpecSchema.parse(normalizeGraderInput(raw)), ctx);
}

function caseOf(extra: Partial<LoadedCase> = {}): LoadedCase {
  return {
    id: 'c1',
    suite: 's',
    vars: { question: 'Can I return it?' },
    tags: {},
    blocker: false,
    repeat: 1,
    graders: [],
    location: { file: 'x', line: 1 },
    ...extra,
  } as LoadedCase;
}

function grade(raw: unknown, output: Partial<TargetOutput>, c: Partial<LoadedCase> = {}) {
  return compile(raw).grade({ case: caseOf(c), output: { output: '', ...output }, latencyMs: 1 });
}

const refunds: ContextItem = {
  id: 'refunds',
  text: 'Refunds are accepted within 30 days of delivery. Opened items cannot be returned.',
};
const shipping: ContextItem = {
  id: 'shipping',
  text: 'Standard shipping takes 3 to 5 business days. Express shipping costs $12.',
};

describe('claims and words', () => {
  it('splits sentences, lines and list items; drops citation markers and sentences that state nothing', () => {
    expect(
      splitClaims(
        'Hello! The fee is $2.50 per item, e.g. for U.S. orders. See [1].\n- Returns take 5 days\n- Exchanges are free',
      ),
    ).toEqual([
      'The fee is $2.50 per item, e.g. for U.S. orders.',
      'Returns take 5 days',
      'Exchanges are free',
    ]);
    // An abstention is not a claim; neither is a one-word sentence.
    expect(splitClaims("I don't know: the documents don't say. Sorry.")).toEqual([]);
    // The assistant speaking of itself or to the user, and questions, are not claims about the documents.
    expect(
      splitClaims(
        "I can help with refunds, shipping and passwords. I'd suggest the express option. Please contact support for more. Would you like the tracking link? We ship to Canada.",
      ),
    ).toEqual(['We ship to Canada.']);
    expect(splitClaims('You can get a refund within 30 days [refunds]. Thanks!')).toEqual([
      'You can get a refund within 30 days.',
    ]);
  });

  it('content words: stop words out, light stemming, numbers kept whole, n\u2019t as not', () => {
    expect(contentWords("Refunds aren't accepted after 1,000 days; it can't be $30.")).toEqual([
      'refund',
      'not',
      'accept',
      '1000',
      'day',
      'not',
      '30',
    ]);
  });
});

/*
 * The worked example. Passages:
 *   refunds:  "Refunds are accepted within 30 days of delivery. Opened items cannot be returned."
 *             words {refund, accept, 30, day, delivery, open, item, cannot, return}
 *   shipping: "Standard shipping takes 3 to 5 business days. Express shipping costs $12."
 *             words {standard, shipp, take, 3, 5, business, day, express, cost, 12}
 * Claims of the answer, their content words and the best passage:
 *   1 "You can get a refund within 30 days of delivery."  {refund, 30, day, delivery}
 *       refunds: 4/4 = 100%, 30 present, closest sentence not negated, nor the claim: supported
 *   2 "Express shipping costs $12."                        {express, shipp, cost, 12}
 *       shipping: 4/4, 12 present: supported
 *   3 "Refunds are processed in 60 days."                  {refund, process, 60, day}
 *       refunds: 2/4 = 50%, and 60 is not there: unsupported
 *   4 "Opened items can be returned."                      {open, item, return}
 *       refunds: 3/3 = 100%, but its closest sentence says "cannot": unsupported
 *   score = 2/4 = 0.5
 */
describe('faithfulness, deterministic', () => {
  const answer =
    'You can get a refund within 30 days of delivery [refunds]. Express shipping costs $12. ' +
    'Refunds are processed in 60 days. Opened items can be returned.';

  it('scores the supported share of claims and names the unsupported ones', async () => {
    expect(await grade({ type: 'faithfulness' }, { output: answer, contexts: [refunds, shipping] })).toEqual({
      grader: 'faithfulness',
      pass: false,
      score: 0.5,
      reason:
        '2/4 claims supported by 2 context passages = 0.5 < min 1; unsupported: ' +
        '"Refunds are processed in 60 days." (closest: "refunds", 50% of its words, which lacks "60"); ' +
        '"Opened items can be returned." (closest: "refunds", 100% of its words, whose closest sentence is negated: the claim asserts what it denies)',
    });
    expect(
      await grade({ type: 'faithfulness', min: 0.5 }, { output: answer, contexts: [refunds, shipping] }),
    ).toMatchObject({ pass: true, score: 0.5 });
    expect(
      await grade({ type: 'not-faithfulness', min: 0.5 }, { output: answer, contexts: [refunds, shipping] }),
    ).toMatchObject({ grader: 'not-faithfulness', pass: false, score: 0.5 });
  });

  it('a claim that denies what the context says is unsupported', async () => {
    expect(
      await grade(
        { type: 'faithfulness' },
        { output: 'Refunds are not accepted within 30 days of delivery.', contexts: [refunds] },
      ),
    ).toMatchObject({
      score: 0,
      reason: expect.stringContaining(
        'whose closest sentence has no negation: the claim denies what it says',
      ),
    });
    // The same words, the same way round: supported.
    expect(
      await grade(
        { type: 'faithfulness' },
        { output: 'Opened items cannot be returned.', contexts: [refunds] },
      ),
    ).toMatchObject({
      pass: true,
      score: 1,
      reason: '1/1 claims supported by 1 context passage = 1 ≥ min 1',
    });
  });

  it('the support threshold: 3 of 4 words is 0.75', async () => {
    // {refund, accept, day, quickly}: refunds has 3 of 4.
    const output = 'Refunds are accepted quickly in days.';
    expect(await grade({ type: 'faithfulness' }, { output, contexts: [refunds] })).toMatchObject({
      score: 1,
    });
    expect(
      await grade({ type: 'faithfulness', support: 0.8 }, { output, contexts: [refunds] }),
    ).toMatchObject({
      score: 0,
      reason: expect.stringContaining('(closest: "refunds", 75% of its words)'),
    });
  });

  it('an abstention has no claim to score: excluded from the mean, not a vacuous 1', async () => {
    const v = await grade(
      { type: 'faithfulness' },
      { output: "I don't know: the documents don't say.", contexts: [refunds] },
    );
    expect(v).toMatchObject({ pass: true, score: 0, excluded: true });
    // The runner keeps the flag: the verdict decides nothing and is left out of graderScores.
    const c = caseOf({ graders: [compile({ type: 'faithfulness' })] });
    const [kept] = await gradeAnswer(c, { case: c, output: { output: "I don't know." }, latencyMs: 1 });
    expect(kept).toMatchObject({ excluded: true, layer: 'task-metric' });
  });

  it('where the context comes from: retrieved first, the case as a fallback, none is an error', async () => {
    const output = 'Refunds are accepted within 30 days of delivery.';
    // The case's context, when the target returned none.
    expect(await grade({ type: 'faithfulness' }, { output }, { context: [refunds] })).toMatchObject({
      score: 1,
    });
    // Retrieved, even when the case has its own: here the retrieved one does not support it.
    expect(
      await grade({ type: 'faithfulness' }, { output, contexts: [shipping] }, { context: [refunds] }),
    ).toMatchObject({ score: 0 });
    expect(
      await grade(
        { type: 'faithfulness', contexts: 'case' },
        { output, contexts: [shipping] },
        { context: [refunds] },
      ),
    ).toMatchObject({ score: 1 });
    // Retrieved nothing: every claim is unsupported (a real answer, scored 0).
    expect(await grade({ type: 'faithfulness' }, { output, contexts: [] })).toEqual({
      grader: 'faithfulness',
      pass: false,
      score: 0,
      reason:
        '0/1 claims supported by 0 context passages = 0 < min 1; unsupported: "Refunds are accepted within 30 days of delivery." (no context passage to support it)',
    });
    // No context to read at all: the grader cannot decide.
    expect(await grade({ type: 'faithfulness' }, { output })).toMatchObject({ error: true, pass: false });
    expect(
      await grade({ type: 'faithfulness', contexts: 'retrieved' }, { output }, { context: [refunds] }),
    ).toMatchObject({ error: true, reason: expect.stringContaining('the target returned no contexts') });
  });

  it('model-written claims are quoted as JSON and cut short in the reason', async () => {
    const output = `Refunds take 90 days\u001b[2J and ${'very '.repeat(30)}long.`;
    const v = await grade({ type: 'faithfulness' }, { output, contexts: [refunds] });
    expect(v.reason).toContain('"Refunds take 90 days\\u001b[2J and very very');
    expect(v.reason).toContain('…"');
    expect(v.reason.includes('\u001b')).toBe(false);
  });

  it('is a task metric named faithfulness, so gate rules can say score:faithfulness', () => {
    const g = compile({ type: 'faithfulness' });
    expect(g.name).toBe('faithfulness');
    expect(g.layer).toBe('task-metric');
    expect(isJudgeGrader(g)).toBe(false);
    expect(() => compile({ type: 'faithfulness', support: 0 })).toThrow();
  });
});

describe('faithfulness, judge mode', () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI({
      script: () => ({
        content: JSON.stringify({
          verdict: 'fail',
          score: 0.5,
          reasoning: 'UNSUPPORTED: "Refunds are processed in 60 days."',
        }),
      }),
    });
  });
  afterAll(() => server.close());

  it('sends the contexts as the reference (not the expected answer), and is advisory until calibrated', async () => {
    const ctx: CompileContext = {
      baseDir: '.',
      judge: {
        model: 'judge-1',
        baseURL: server.url,
        apiKeyEnv: 'K',
        timeoutMs: 5000,
        retries: 0,
        minKappa: 0.6,
        minLabels: 30,
        minLabelsPerClass: 10,
      },
      env: { K: 'key' },
    };
    const g = compile({ type: 'faithfulness', judge: true, min: 0.8 }, ctx);
    expect(isJudgeGrader(g)).toBe(true);
    expect(g.layer).toBe('judge');
    expect(g.advisory).toBe('not calibrated (no judge.calibration report)');
    const c = caseOf({ expected: 'THE-EXPECTED-ANSWER', graders: [g] });
    const [v] = await gradeAnswer(c, {
      case: c,
      output: { output: 'Refunds are processed in 60 days.', contexts: [refunds] },
      latencyMs: 1,
    });
    expect(v).toEqual({
      grader: 'faithfulness',
      pass: false,
      score: 0.5,
      reason:
        'UNSUPPORTED: "Refunds are processed in 60 days." (advisory: not calibrated (no judge.calibration report))',
      advisory: true,
      layer: 'judge',
      dimension: 'grounding',
    });
    const user = String(server.requests[0]!.body.messages?.[1]?.content);
    expect(user).toMatch(/<<<BEGIN REFERENCE \w+>>>\n\[refunds\] Refunds are accepted within 30 days/);
    expect(user).not.toContain('THE-EXPECTED-ANSWER');
    expect(user).toMatch(/<<<BEGIN RESPONSE \w+>>>\nRefunds are processed in 60 days\./);
  });
});

/*
 * Citation support, worked by hand. Contexts: refunds (1st), shipping (2nd).
 *   "You can get a refund within 30 days of delivery [refunds]."  refunds: 4/4 words, 30 there: supported
 *   "Express shipping costs $12 [refunds]."                       refunds: 0/4 words, no 12: not supported
 *   "Standard shipping takes 3 to 5 business days [2]."          the 2nd context, shipping: supported
 *   "Gift cards never expire [gifts]."                            gifts was not retrieved: not supported
 *   "Thanks for asking!"                                          cites nothing: not counted
 *   score = 2/4 = 0.5
 */
describe('citation-support', () => {
  const answer =
    'You can get a refund within 30 days of delivery [refunds]. Express shipping costs $12 [refunds]. ' +
    'Standard shipping takes 3 to 5 business days [2]. Gift cards never expire [gifts]. Thanks for asking!';

  it('checks each cited source against the sentence citing it', async () => {
    expect(
      await grade({ type: 'citation-support' }, { output: answer, contexts: [refunds, shipping] }),
    ).toEqual({
      grader: 'citation-support',
      pass: false,
      score: 0.5,
      reason:
        '2/4 citations support their sentence = 0.5 < min 1; not supported: ' +
        '"Express shipping costs $12." cites [refunds] (0% of its words, which lacks "12"); ' +
        '"Gift cards never expire." cites [gifts], which is not among the 2 retrieved documents',
    });
    expect(
      await grade({ type: 'citation-support', min: 0.5 }, { output: answer, contexts: [refunds, shipping] }),
    ).toMatchObject({ pass: true, score: 0.5 });
  });

  it('two markers on one sentence are two citations; a markdown link is not one', () => {
    expect(
      citedSentences(
        'Refunds take 30 days and shipping is free [refunds][shipping]. See [the docs](https://x.io).',
      ),
    ).toEqual([
      { sentence: 'Refunds take 30 days and shipping is free.', source: 'refunds' },
      { sentence: 'Refunds take 30 days and shipping is free.', source: 'shipping' },
    ]);
  });

  it('an answer without citations is excluded; no contexts is a grader error', async () => {
    expect(
      await grade({ type: 'citation-support' }, { output: 'Refunds take 30 days.', contexts: [refunds] }),
    ).toMatchObject({ excluded: true, pass: true });
    expect(
      await grade({ type: 'citation-support' }, { output: 'Refunds take 30 days [refunds].' }),
    ).toMatchObject({
      error: true,
    });
    expect(compile({ type: 'citation-support' }).layer).toBe('task-metric');
  });
});
