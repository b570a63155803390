import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { ConfigError, ConfigErrors, formatField } from '../config/errors.js';
import { ProductionPolicySchema, RECORD_FIELDS } from './policy-schema.js';
import { toRecord, type ProductionRecord } from './record.js';
import {
  parseRecordLine,
  readRecords,
  RECORD_ERRORS_KEPT,
  recordProblem,
  RecordErrors,
} from './records-file.js';

const ENV = { EVALGATE_HASH_KEY: 'records-file-test-key-0123' };

/** A record with every field the recorder can write, plus online verdicts (`evalgate grade`). */
function fullRecord(): ProductionRecord {
  const policy = ProductionPolicySchema.parse({
    sampling: { rate: 1 },
    fields: [...RECORD_FIELDS],
    retainText: true,
  });
  const record = toRecord(
    {
      at: '2026-12-07T09:30:00.000Z',
      userId: 'u1',
      sessionId: 's1',
      requestId: 'r1',
      route: 'billing',
      riskTags: ['payments'],
      input: 'Why was I charged twice?',
      output: 'You were charged once; the second line is a hold.',
      toolCalls: [{ name: 'lookup', blocked: true }],
      safetyEvents: ['moderation-flagged'],
      error: 'timeout',
      latencyMs: 812.5,
      tokens: { input: 120, output: 30 },
      costUsd: 0.0004,
      feedback: 'down',
      acceptedAnswer: 'You were charged once.',
    },
    policy,
    { system: 'sys-1', components: { prompt: 'p-1' } },
    { env: ENV },
  )!;
  return {
    ...record,
    // A verdict may be an object with a boolean pass (drift/quality.ts).
    online: { tone: true, pii: { pass: false, score: 0.2 } } as unknown as Record<string, boolean>,
  };
}

/** The record with `edit` applied to a copy. */
function edited(edit: (r: Record<string, unknown>) => void): Record<string, unknown> {
  const r = structuredClone(fullRecord()) as unknown as Record<string, unknown>;
  edit(r);
  return r;
}

