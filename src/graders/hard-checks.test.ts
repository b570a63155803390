import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadedCase } from '../config/load.js';
import type { TargetOutput } from '../results/types.js';
import { compileGrader } from './index.js';
import { GraderSpecSchema, normalizeGraderInput } from './spec.js';
import { tempDir } from '../../test/helpers/tmp.js';

const baseDir = tempDir('evalgate-graders-');

function grade(
  raw: unknown,
  output: Partial<TargetOutput> & { output: string },
  extra: Partial<{
    expected: unknown;
    latencyMs: number;
    cost: number;
    tokens: { prompt: number; completion: number; total: number };
  }> = {},
) {
  const spec = GraderSpecSchema.parse(normalizeGraderInput(raw));
  const grader = compileGrader(spec, { baseDir });
  const c = {
    id: 'c1',
    suite: 's',
    vars: {},
    tags: {},
    blocker: false,
    repeat: 1,
    graders: [grader],
    location: { file: 'x', line: 1 },
    expected: extra.expected,
  } as LoadedCase;
  return grader.grade({
    case: c,
    output,
    latencyMs: extra.latencyMs ?? 10,
    ...(extra.cost !== undefined && { cost: extra.cost }),
    ...(extra.tokens && { tokens: extra.tokens }),
  });
}

