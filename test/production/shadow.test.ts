import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductionPolicySchema } from '../../src/production/policy-schema.js';
import { toRecord, type ProductionRecord } from '../../src/production/record.js';
import { runCli } from '../helpers/cli.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { tempDir } from '../helpers/tmp.js';

const ENV = { EVALGATE_HASH_KEY: 'shadow-test-hash-key-0123456789', TEST_KEY: 'sk-test' };

/** The candidate's behaviour, switched per test: which inputs it answers in plain text. */
let breaks: (n: number) => boolean = () => false;

describe('evalgate shadow (openai SDK against the local fake server)', () => {
  let server: FakeOpenAI;
  let dir: string;
  beforeAll(async () => {
    server = await startFakeOpenAI({
      script: ({ body }) => {
        const last = body.messages?.at(-1)?.content;
        const n = Number(/question (\d+)/.exec(String(last))?.[1] ?? -1);
        return {
          content: breaks(n) ? 'Your order is on its way.' : `{"status": "shipped", "n": ${n}}`,
          usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
        };
      },
    });
    dir = tempDir('evalgate-shadow-');
    mkdirSync(join(dir, 'suites'));
    writeFileSync(join(dir, 'prompt.md'), '[system]\nAnswer in JSON.\n[user]\n{{input}}\n');
    writeFileSync(join(dir, 'model.yaml'), 'model: gpt-4o-mini\ntemperature: 0\n');
    writeFileSync(
      join(dir, 'suites', 'smoke.yml'),
      'id: smoke\ngraders: [{ type: is-json }]\ncases:\n  - { id: one, vars: { input: question 0 } }\n',
    );
    const policy = ProductionPolicySchema.parse({ retainText: true });
    // 300 production answers, all JSON; every 7th input carries an e-mail address.
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const record = toRecord(
        {
          at: Date.UTC(2026, 11, 7) + i * 1000,
          requestId: `r-${i}`,
          route: 'orders',
          input: `question ${i}${i % 7 === 0 ? ', reply to ana.lopez@example.com' : ''}`,
          output: `{"status": "shipped", "n": ${i}}`,
          latencyMs: 300,
        },
        policy,
        { system: 'sys-prod' },
        { env: ENV },
      ) as ProductionRecord;
      lines.push(JSON.stringify(record));
    }
    writeFileSync(join(dir, 'records.jsonl'), `${lines.join('\n')}\n`);
  });
  afterAll(() => server.close());

  const config = (production: string) =>
    writeFileSync(
      join(dir, 'evalgate.yml'),
      `targets:\n  candidate:\n    type: openai\n    baseURL: ${server.url}\n    apiKeyEnv: TEST_KEY\n    prompt: prompt.md\n    model: model.yaml\nsuites: [suites/smoke.yml]\ncache: { enabled: false }\nretries: 0\nproduction:\n${production}`,
    );
  const ONLINE =
    '  online:\n    - { type: is-json, name: json }\n    - { type: latency, maxMs: 60000, gate: false }\n';
  const args = ['shadow', '--records', 'records.jsonl', '--target', 'candidate', '--sample', '80'];

  it('fails (exit 1) a candidate that breaks the JSON contract on a third of the replayed inputs, with the paired statistics', async () => {
    config(`  retainText: true\n${ONLINE}`);
    breaks = (n) => n % 3 === 0;
    const before = server.requests.length;
    const r = await runCli([...args, '--out', 'shadow.json'], dir, ENV);
    expect(r.code, r.stderr).toBe(1);
    // One request per sampled input, each carrying the redacted production input, never the raw one.
    const sent = server.requests.slice(before).map((q) => JSON.stringify(q.body.messages));
    expect(sent).toHaveLength(80);
    expect(sent.join('\n')).not.toContain('ana.lopez@example.com');
    expect(sent.some((m) => m.includes('[REDACTED:email]'))).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'shadow.json'), 'utf8')) as {
      decision: string;
      records: { eligible: number; sampled: number; candidateErrors: number };
      graders: {
        name: string;
        pairs: number;
        table: { a: number; b: number; c: number; d: number };
        verdict: string;
        pValue: number;
        production: { passRate: number };
        difference: { estimate: number; upper: number };
      }[];
    };
    expect(report.decision).toBe('fail');
    expect(report.records).toEqual({ eligible: 300, sampled: 80, candidateErrors: 0 });
    const json = report.graders.find((g) => g.name === 'json')!;
    // The inputs the candidate breaks are exactly the sampled multiples of 3.
    const sampledNs = sent.map((m) => Number(/question (\d+)/.exec(m)![1]));
    const broken = sampledNs.filter((n) => n % 3 === 0).length;
    expect(json.table).toEqual({ a: 80 - broken, b: 0, c: broken, d: 0 });
    expect(json.production.passRate).toBe(1);
    expect(json.verdict).toBe('worse');
    expect(json.pValue).toBeLessThan(0.001);
    expect(json.difference.estimate).toBeCloseTo(-broken / 80, 10);
    expect(json.difference.upper).toBeLessThan(0);
    expect(report.graders.find((g) => g.name === 'latency')!.verdict).toBe('no-difference');
    expect(r.stdout).toContain('**Decision: fail** (exit 1)');
    expect(r.stdout).toMatch(/\| `json` \| yes \| 100 % \| [\d.]+ % \| −[\d.]+ pt/);
  });

  it('passes (exit 0) a candidate that keeps the contract, and replays the same sample for the same seed', async () => {
    config(`  retainText: true\n${ONLINE}`);
    breaks = () => false;
    const before = server.requests.length;
    const r = await runCli([...args, '--json'], dir, ENV);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      decision: string;
      graders: { verdict: string; pairs: number }[];
    };
    expect(report.decision).toBe('pass');
    expect(report.graders[0]).toMatchObject({ verdict: 'no-difference', pairs: 80 });
    const again = await runCli([...args, '--json'], dir, ENV);
    const inputs = (from: number, to: number) =>
      server.requests
        .slice(from, to)
        .map((q) => JSON.stringify(q.body.messages))
        .sort();
    expect(inputs(before + 80, before + 160)).toEqual(inputs(before, before + 80));
    expect(again.code).toBe(0);
  });

  it('refuses to run when the policy keeps no input text: exit 2, nothing sent', async () => {
    config(`  retainText: false\n${ONLINE}`);
    const before = server.requests.length;
    const r = await runCli(args, dir, ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'shadow replays production inputs, and the policy keeps none: production.retainText is false',
    );
    expect(server.requests.length).toBe(before);
    config(`  retainText: true\n${ONLINE}`);
    const unknown = await runCli([...args.slice(0, 3), '--target', 'nope'], dir, ENV);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--target 'nope' is not a target of the config (candidate)");
  });
});