describe('recordProblem: schema/record.schema.json, checked by hand', () => {
  it('a record the recorder wrote, every field present, is one (also with known fields only)', () => {
    const r = fullRecord();
    for (const key of ['userId', 'editDistance', 'feedback', 'toolCalls', 'error', 'safetyEvents'])
      expect(r).toHaveProperty(key);
    expect(recordProblem(r)).toBeUndefined();
    expect(recordProblem(r, { knownFieldsOnly: true })).toBeUndefined();
    expect(
      recordProblem({ schemaVersion: 1, at: '2026-12-07T09:30:00+01:00', sampleRate: 0, versions: {} }),
    ).toBe(undefined);
  });

  const cases: [string, (r: Record<string, unknown>) => void, string, RegExp][] = [
    ['another schema version', (r) => (r.schemaVersion = 2), 'schemaVersion', /^expected 1 \(.*\), got 2$/],
    ['no time', (r) => delete r.at, 'at', /^missing: expected an RFC 3339 date-time/],
    ['a date without a time', (r) => (r.at = '2026-12-07'), 'at', /got a string$/],
    ['a time without an offset', (r) => (r.at = '2026-12-07T09:30:00'), 'at', /got a string$/],
    ['a month 13', (r) => (r.at = '2026-13-07T09:30:00Z'), 'at', /got a string$/],
    [
      'a sample rate over 1',
      (r) => (r.sampleRate = 1.5),
      'sampleRate',
      /^expected a number from 0 to 1, got 1.5$/,
    ],
    ['no versions', (r) => delete r.versions, 'versions', /^missing: expected an object of version ids/],
    [
      'a component version that is not a string',
      (r) => ((r.versions as { components: object }).components = { prompt: 7 }),
      'versions.components.prompt',
      /^expected a string, got 7$/,
    ],
    [
      'a raw request id',
      (r) => (r.requestId = 'r1'),
      'requestId',
      /^expected a keyed hash .*, got a string$/,
    ],
    ['a route that is a number', (r) => (r.route = 5), 'route', /^expected a string, got 5$/],
    ['a risk tag that is not a string', (r) => (r.riskTags = ['a', true]), 'riskTags[1]', /got true$/],
    [
      'a negative length',
      (r) => ((r.input as { chars: number }).chars = -1),
      'input.chars',
      /^expected an integer ≥ 0, got -1$/,
    ],
    ['a fractional length', (r) => ((r.output as { chars: number }).chars = 1.5), 'output.chars', /got 1.5$/],
    [
      'a language null',
      (r) => ((r.output as { language: unknown }).language = null),
      'output.language',
      /got null$/,
    ],
    [
      'a redaction count of 0',
      (r) => ((r.input as { redactions: object }).redactions = { email: 0 }),
      'input.redactions.email',
      /^expected an integer ≥ 1, got 0$/,
    ],
    [
      'tool calls without names',
      (r) => delete (r.toolCalls as { names?: unknown }).names,
      'toolCalls.names',
      /^missing: expected an array of strings$/,
    ],
    [
      'a refusal that is a string',
      (r) => (r.refusal = 'no'),
      'refusal',
      /^expected a boolean, got a string$/,
    ],
    ['an error without a kind', (r) => (r.error = {}), 'error.kind', /^missing: expected a string$/],
    [
      'a latency that is a string',
      (r) => (r.latencyMs = '12'),
      'latencyMs',
      /^expected a number ≥ 0, got a string$/,
    ],
    ['a latency null', (r) => (r.latencyMs = null), 'latencyMs', /got null$/],
    ['fractional tokens', (r) => ((r.tokens as { input: number }).input = 2.5), 'tokens.input', /got 2.5$/],
    ['a negative cost', (r) => (r.costUsd = -0.01), 'costUsd', /^expected a number ≥ 0, got -0.01$/],
    [
      'a rating not up or down',
      (r) => (r.feedback = { rating: 'meh' }),
      'feedback.rating',
      /^expected 'up' or 'down'/,
    ],
    [
      'a score over 1',
      (r) => (r.feedback = { score: 2 }),
      'feedback.score',
      /^expected a number from -1 to 1, got 2$/,
    ],
    [
      'an edit ratio over 1',
      (r) => ((r.editDistance as { ratio: number }).ratio = 1.5),
      'editDistance.ratio',
      /got 1.5$/,
    ],
    [
      'truncated false',
      (r) => ((r.editDistance as { truncated: unknown }).truncated = false),
      'editDistance.truncated',
      /^expected true, got false$/,
    ],
    ['online verdicts as an array', (r) => (r.online = [true]), 'online', /got an array$/],
  ];
  it.each(cases)('%s: the field and what was expected', (_, edit, field, message) => {
    const problem = recordProblem(edited(edit));
    expect(problem).toBeDefined();
    expect(formatField(problem!.path)).toBe(field);
    expect(problem!.message).toMatch(message);
  });

  it('a line that is not an object', () => {
    for (const value of [null, [], 3, 'record'])
      expect(recordProblem(value)).toEqual({
        path: [],
        message: expect.stringMatching(/^expected a production record/),
      });
  });

  it('a field the schema does not define: tolerated, or refused with known fields only, at any depth', () => {
    const extra = edited((r) => (r.surprise = 1));
    const nested = edited((r) => ((r.input as Record<string, unknown>).surprise = 1));
    expect(recordProblem(extra)).toBeUndefined();
    expect(recordProblem(nested)).toBeUndefined();
    expect(recordProblem(extra, { knownFieldsOnly: true })?.path).toEqual(['surprise']);
    expect(recordProblem(nested, { knownFieldsOnly: true })?.path).toEqual(['input', 'surprise']);
    // A key is the file's text: shown quoted, so a newline in it cannot forge an error line.
    const forged = JSON.stringify(edited((r) => (r['x\nw.jsonl:9:1: fine'] = 1)));
    const e = parseRecordLine(forged, 'w.jsonl', 1, { knownFieldsOnly: true }) as ConfigError;
    expect(e.location?.field).toBe('"x\\nw.jsonl:9:1: fine"');
    expect(e.format('/')).not.toContain('\n');
  });
});

