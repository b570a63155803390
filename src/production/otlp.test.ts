import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_USER_ID,
} from '@opentelemetry/semantic-conventions/incubating';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { hex, tracesDocument, type TestSpan } from '../../test/helpers/otlp.js';
import { GENERATORS, PII_KINDS, pick, piiSample, rng } from '../../test/helpers/pii-corpus.js';
import { tempDir } from '../../test/helpers/tmp.js';
import { main } from '../cli/main.js';
import type { CliIO } from '../cli/types.js';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import { KeyedHasher } from './hash.js';
import { readOtlpTraces } from './otlp.js';
import { EVALGATE_OTEL_ATTRIBUTES, interactionsFromSpans, recordsFromSpans } from './otlp-ingest.js';
import { ProductionPolicySchema } from './policy-schema.js';
import type { ProductionRecord } from './record.js';
import { createRedactor } from './redact/index.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv2020,
) => void;
const ajv = new Ajv2020({ strict: true });
addFormats(ajv);
const validateRecord = ajv.compile(JSON.parse(readFileSync('schema/record.schema.json', 'utf8')) as object);

const FIXTURES = resolve('test/fixtures/otlp');
const KEY = 'otlp-test-key-0123456789abcdef';
const hasher = new KeyedHasher(KEY);
const policy = (over: Record<string, unknown> = {}) => ProductionPolicySchema.parse(over);
const FALLBACK = { system: 'sys-from-versions-file' };

function ingest(
  file: string,
  over: Record<string, unknown> = {},
  { fallback = FALLBACK as typeof FALLBACK | null } = {},
) {
  const p = policy(over);
  const items = interactionsFromSpans(readOtlpTraces(file));
  const records = recordsFromSpans(items, p, fallback ?? undefined, {
    hasher,
    redactor: createRedactor(p.redaction),
  });
  for (const r of records) expect(validateRecord(r), JSON.stringify(validateRecord.errors)).toBe(true);
  return { items, records };
}

