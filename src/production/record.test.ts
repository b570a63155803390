import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { editDistance, guessLanguage } from './features.js';
import { KeyedHasher } from './hash.js';
import { ProductionPolicySchema } from './policy-schema.js';
import { PolicyViolation, samplingRate, toRecord, type Interaction } from './record.js';
import { createRecorder, JsonlSink } from './sink.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv2020,
) => void;
const ajv = new Ajv2020({ strict: true });
addFormats(ajv);
const validateRecord = ajv.compile(JSON.parse(readFileSync('schema/record.schema.json', 'utf8')) as object);

const KEY = 'test-key-0123456789abcdef';
const env = { EVALGATE_HASH_KEY: KEY };
const hasher = new KeyedHasher(KEY);
const versions = { system: 'sys-1', prompt: 'p-1', model: 'm-1', components: { 'billing-prompt': 'p-1' } };
const policy = (over: Record<string, unknown> = {}) => ProductionPolicySchema.parse({ ...over });

const INTERACTION: Interaction = {
  at: '2026-12-01T10:00:00Z',
  userId: 'jane@example.com',
  sessionId: 's-42',
  requestId: 'req-1',
  route: 'billing',
  riskTags: ['payments'],
  input: 'My card 4111 1111 1111 1111 was charged twice, what is the refund policy?',
  output: "I'm sorry, but I can't help with card disputes here. Call +1 415 555 2671.",
  toolCalls: [{ name: 'lookup_invoice' }, { name: 'issue_refund', blocked: true }],
  safetyEvents: ['pii-detected'],
  error: { kind: 'timeout', message: 'upstream jane@example.com timed out' },
  latencyMs: 812,
  tokens: { input: 40, output: 22 },
  costUsd: 0.0004,
  feedback: 'down',
  acceptedAnswer: "I'm sorry, but I can't help with card disputes. Call support.",
};

describe('toRecord', () => {
  it('hashes ids, reduces text to features, keeps every derived feature, stamps versions', () => {
    const record = toRecord(INTERACTION, policy(), versions, { env })!;
    expect(validateRecord(record), JSON.stringify(validateRecord.errors)).toBe(true);
    expect(record).toEqual({
      schemaVersion: 1,
      at: '2026-12-01T10:00:00.000Z',
      sampleRate: 1,
      versions,
      userId: hasher.hash('user', 'jane@example.com'),
      sessionId: hasher.hash('session', 's-42'),
      requestId: hasher.hash('request', 'req-1'),
      route: 'billing',
      riskTags: ['payments'],
      input: { chars: 73, language: 'en', hash: hasher.hash('text', INTERACTION.input) },
      output: { chars: 74, language: 'en', hash: hasher.hash('text', INTERACTION.output!) },
      toolCalls: { count: 2, names: ['lookup_invoice', 'issue_refund'], blocked: 1 },
      refusal: true,
      safetyEvents: ['pii-detected', 'tool-blocked'],
      error: { kind: 'timeout' },
      latencyMs: 812,
      tokens: { input: 40, output: 22 },
      costUsd: 0.0004,
      feedback: { rating: 'down' },
      editDistance: editDistance(INTERACTION.output!, INTERACTION.acceptedAnswer!),
    });
    const line = JSON.stringify(record);
    for (const secret of ['jane@example.com', '4111', '415 555', 's-42', 'req-1', 'upstream'])
      expect(line).not.toContain(secret);
  });

  it('keeps text only redacted, and only with retainText', () => {
    const record = toRecord(INTERACTION, policy({ retainText: true }), versions, { env })!;
    expect(validateRecord(record)).toBe(true);
    expect(record.input?.text).toBe('My card [REDACTED:card] was charged twice, what is the refund policy?');
    expect(record.output?.text).toBe(
      "I'm sorry, but I can't help with card disputes here. Call [REDACTED:phone].",
    );
    expect(record.input?.redactions).toEqual({ card: 1 });
  });

  it('keeps only the fields the policy lists', () => {
    const record = toRecord(INTERACTION, policy({ fields: ['route', 'length', 'latencyMs'] }), versions, {
      env,
    })!;
    expect(record).toEqual({
      schemaVersion: 1,
      at: '2026-12-01T10:00:00.000Z',
      sampleRate: 1,
      versions,
      route: 'billing',
      input: { chars: 73 },
      output: { chars: 74 },
      latencyMs: 812,
    });
  });

  it('redacts labels and refuses nothing it can redact', () => {
    const record = toRecord(
      { input: 'hi', route: 'users/jane@example.com', safetyEvents: ['blocked 10.0.0.1'] },
      policy(),
      {},
      { env },
    )!;
    expect(record.route).toBe('users/[REDACTED:email]');
    expect(record.safetyEvents).toEqual(['blocked [REDACTED:ip]']);
  });

  it('samples by the keyed hash of the request id, at the risk tag rate, else the route rate, else the default', () => {
    const p = policy({ sampling: { rate: 0.1, byRoute: { chat: 0.5 }, byRisk: { high: 1, medium: 0.3 } } });
    expect(samplingRate(p)).toBe(0.1);
    expect(samplingRate(p, 'chat')).toBe(0.5);
    expect(samplingRate(p, 'chat', ['medium'])).toBe(0.3);
    expect(samplingRate(p, 'chat', ['medium', 'high'])).toBe(1);
    const kept = (route: string, riskTags: string[] = []) => {
      let n = 0;
      for (let i = 0; i < 2000; i++)
        if (toRecord({ input: 'x', requestId: `r${i}`, route, riskTags }, p, {}, { hasher })) n++;
      return n / 2000;
    };
    expect(kept('other')).toBeGreaterThan(0.07);
    expect(kept('other')).toBeLessThan(0.13);
    expect(kept('chat')).toBeGreaterThan(0.45);
    expect(kept('chat')).toBeLessThan(0.55);
    expect(kept('other', ['high'])).toBe(1);
    // The same request is always in or always out.
    const once = toRecord({ input: 'x', requestId: 'r7', route: 'chat' }, p, {}, { hasher });
    const twice = toRecord({ input: 'y', requestId: 'r7', route: 'chat' }, p, {}, { hasher });
    expect(once === null).toBe(twice === null);
    // Without a request id, the injected random source decides.
    expect(toRecord({ input: 'x' }, p, {}, { hasher, random: () => 0.09 })).not.toBeNull();
    expect(toRecord({ input: 'x' }, p, {}, { hasher, random: () => 0.11 })).toBeNull();
  });

  it('refuses without a key, with an invalid interaction, or with invalid versions', () => {
    expect(() => toRecord(INTERACTION, policy(), versions, { env: {} })).toThrow(/EVALGATE_HASH_KEY/);
    expect(() => toRecord({ input: 3 } as unknown as Interaction, policy(), versions, { env })).toThrow(
      PolicyViolation,
    );
    expect(() => toRecord({ input: 'x', at: 'yesterday' }, policy(), versions, { env })).toThrow(/at:/);
    expect(() => toRecord({ input: 'x' }, policy(), { system: 3 } as never, { env })).toThrow(/versions/);
  });
});