describe('parseRecordLine: where on the line', () => {
  it('a field at the column of its value, a missing one at its object, bad JSON where it stops being JSON', () => {
    const line = JSON.stringify(edited((r) => (r.latencyMs = '12')));
    const e = parseRecordLine(line, 'w.jsonl', 7) as ConfigError;
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.format('/')).toBe(
      `w.jsonl:7:${line.indexOf('"latencyMs":') + 13}: latencyMs: not a production record: expected a number ≥ 0, got a string`,
    );
    const noKind = JSON.stringify(edited((r) => (r.error = {})));
    expect((parseRecordLine(noKind, 'w.jsonl', 1) as ConfigError).location).toMatchObject({
      column: noKind.indexOf('"error":') + 9,
      field: 'error.kind',
    });
    expect((parseRecordLine('{"schemaVersion": 1,, }', 'w.jsonl', 2) as ConfigError).format('/')).toBe(
      'w.jsonl:2:21: invalid JSON: expected a property name in double quotes',
    );
    expect((parseRecordLine('[1]', 'w.jsonl', 3) as ConfigError).format('/')).toBe(
      'w.jsonl:3:1: not a production record: expected a production record (a JSON object), got an array',
    );
    const good = JSON.stringify(fullRecord());
    expect(parseRecordLine(good, 'w.jsonl', 4)).toEqual(JSON.parse(good));
  });
});

describe('RecordErrors and readRecords: every bad line, in one pass', () => {
  it(`keeps the first ${RECORD_ERRORS_KEPT} and counts the rest; a file is reported once`, () => {
    const errors = new RecordErrors();
    expect(() => errors.throwIfAny()).not.toThrow();
    expect(errors.firstRead('a.jsonl')).toBe(true);
    expect(errors.firstRead('a.jsonl')).toBe(false);
    errors.add(new ConfigError('one', { file: 'a.jsonl', line: 1 }));
    expect(() => errors.throwIfAny()).toThrow(ConfigError);
    for (let i = 2; i <= 30; i++) errors.add(new ConfigError('more', { file: 'a.jsonl', line: i }));
    try {
      errors.throwIfAny();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigErrors);
      expect((e as ConfigErrors).total).toBe(30);
      expect((e as ConfigErrors).errors).toHaveLength(RECORD_ERRORS_KEPT);
    }
  });

  it('readRecords (canary, shadow, grade) reads plain and gzip files, and throws every bad line of all of them', () => {
    const dir = tempDir('evalgate-records-file-');
    const good = JSON.stringify(fullRecord());
    writeFileSync(join(dir, 'a.jsonl'), `${good}\n\n${good}\n`);
    writeFileSync(join(dir, 'b.jsonl.gz'), gzipSync(`${good}\n`));
    const files = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl.gz')];
    expect(readRecords(files).map((r) => [r.file.slice(dir.length + 1), r.line])).toEqual([
      ['a.jsonl', 1],
      ['a.jsonl', 3],
      ['b.jsonl.gz', 1],
    ]);
    writeFileSync(join(dir, 'a.jsonl'), `${good}\n${JSON.stringify(edited((r) => (r.costUsd = '1')))}\n`);
    writeFileSync(join(dir, 'b.jsonl.gz'), gzipSync(`{"at": \n${good}\n`));
    try {
      readRecords(files);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigErrors);
      expect((e as ConfigErrors).errors.map((x) => x.format(dir))).toEqual([
        expect.stringMatching(
          /^a\.jsonl:2:\d+: costUsd: not a production record: expected a number ≥ 0, got a string$/,
        ),
        expect.stringMatching(/^b\.jsonl\.gz:1:\d+: invalid JSON: expected a value$/),
      ]);
    }
  });
});