describe('OTLP GenAI spans → records', () => {
  it('reads current-convention spans with content: one record per outermost GenAI span, ids hashed, text reduced to features', () => {
    const { items, records } = ingest(join(FIXTURES, 'chat-with-content.json'));
    // The HTTP server span is no interaction; the agent's two chat calls and its tool call are part of it.
    expect(items.map((i) => [i.provider, i.operation, i.model])).toEqual([
      ['openai', 'chat', 'gpt-4o-mini-2024-07-18'],
      ['openai', 'invoke_agent', undefined],
    ]);
    const [chat, agent] = records as [ProductionRecord, ProductionRecord];
    expect(chat).toMatchObject({
      at: '2025-12-05T12:00:00.000Z',
      sampleRate: 1,
      versions: { system: 'sys-7f3a2c', prompt: 'prm-91bd04' },
      requestId: hasher.hash('request', 'chatcmpl-AzQ4v1X9bE2tV7rN'),
      sessionId: hasher.hash('session', 'conv_5j66UpCpwteGg4YSxUnt7lPY'),
      userId: hasher.hash('user', 'jane.doe@example.com'),
      route: 'billing',
      riskTags: ['payments'],
      latencyMs: 1250,
      // intValue as a string ("57") and as a number (31): both are OTLP JSON.
      tokens: { input: 57, output: 31 },
      refusal: false,
    });
    const userText =
      'My card 4111 1111 1111 1111 was charged twice. Email me at jane.doe@example.com or call +1 415 555 2671.';
    expect(chat.input).toEqual({
      chars: userText.length,
      language: 'en',
      hash: hasher.hash('text', userText),
    });
    expect(chat.output?.text).toBeUndefined();
    expect(agent).toMatchObject({
      versions: { system: 'sys-agent-22' },
      route: 'refunds',
      latencyMs: 4500,
      tokens: { input: 932, output: 50 }, // the agent reports none: its chat calls' sum
      toolCalls: { count: 1, names: ['issue_refund'], blocked: 0 },
    });
    expect(agent.input?.chars).toBe(
      'Refund order 112-4890915-3107695 to IBAN DE89 3704 0044 0532 0130 00 please'.length,
    );
  });

  it('reads spans without content: no text features at all, the version stamp from --versions, content_filter as a safety event', () => {
    const { items, records } = ingest(join(FIXTURES, 'chat-no-content.json'));
    expect(items).toHaveLength(2); // the embeddings span is not an interaction
    expect(items.every((i) => !i.hasInput && !i.versions)).toBe(true);
    for (const r of records) {
      expect(r.input).toBeUndefined();
      expect(r.output).toBeUndefined();
      expect(r.refusal).toBeUndefined();
      expect(r.versions).toEqual(FALLBACK);
    }
    expect(records[0]).toMatchObject({ latencyMs: 830, tokens: { input: 112, output: 64 } });
    expect(records[0]!.safetyEvents).toBeUndefined();
    expect(records[1]!.safetyEvents).toEqual(['content-filter']);
  });

  it('without --versions, a span with no evalgate.*_version attribute is an error at its line, and nothing is returned', () => {
    const file = join(FIXTURES, 'chat-no-content.json');
    expect(() => ingest(file, {}, { fallback: null })).toThrow(ConfigErrors);
    try {
      ingest(file, {}, { fallback: null });
    } catch (e) {
      expect((e as ConfigErrors).errors[0]!.format(FIXTURES)).toBe(
        `chat-no-content.json:1:1: a span has no ${EVALGATE_OTEL_ATTRIBUTES.systemVersion} (nor the prompt, model or retrieval version) attribute, and no --versions was given`,
      );
    }
  });

  it('reads the deprecated gen_ai.system and the older content events, one document per line', () => {
    const { items, records } = ingest(join(FIXTURES, 'legacy-gen-ai-system.jsonl'), { retainText: true });
    expect(items.map((i) => [i.provider, i.operation, i.where.line])).toEqual([
      ['openai', undefined, 1],
      ['openai', undefined, 2],
    ]);
    expect(records.map((r) => r.versions)).toEqual([{ system: 'sys-faq-3' }, { system: 'sys-faq-3' }]);
    // gen_ai.user.message / gen_ai.choice events …
    expect(records[0]!.input?.text).toBe(
      'Is my API key [REDACTED:apiKey] valid? Reach me on [REDACTED:phone].',
    );
    expect(records[0]!.input?.redactions).toEqual({ apiKey: 1, phone: 1 });
    expect(records[0]!.output?.text).toMatch(/^I cannot check keys/);
    // … and gen_ai.prompt / gen_ai.completion (messages as JSON) on gen_ai.content.* events.
    expect(records[1]!.input?.text).toBe('What are your opening hours? My IP is [REDACTED:ip]');
    expect(records[1]!.output?.text).toBe('We are open 9:00 to 17:00, Monday to Friday.');
  });

  it('takes an error from the span status or error.type, and never its message', () => {
    const { records } = ingest(join(FIXTURES, 'error-status.json'));
    expect(records.map((r) => r.error)).toEqual([{ kind: 'timeout' }, { kind: 'error' }]);
    expect(records[0]!.latencyMs).toBe(30000);
    const written = JSON.stringify(records);
    expect(written).not.toContain('jane.doe');
    expect(written).not.toContain('Too Many');
  });

  it('samples by the keyed hash of the response id, else of the trace id: the same spans in or out on every run', () => {
    const r = rng(7);
    const spans: TestSpan[] = Array.from({ length: 400 }, (_, i) => ({
      traceId: hex(r, 32),
      spanId: hex(r, 16),
      startMs: 1_764_936_000_000 + i,
      durationMs: 10,
      attributes: {
        [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
        ...(i % 2 === 0 && { [ATTR_GEN_AI_RESPONSE_ID]: `resp-${i}` }),
      },
    }));
    const dir = tempDir('evalgate-otlp-');
    const file = join(dir, 'traces.json');
    writeFileSync(file, JSON.stringify(tracesDocument(spans)));
    const once = ingest(file, { sampling: { rate: 0.25 } }).records;
    const again = ingest(file, { sampling: { rate: 0.25 } }).records;
    expect(again).toEqual(once);
    expect(once.length).toBeGreaterThan(60);
    expect(once.length).toBeLessThan(140);
    expect(once.every((rec) => rec.sampleRate === 0.25)).toBe(true);
  });

  it('a planted PII value in message content, ids or labels never reaches a record (text off, and text on redacted)', () => {
    const r = rng(20261207);
    for (const retainText of [false, true]) {
      const planted: string[] = [];
      const spans: TestSpan[] = [];
      for (let i = 0; i < 120; i++) {
        const kind = pick(r, PII_KINDS);
        const inText = piiSample(r, kind);
        const outText = piiSample(r, pick(r, PII_KINDS));
        const user = GENERATORS.email(r);
        const conversation = `conv-${GENERATORS.phone(r)}`;
        planted.push(inText.value, outText.value, user, conversation);
        const message = (role: string, content: string) =>
          JSON.stringify([{ role, parts: [{ type: 'text', content }] }]);
        spans.push({
          traceId: hex(r, 32),
          spanId: hex(r, 16),
          startMs: 1_764_936_000_000 + i * 1000,
          durationMs: 100 + i,
          error: i % 10 === 0,
          attributes: {
            [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
            [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
            [ATTR_GEN_AI_RESPONSE_ID]: `chatcmpl-${hex(r, 12)}`,
            [ATTR_GEN_AI_CONVERSATION_ID]: conversation,
            [ATTR_USER_ID]: user,
            [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10 + i,
            [ATTR_GEN_AI_INPUT_MESSAGES]: message('user', inText.text),
            [ATTR_GEN_AI_OUTPUT_MESSAGES]: message('assistant', outText.text),
            ...(i % 10 === 0 && { [ATTR_ERROR_TYPE]: `upstream ${GENERATORS[kind](r)}` }),
            ...(i % 7 === 0 && { [EVALGATE_OTEL_ATTRIBUTES.route]: `route ${GENERATORS[kind](r)}` }),
          },
        });
      }
      const dir = tempDir('evalgate-otlp-pii-');
      const file = join(dir, 'traces.json');
      writeFileSync(file, JSON.stringify(tracesDocument(spans, { 'evalgate.system_version': 'sys-1' })));
      const { records } = ingest(file, { retainText });
      expect(records).toHaveLength(120);
      const written = records.map((rec) => JSON.stringify(rec)).join('\n');
      for (const value of planted) expect(written, `planted ${value}`).not.toContain(value);
      expect(records.every((rec) => (rec.input?.text !== undefined) === retainText)).toBe(true);
    }
  });

  it('bad input is an error at file:line:col naming the field, never quoting the value', () => {
    const dir = tempDir('evalgate-otlp-bad-');
    const pretty = join(dir, 'pretty.json');
    const doc = tracesDocument([
      { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), startMs: 0, durationMs: 1, attributes: {} },
    ]) as { resourceSpans: { scopeSpans: { spans: { attributes: unknown[] }[] }[] }[] };
    doc.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes = [
      { key: 'gen_ai.usage.input_tokens', value: { intValue: 'jane@example.com' } },
    ];
    writeFileSync(pretty, JSON.stringify(doc, null, 2));
    const err = catchError(() => readOtlpTraces(pretty));
    const lines = readFileSync(pretty, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('"intValue"'));
    const column = lines[line]!.indexOf('"jane') + 1;
    expect(err.format(dir)).toBe(
      `pretty.json:${line + 1}:${column}: resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: expected an integer`,
    );
    expect(err.format(dir)).not.toContain('jane');

    const jsonl = join(dir, 'export.jsonl');
    writeFileSync(jsonl, `${JSON.stringify(doc).replace('jane@example.com', '12')}\n{"resourceSpans": [}\n`);
    expect(catchError(() => readOtlpTraces(jsonl)).format(dir)).toBe(
      'export.jsonl:2:20: invalid JSON: expected a value',
    );
  });
});

function catchError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('evalgate record --otlp', () => {
  async function cli(dir: string, argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      cwd: dir,
      env: { EVALGATE_HASH_KEY: KEY },
      isTTY: false,
    };
    const code = await main(['record', ...argv], io);
    return { code, stdout: out.join(''), stderr: err.join('') };
  }
  function project(): string {
    const dir = tempDir('evalgate-record-otlp-');
    writeFileSync(join(dir, 'evalgate.yml'), 'production:\n  sampling: { rate: 1 }\n');
    writeFileSync(
      join(dir, 'versions.json'),
      JSON.stringify({ schemaVersion: 1, components: {}, targets: { bot: { system: 'sys-bot' } } }),
    );
    return dir;
  }

  it('appends one record per GenAI span, stamped from the span attributes or --versions', async () => {
    const dir = project();
    for (const fixture of ['chat-with-content.json', 'chat-no-content.json']) {
      const r = await cli(dir, [
        '--otlp',
        join(FIXTURES, fixture),
        '--out',
        'records.jsonl',
        '--versions',
        'versions.json',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('recorded 2 of 2 GenAI spans (sampled by the policy) to records.jsonl\n');
    }
    const records = readFileSync(join(dir, 'records.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as ProductionRecord);
    expect(records.map((r) => r.versions.system)).toEqual([
      'sys-7f3a2c',
      'sys-agent-22',
      'sys-bot',
      'sys-bot',
    ]);
    for (const r of records) expect(validateRecord(r)).toBe(true);
  });

  it('no value planted in the fixtures reaches the records file or the output, with retainText off or on', async () => {
    const planted = [
      'jane.doe@example.com',
      '4111 1111 1111 1111',
      '+1 415 555 2671',
      '415-555-2671',
      'DE89 3704 0044 0532 0130 00',
      'sk-proj-4fJ2x9QmZr8TbW1cLq7Vn3Ks',
      '203.0.113.77',
      'conv_5j66UpCpwteGg4YSxUnt7lPY',
      'chatcmpl-AzQ4v1X9bE2tV7rN',
    ];
    for (const retainText of [false, true]) {
      const dir = project();
      writeFileSync(
        join(dir, 'evalgate.yml'),
        `production:\n  sampling: { rate: 1 }\n  retainText: ${retainText}\n`,
      );
      let printed = '';
      for (const fixture of [
        'chat-with-content.json',
        'chat-no-content.json',
        'legacy-gen-ai-system.jsonl',
        'error-status.json',
      ]) {
        const r = await cli(dir, [
          '--otlp',
          join(FIXTURES, fixture),
          '--out',
          'records.jsonl',
          '--versions',
          'versions.json',
        ]);
        expect(r.code).toBe(0);
        printed += r.stdout + r.stderr;
      }
      const written = readFileSync(join(dir, 'records.jsonl'), 'utf8');
      expect(written.trimEnd().split('\n')).toHaveLength(8);
      for (const value of planted) {
        expect(written, value).not.toContain(value);
        expect(printed, value).not.toContain(value);
      }
      expect(written.includes('[REDACTED:card]')).toBe(retainText);
    }
  });

  it('a bad export is exit 2 with file:line:col, and nothing is written', async () => {
    const dir = project();
    writeFileSync(
      join(dir, 'bad.json'),
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 1}]}]}]}',
    );
    const r = await cli(dir, ['--otlp', 'bad.json', '--out', 'records.jsonl', '--versions', 'versions.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.json:1:');
    expect(r.stderr).toContain('resourceSpans[0].scopeSpans[0].spans[0].traceId');
    expect(r.stderr).not.toContain('    at ');
    expect(existsSync(join(dir, 'records.jsonl'))).toBe(false);
    const missing = await cli(dir, [
      '--otlp',
      'nope.json',
      '--out',
      'records.jsonl',
      '--versions',
      'versions.json',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('evalgate: config error: nope.json: cannot read the traces file (ENOENT)\n');
    const both = await cli(dir, ['--otlp', 'bad.json', '--interactions', 'x.jsonl', '--out', 'r.jsonl']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
  });
});