describe('features', () => {
  it('guesses languages by script and by function words', () => {
    expect(guessLanguage('What is the refund policy for my order?')).toBe('en');
    expect(guessLanguage('¿Cuál es la política de reembolso de mi pedido?')).toBe('es');
    expect(guessLanguage('Quelle est la politique de remboursement pour ma commande ?')).toBe('fr');
    expect(guessLanguage('Pourquoi ai-je été débité deux fois ce mois-ci ?')).toBe('fr');
    expect(guessLanguage("I'm sorry, but I can't help.")).toBe('en');
    expect(guessLanguage('Wie ist die Rückerstattung für meine Bestellung und wann kommt sie?')).toBe('de');
    expect(guessLanguage('Какова политика возврата?')).toBe('ru');
    expect(guessLanguage('返金ポリシーは何ですか')).toBe('ja');
    expect(guessLanguage('退款政策是什么')).toBe('zh');
    expect(guessLanguage('환불 정책은 무엇입니까')).toBe('ko');
    expect(guessLanguage('ok')).toBe('und');
    // Letters inside an address, a key or a URL are not words.
    expect(guessLanguage('¿Dónde está mi pedido? fe80::a12f:454e:a19e:3605')).toBe('es');
    expect(guessLanguage('12345')).toBe('und');
  });

  it('computes the Levenshtein distance and its ratio', () => {
    expect(editDistance('kitten', 'sitting')).toEqual({ chars: 3, ratio: 3 / 7 });
    expect(editDistance('', '')).toEqual({ chars: 0, ratio: 0 });
    expect(editDistance('abc', '')).toEqual({ chars: 3, ratio: 1 });
    expect(editDistance('😀a', 'a')).toEqual({ chars: 1, ratio: 0.5 });
    expect(editDistance('a'.repeat(4001), 'a'.repeat(4000))).toEqual({ chars: 0, ratio: 0, truncated: true });
  });
});

describe('recorder and JSONL sink', () => {
  it('appends one line per sampled interaction, and refuses to start without a key', () => {
    const dir = tempDir('evalgate-sink-');
    const file = join(dir, 'records', 'today.jsonl');
    expect(() => createRecorder({ policy: policy(), versions, sink: new JsonlSink(file), env: {} })).toThrow(
      /hash key is missing/,
    );
    const recorder = createRecorder({ policy: policy(), versions, sink: new JsonlSink(file), env });
    recorder.record(INTERACTION);
    recorder.record({ ...INTERACTION, requestId: 'req-2' });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(validateRecord(JSON.parse(l))).toBe(true);
  });
});