describe('hard-check graders', () => {
  it('equals: trims by default, ignoreCase folds case, structured values compare as JSON', async () => {
    expect(await grade({ type: 'equals', value: 'Paris' }, { output: ' Paris\n' })).toMatchObject({
      pass: true,
      score: 1,
    });
    expect(await grade({ type: 'equals', value: 'paris' }, { output: 'Paris' })).toMatchObject({
      pass: false,
      score: 0,
      reason: 'expected "paris", got "Paris"',
    });
    expect(
      await grade({ type: 'equals', value: 'paris', ignoreCase: true }, { output: 'PARIS' }),
    ).toMatchObject({ pass: true });
    expect(
      await grade({ type: 'equals' }, { output: '{"b":2,"a":1}' }, { expected: { a: 1, b: 2 } }),
    ).toMatchObject({ pass: true });
    expect(await grade({ type: 'equals' }, { output: 'nope' }, { expected: { a: 1 } })).toMatchObject({
      pass: false,
      reason: expect.stringContaining('not JSON'),
    });
  });

  it('contains, contains-any, contains-all, with ignoreCase and the case expected as default', async () => {
    expect(
      await grade({ type: 'contains', value: 'refund' }, { output: 'Refunds take 5 days' }),
    ).toMatchObject({ pass: false });
    expect(
      await grade({ type: 'contains', value: 'refund', ignoreCase: true }, { output: 'Refunds take 5 days' }),
    ).toMatchObject({ pass: true });
    expect(
      await grade({ type: 'contains' }, { output: 'it costs 42 dollars' }, { expected: 42 }),
    ).toMatchObject({ pass: true });
    expect(await grade({ type: 'contains-any', values: ['x', 'days'] }, { output: '5 days' })).toMatchObject({
      pass: true,
      reason: 'contains "days"',
    });
    const all = await grade({ type: 'contains-all', values: ['a', 'b', 'c', 'd'] }, { output: 'a b' });
    expect(all).toMatchObject({ pass: false, score: 0.5, reason: 'missing "c", "d"' });
  });

  it('negation inverts pass and score, through `not: true` or a not- prefix', async () => {
    expect(await grade({ type: 'not-contains', value: 'SECRET' }, { output: 'hello' })).toMatchObject({
      grader: 'not-contains',
      pass: true,
      score: 1,
    });
    expect(
      await grade({ type: 'contains', value: 'SECRET', not: true }, { output: 'the SECRET is' }),
    ).toMatchObject({ pass: false, score: 0, reason: 'not: contains "SECRET"' });
  });

  it('regex compiles once and reports an invalid pattern at compile time', async () => {
    expect(
      await grade({ type: 'regex', pattern: '\\[[a-z-]+\\]' }, { output: 'see [refunds]' }),
    ).toMatchObject({ pass: true });
    expect(() =>
      compileGrader(GraderSpecSchema.parse({ type: 'regex', pattern: '(unclosed' }), { baseDir }),
    ).toThrow(/invalid regex \/\(unclosed\/: .*/);
  });

  it('is-json and json-schema (inline and from a file)', async () => {
    expect(await grade({ type: 'is-json' }, { output: '{"a":1}' })).toMatchObject({ pass: true });
    expect(await grade({ type: 'is-json' }, { output: '```json\n{}\n```' })).toMatchObject({
      pass: false,
      reason: expect.stringContaining('code fence'),
    });
    const schema = { type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } };
    expect(await grade({ type: 'json-schema', schema }, { output: '{"answer":"x"}' })).toMatchObject({
      pass: true,
    });
    expect(await grade({ type: 'json-schema', schema }, { output: '{"answer":3}' })).toMatchObject({
      pass: false,
      reason: 'schema violation at /answer: must be string',
    });
    writeFileSync(join(baseDir, 'schema.json'), JSON.stringify(schema));
    expect(await grade({ type: 'json-schema', schema: 'schema.json' }, { output: '{}' })).toMatchObject({
      pass: false,
    });
    expect(() =>
      compileGrader(GraderSpecSchema.parse({ type: 'json-schema', schema: 'missing.json' }), { baseDir }),
    ).toThrow('cannot read JSON Schema missing.json: ENOENT');
  });

  it('tool-calls: subset vs exact, strict vs any order, arguments matched by value', async () => {
    const toolCalls = [
      { name: 'search', arguments: { q: 'refund', k: 3 } },
      { name: 'send_email', arguments: { to: 'a@b.c' } },
    ];
    const want = [{ name: 'send_email' }, { name: 'search', arguments: { q: 'refund' } }];
    expect(await grade({ type: 'tool-calls', calls: want }, { output: '', toolCalls })).toMatchObject({
      pass: true,
      score: 1,
    });
    expect(
      await grade({ type: 'tool-calls', calls: want, order: 'strict' }, { output: '', toolCalls }),
    ).toMatchObject({ pass: false, score: 0.5, reason: 'missing or out of order search' });
    expect(
      await grade(
        { type: 'tool-calls', calls: [{ name: 'search' }], match: 'exact' },
        { output: '', toolCalls },
      ),
    ).toMatchObject({ pass: false, reason: 'unexpected send_email' });
    expect(
      await grade(
        { type: 'tool-calls', calls: [{ name: 'search', arguments: { q: 'other' } }] },
        { output: '', toolCalls },
      ),
    ).toMatchObject({
      pass: false,
      score: 0,
      reason: 'search called with the wrong arguments (call 1): q: expected "other", got "refund"',
    });
    // Arguments that are not an object count as none.
    expect(
      await grade(
        { type: 'tool-calls', calls: [{ name: 'issue_refund', arguments: { amount: 30 } }] },
        { output: '', toolCalls: [{ name: 'issue_refund', arguments: 'amount=30' }] },
      ),
    ).toMatchObject({
      pass: false,
      reason: 'issue_refund called with the wrong arguments (call 1): amount: expected 30, got nothing',
    });
  });

  it('latency, tokens and cost budgets; missing usage or price is an error, never a pass', async () => {
    expect(await grade({ type: 'latency', maxMs: 100 }, { output: '' }, { latencyMs: 200 })).toMatchObject({
      pass: false,
      score: 0.5,
      reason: '200 ms > budget 100 ms',
    });
    expect(
      await grade(
        { type: 'tokens', max: 100 },
        { output: '' },
        { tokens: { prompt: 10, completion: 20, total: 30 } },
      ),
    ).toMatchObject({ pass: true });
    expect(
      await grade(
        { type: 'tokens', max: 10, kind: 'completion' },
        { output: '' },
        { tokens: { prompt: 10, completion: 20, total: 30 } },
      ),
    ).toMatchObject({ pass: false, score: 0.5 });
    expect(await grade({ type: 'tokens', max: 10 }, { output: '' })).toMatchObject({
      pass: false,
      error: true,
    });
    expect(await grade({ type: 'cost', maxUsd: 0.01 }, { output: '' }, { cost: 0.002 })).toMatchObject({
      pass: true,
    });
    expect(await grade({ type: 'cost', maxUsd: 0.01 }, { output: '' })).toMatchObject({
      pass: false,
      error: true,
    });
  });

  it('refusal: expect true passes on a refusal or abstention, expect false on an answer', async () => {
    expect(
      await grade({ type: 'refusal' }, { output: "I'm sorry, but I can't help with that." }),
    ).toMatchObject({ pass: true, reason: 'the response is a refusal' });
    expect(
      await grade({ type: 'refusal', expect: false }, { output: 'Refunds take 5 business days [refunds].' }),
    ).toMatchObject({ pass: true });
    expect(
      await grade(
        { type: 'refusal', expect: false },
        { output: "I don't have enough information to answer that." },
      ),
    ).toMatchObject({ pass: false, reason: 'expected an answer; the response is an abstention' });
  });
});
