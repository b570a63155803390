import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_EVALUATION_EXPLANATION,
  ATTR_GEN_AI_EVALUATION_NAME,
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_EVALUATION_SCORE_VALUE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  EVENT_GEN_AI_EVALUATION_RESULT,
} from '@opentelemetry/semantic-conventions/incubating';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { main } from '../cli/main.js';
import type { CliIO } from '../cli/types.js';
import type { CaseResult, GraderVerdict, ResultsDocument, SampleResult } from '../results/types.js';
import { decodeAnyValue, type AttrValue } from './otlp.js';
import { EVALGATE_OTEL_ATTRIBUTES } from './otlp-attributes.js';
import { renderEvaluationEvents } from './otlp-events.js';

const verdict = (
  grader: string,
  pass: boolean,
  score: number,
  over: Partial<GraderVerdict> = {},
): GraderVerdict => ({
  grader,
  pass,
  score,
  reason: pass ? 'ok' : `${grader} did not hold`,
  ...over,
});

const sample = (index: number, graders: GraderVerdict[], over: Partial<SampleResult> = {}): SampleResult => ({
  index,
  status: graders.every((g) => g.pass || g.advisory) ? 'pass' : 'fail',
  graders,
  retries: 0,
  cached: false,
  ...over,
});

const caseOf = (id: string, samples: SampleResult[], blocker = false): CaseResult => ({
  id,
  blocker,
  tags: {},
  status: samples.every((s) => s.status === 'pass') ? 'pass' : 'fail',
  samples,
});

const metrics = {
  cases: 0,
  samples: 0,
  passed: 0,
  failed: 0,
  errors: 0,
  passRate: null,
  errorRate: 0,
  refusalRate: null,
  graderScores: {},
  latencyMs: null,
  tokens: { prompt: 0, completion: 0, total: 0, cached: 0, perCase: 0 },
  cost: null,
  blockerFailures: [],
};

function results(): ResultsDocument {
  const refund = caseOf(
    'refund-window',
    [
      sample(0, [verdict('contains', true, 1), verdict('judge-helpful', false, 0.4, { advisory: true })], {
        output: {
          output: 'Refunds within 14 days.',
          requestId: 'chatcmpl-abc123',
          model: 'gpt-4o-mini-2024-07-18',
        },
      }),
      sample(1, [
        verdict('contains', false, 0),
        verdict('judge-helpful', false, 0, { error: true, reason: 'judge timed out' }),
      ]),
    ],
    true,
  );
  const unanswerable = caseOf('no-answer', [
    sample(0, [
      verdict('abstention', true, 1),
      verdict('recall@5', true, 0, { excluded: true, reason: 'unanswerable: left out' }),
    ]),
  ]);
  return {
    schemaVersion: 1,
    run: {
      id: 'run-2026-12-07-a',
      gitSha: '0c79232aa1',
      startedAt: '2026-12-07T02:00:00.000Z',
      finishedAt: '2026-12-07T02:03:30.000Z',
      evalgateVersion: '0.1.0',
      nodeVersion: 'v22.0.0',
      configPath: 'evalgate.yml',
      configHash: 'h',
      components: {},
      targets: { bot: { kind: 'openai', model: 'gpt-4o-mini', systemVersion: 'sys-7f3a2c' } },
      options: { concurrency: 4, cache: true },
    },
    summary: {
      suites: 1,
      cases: 2,
      samples: 3,
      passed: 2,
      failed: 1,
      errors: 0,
      blockerFailures: [{ suite: 'billing', case: 'refund-window' }],
      cost: null,
      partial: false,
    },
    suites: [
      {
        id: 'billing',
        tier: 'trusted',
        kind: 'regression',
        target: 'bot',
        file: 'suites/billing.yml',
        contentHash: 'c',
        repeat: 2,
        metrics,
        cases: [refund, unanswerable],
      },
    ],
  };
}

interface ParsedEvent {
  eventName: string;
  timeUnixNano: string;
  attributes: Map<string, AttrValue>;
  types: Map<string, string>;
}

/** The file read back as an OTLP collector would: every attribute decoded from its AnyValue. */
function parseBack(text: string): { resource: Map<string, AttrValue>; events: ParsedEvent[] } {
  type KV = { key: string; value: Record<string, unknown> };
  const doc = JSON.parse(text) as {
    resourceLogs: {
      resource: { attributes: KV[] };
      scopeLogs: {
        scope: { name: string };
        logRecords: { eventName: string; timeUnixNano: string; attributes: KV[] }[];
      }[];
    }[];
  };
  expect(doc.resourceLogs).toHaveLength(1);
  const rl = doc.resourceLogs[0]!;
  const decode = (kvs: KV[]) => new Map(kvs.map((kv) => [kv.key, decodeAnyValue(kv.value)]));
  return {
    resource: decode(rl.resource.attributes),
    events: rl.scopeLogs.flatMap((sl) =>
      sl.logRecords.map((r) => ({
        eventName: r.eventName,
        timeUnixNano: r.timeUnixNano,
        attributes: decode(r.attributes),
        types: new Map(r.attributes.map((kv) => [kv.key, Object.keys(kv.value)[0]!])),
      })),
    ),
  };
}

