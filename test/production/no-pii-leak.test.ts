import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/types.js';
import { loadProductionPolicy } from '../../src/production/policy.js';
import type { Interaction } from '../../src/production/record.js';
import { createRecorder, JsonlSink } from '../../src/production/sink.js';
import { GENERATORS, int, PII_KINDS, pick, rng, type Random } from '../helpers/pii-corpus.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The property: a planted value of each PII kind, put anywhere an application can put text
 * (input, output, accepted answer, route, risk tags, tool names, safety events, error kind
 * and message, user/session/request ids), never reaches any file evalgate writes in the
 * production flow (records, from the CLI and from the library; the policy output; prune's
 * rewrite) nor anything it prints (stdout and stderr, errors included). Seeded: 60 rounds
 * of generated interactions, text retained in half of them.
 */
const ROUNDS = 60;
const KEY = 'leak-test-key-0123456789';
const FILLER = [
  'hello',
  'please',
  'see',
  'about',
  'my',
  'thanks',
  'the',
  'with',
  'from',
  'and',
  'here',
  'is',
];

interface Planted {
  kind: string;
  value: string;
}

function sentence(r: Random, value: string): string {
  const words = Array.from({ length: int(r, 0, 5) }, () => pick(r, FILLER));
  words.splice(int(r, 0, words.length), 0, value);
  return `${words.join(' ')}${pick(r, ['', '.', '!', '?', ' :)'])}`;
}

/** One value of every kind (and of the custom pattern), each put in a randomly chosen place. */
function interactionWithPii(r: Random, round: number): { interaction: Interaction; planted: Planted[] } {
  const planted: Planted[] = [
    ...PII_KINDS.map((kind) => ({ kind, value: GENERATORS[kind](r) })),
    { kind: 'employee', value: `EMP-${String(int(r, 0, 999_999)).padStart(6, '0')}` },
  ];
  const it: Interaction = {
    at: new Date(Date.UTC(2026, 11, 7) - int(r, 0, 20) * 86_400_000).toISOString(),
    requestId: `req-${round}`,
    input: sentence(r, 'question'),
    output: sentence(r, 'answer'),
  };
  const places = [
    'input',
    'output',
    'acceptedAnswer',
    'route',
    'riskTags',
    'toolCall',
    'safetyEvent',
    'errorKind',
    'errorMessage',
    'userId',
    'sessionId',
  ] as const;
  for (const { value } of planted) {
    const place = pick(r, places);
    const text = sentence(r, value);
    if (place === 'input') it.input = `${it.input} ${text}`;
    else if (place === 'output') it.output = `${it.output} ${text}`;
    else if (place === 'acceptedAnswer') it.acceptedAnswer = text;
    else if (place === 'route') it.route = `support/${value}`;
    else if (place === 'riskTags') it.riskTags = [...(it.riskTags ?? []), text];
    else if (place === 'toolCall')
      it.toolCalls = [...(it.toolCalls ?? []), { name: text, blocked: r() < 0.5 }];
    else if (place === 'safetyEvent') it.safetyEvents = [...(it.safetyEvents ?? []), text];
    else if (place === 'errorKind') it.error = { kind: text };
    else if (place === 'errorMessage') it.error = { kind: 'timeout', message: text };
    else if (place === 'userId') it.userId = value;
    else it.sessionId = value;
  }
  return { interaction: it, planted };
}

async function cli(dir: string, argv: string[], logs: string[]) {
  const io: CliIO = {
    stdout: (t) => logs.push(t),
    stderr: (t) => logs.push(t),
    cwd: dir,
    env: { EVALGATE_HASH_KEY: KEY },
    isTTY: false,
  };
  return main(argv, io);
}

/** Everything under dir except what the test itself wrote, as text (gzip unpacked). */
function writtenByEvalgate(dir: string, inputs: Set<string>): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !inputs.has(join(e.parentPath, e.name)))
    .map((e) => {
      const raw = readFileSync(join(e.parentPath, e.name));
      return (e.name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    });
}

describe('no planted PII value reaches anything evalgate writes or prints (property, seeded)', () => {
  for (const retainText of [false, true]) {
    it(`retainText: ${retainText}`, async () => {
      const dir = tempDir('evalgate-leak-');
      const config = join(dir, 'evalgate.yml');
      writeFileSync(
        config,
        `production:
  sampling: { rate: 1 }
  retainText: ${retainText}
  retentionDays: 10
  redaction:
    custom:
      - { name: employee, pattern: 'EMP-\\d{6}' }
`,
      );
      writeFileSync(join(dir, 'versions.json'), JSON.stringify({ targets: { bot: { system: 'sys-1' } } }));
      const r = rng(retainText ? 77 : 76);
      const all: Planted[] = [];
      const lines: string[] = [];
      const interactions: Interaction[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const { interaction, planted } = interactionWithPii(r, round);
        all.push(...planted);
        interactions.push(interaction);
        lines.push(JSON.stringify(interaction));
      }
      const input = join(dir, 'interactions.jsonl');
      writeFileSync(input, `${lines.join('\n')}\n`);
      // A bad line quoting PII: its error must not quote it back.
      const bad = join(dir, 'bad.jsonl');
      writeFileSync(
        bad,
        `${JSON.stringify({ ...interactions[0], input: 42, note: all[0]!.value })}\n{"input": "${all[1]!.value}",\n`,
      );
      const inputs = new Set([config, input, bad, join(dir, 'versions.json')]);

      const logs: string[] = [];
      expect(await cli(dir, ['policy'], logs)).toBe(0);
      expect(await cli(dir, ['policy', '--json'], logs)).toBe(0);
      expect(
        await cli(
          dir,
          [
            'record',
            '--interactions',
            'interactions.jsonl',
            '--out',
            'records/cli.jsonl',
            '--versions',
            'versions.json',
          ],
          logs,
        ),
      ).toBe(0);
      expect(
        await cli(
          dir,
          [
            'record',
            '--interactions',
            'bad.jsonl',
            '--out',
            'records/bad.jsonl',
            '--versions',
            'versions.json',
          ],
          logs,
        ),
      ).toBe(2);
      expect(await cli(dir, ['prune', '--records', 'records/*.jsonl'], logs)).toBe(0);

      // The library path an application takes.
      const recorder = createRecorder({
        policy: loadProductionPolicy(config),
        versions: { system: 'sys-1' },
        sink: new JsonlSink(join(dir, 'records', 'lib.jsonl')),
        env: { EVALGATE_HASH_KEY: KEY },
      });
      for (const it of interactions) recorder.record(it);

      const written = writtenByEvalgate(dir, inputs);
      // Records were written (prune kept the recent ones), by both paths.
      const records = readFileSync(join(dir, 'records', 'lib.jsonl'), 'utf8')
        .trimEnd()
        .split('\n');
      expect(records).toHaveLength(ROUNDS);
      expect(readFileSync(join(dir, 'records', 'cli.jsonl'), 'utf8').length).toBeGreaterThan(0);
      if (retainText) expect(records.some((l) => l.includes('[REDACTED:'))).toBe(true);
      expect(logs.join('')).toMatch(/bad\.jsonl:1:.*\n.*bad\.jsonl:2:/s);

      const everything = [...written, ...logs];
      const leaks: string[] = [];
      for (const { kind, value } of all) {
        const forms = new Set([value]);
        if (kind === 'card' || kind === 'iban') forms.add(value.replace(/[ -]/g, ''));
        for (const form of forms)
          if (everything.some((text) => text.includes(form))) leaks.push(`${kind}: ${form}`);
      }
      expect(leaks).toEqual([]);
    });
  }
});