describe('gen_ai.evaluation.result events', () => {
  it('one event per graded verdict (excluded ones left out), with the conventions’ attribute names, read back', () => {
    const { resource, events } = parseBack(renderEvaluationEvents(results()));
    expect(resource.get(ATTR_SERVICE_NAME)).toBe('evalgate');
    // 2 + 2 verdicts in the refund case, 1 of 2 in the unanswerable one.
    expect(events).toHaveLength(5);
    for (const e of events) {
      expect(e.eventName).toBe(EVENT_GEN_AI_EVALUATION_RESULT);
      expect(e.timeUnixNano).toBe(String(Date.parse('2026-12-07T02:03:30.000Z')) + '000000');
      expect(e.types.get(ATTR_GEN_AI_EVALUATION_SCORE_VALUE)).toBe('doubleValue');
      const known = new Set<string>([
        ATTR_GEN_AI_EVALUATION_NAME,
        ATTR_GEN_AI_EVALUATION_SCORE_VALUE,
        ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
        ATTR_GEN_AI_EVALUATION_EXPLANATION,
        ATTR_ERROR_TYPE,
        ATTR_GEN_AI_RESPONSE_ID,
        ATTR_GEN_AI_REQUEST_MODEL,
        ATTR_GEN_AI_RESPONSE_MODEL,
      ]);
      for (const key of e.attributes.keys())
        expect(known.has(key) || key.startsWith('evalgate.'), key).toBe(true);
      expect(e.attributes.get(EVALGATE_OTEL_ATTRIBUTES.systemVersion)).toBe('sys-7f3a2c');
      expect(e.attributes.get(ATTR_GEN_AI_REQUEST_MODEL)).toBe('gpt-4o-mini');
    }
    const summary = events.map((e) => [
      e.attributes.get('evalgate.case'),
      e.attributes.get('evalgate.sample'),
      e.attributes.get(ATTR_GEN_AI_EVALUATION_NAME),
      e.attributes.get(ATTR_GEN_AI_EVALUATION_SCORE_VALUE),
      e.attributes.get(ATTR_GEN_AI_EVALUATION_SCORE_LABEL),
    ]);
    expect(summary).toEqual([
      ['refund-window', 0, 'contains', 1, 'pass'],
      ['refund-window', 0, 'judge-helpful', 0.4, 'fail'],
      ['refund-window', 1, 'contains', 0, 'fail'],
      ['refund-window', 1, 'judge-helpful', 0, 'error'],
      ['no-answer', 0, 'abstention', 1, 'pass'],
    ]);
    const [first, advisory, , failedJudge] = events as [ParsedEvent, ParsedEvent, ParsedEvent, ParsedEvent];
    expect(first.attributes.get(ATTR_GEN_AI_RESPONSE_ID)).toBe('chatcmpl-abc123');
    expect(first.attributes.get(ATTR_GEN_AI_RESPONSE_MODEL)).toBe('gpt-4o-mini-2024-07-18');
    expect(first.attributes.get('evalgate.blocker')).toBe(true);
    expect(advisory.attributes.get('evalgate.advisory')).toBe(true);
    expect(failedJudge.attributes.get(ATTR_GEN_AI_EVALUATION_EXPLANATION)).toBe('judge timed out');
    expect(failedJudge.attributes.get(ATTR_ERROR_TYPE)).toBe('grader_error');
    expect(first.attributes.has(ATTR_ERROR_TYPE)).toBe(false);
  });

  it('evalgate export --otel-events writes the file', async () => {
    const dir = tempDir('evalgate-otel-events-');
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results()));
    const err: string[] = [];
    const io: CliIO = { stdout: () => {}, stderr: (t) => err.push(t), cwd: dir, env: {}, isTTY: false };
    const code = await main(['export', '--results', 'results.json', '--otel-events', 'out/events.json'], io);
    expect(err.join('')).toBe('OpenTelemetry evaluation events: out/events.json\n');
    expect(code).toBe(0);
    expect(parseBack(readFileSync(join(dir, 'out/events.json'), 'utf8')).events).toHaveLength(5);
  });
});
