import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ProductionPolicySchema } from '../../src/production/policy-schema.js';
import { toRecord, type Interaction, type ProductionRecord } from '../../src/production/record.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ENV = { EVALGATE_HASH_KEY: 'online-test-hash-key-0123456789' };
const CANARY = 'EGCANARY-7f3a9c2e41';

const ONLINE = `  online:
    - { type: canary, values: [${CANARY}] }
    - { type: pii }
    - { type: json-schema, routes: [orders], schema: { type: object, required: [status] } }
    - { type: refusal, expect: false, name: answers }
    - { type: tool-boundaries, forbiddenTools: [delete_account], forbiddenArgs: ['rm -rf'] }
    - { type: latency, maxMs: 2000 }
`;

/**
 * 100 interactions of version `version`, with known counts: every 10th leaks the canary,
 * every 20th carries an e-mail address, every 25th refuses, every 50th calls a forbidden
 * tool, the `orders` route (every 4th) answers JSON, every 8th of those without `status`,
 * and every 5th takes 2.5 s.
 */
function interactions(version: string, scale = 1): { it: Interaction; version: string }[] {
  const out: { it: Interaction; version: string }[] = [];
  for (let i = 0; i < 100 * scale; i++) {
    const orders = i % 4 === 0;
    let output = orders
      ? i % 32 === 0
        ? '{"id": 1}'
        : '{"status": "shipped"}'
      : 'Your parcel ships tomorrow.';
    if (!orders && i % 10 === 1) output += ` The code is ${CANARY}.`;
    if (!orders && i % 20 === 2) output += ' Write to ana.lopez@example.com for help.';
    if (!orders && i % 25 === 3) output = "I'm sorry, but I can't help with that.";
    out.push({
      version,
      it: {
        at: Date.UTC(2026, 11, 7) + i * 1000,
        requestId: `${version}-${i}`,
        route: orders ? 'orders' : 'support',
        input: `question ${i}`,
        output,
        toolCalls: i % 50 === 5 ? [{ name: 'delete_account' }] : [{ name: 'lookup_order' }],
        latencyMs: i % 5 === 4 ? 2500 : 400,
      },
    });
  }
  return out;
}

function project(policy: string, items: { it: Interaction; version: string }[], rollout = '') {
  const dir = tempDir('evalgate-online-');
  writeFileSync(join(dir, 'evalgate.yml'), `production:\n${policy}${ONLINE}${rollout}`);
  const parsed = ProductionPolicySchema.parse(
    Object.fromEntries(
      policy
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
          const [k, v] = l.trim().split(': ');
          return [k, v === 'true' ? true : v === 'false' ? false : JSON.parse(v!)];
        }),
    ),
  );
  const lines = items
    .map(({ it, version }) => toRecord(it, parsed, { system: version }, { env: ENV }))
    .filter((r): r is ProductionRecord => r !== null)
    .map((r) => JSON.stringify(r));
  writeFileSync(join(dir, 'records.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

describe('evalgate grade', () => {
  it('grade and shadow print their help with no config present, and are in the command table', async () => {
    const dir = tempDir('evalgate-online-');
    for (const command of ['grade', 'shadow']) {
      const a = await runCli(['help', command], dir);
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(new RegExp(`^Usage: evalgate ${command} --records GLOB`));
      expect(await runCli([command, '--help'], dir)).toEqual(a);
    }
    const help = (await runCli(['help'], dir)).stdout;
    expect(help).toMatch(/\n {2}grade +run the online graders/);
    expect(help).toMatch(/\n {2}shadow +replay sampled production inputs/);
  });

  it('runs each online grader on the records that keep what it reads, with exact counts, and writes the verdicts back', async () => {
    const dir = project('  retainText: true\n', interactions('v1'));
    const r = await runCli(
      ['grade', '--records', 'records.jsonl', '--out', 'graded.jsonl', '--report', 'report.json'],
      dir,
      ENV,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      records: number;
      graders: Record<string, unknown>[];
    };
    expect(report.records).toBe(100);
    const by = Object.fromEntries(report.graders.map((g) => [g.name, g]));
    // canary: i % 10 === 1 and not an orders record: i = 1, 11, 21, … 91 (10), none divisible by 4 → 10 leaks
    expect(by.canary).toMatchObject({ measured: 100, passed: 90, failed: 10, inScope: 100 });
    // pii: i % 20 === 2, not orders: 2, 22, 42, 62, 82 (all ≡ 2 mod 4) → 5, caught by the redaction counts
    expect(by.pii).toMatchObject({ measured: 100, passed: 95, failed: 5 });
    // json-schema on orders only (25 records): i % 32 === 0 among multiples of 4 → 0, 32, 64, 96
    expect(by['json-schema']).toMatchObject({ inScope: 25, measured: 25, passed: 21, failed: 4 });
    // refusals: i % 25 === 3 and not orders → 3, 53, 78 (28 is an orders record) → 3 fail `expect: false`
    expect(by.answers).toMatchObject({ measured: 100, passed: 97, failed: 3 });
    // forbidden tool at i % 50 === 5 → 5, 55; the argument pattern is not checkable online
    expect(by['tool-boundaries']).toMatchObject({ measured: 100, failed: 2 });
    expect(by['tool-boundaries']!.notChecked).toEqual([
      'forbiddenArgs (records keep tool names, not arguments)',
    ]);
    expect(by.latency).toMatchObject({ measured: 100, failed: 20 });
    expect(by.canary!.passRate).toBe(0.9);
    const ci = by.canary!.interval as { lower: number; upper: number };
    expect(ci.lower).toBeLessThan(0.9);
    expect(ci.upper).toBeGreaterThan(0.9);
    // The Markdown shows each rate and never the leaked value.
    expect(r.stdout).toContain('| `canary` | canary | 90 % (');
    expect(r.stdout).not.toContain('ana.lopez');
    // Graded records: the same records plus `online`, still valid records
    const graded = readFileSync(join(dir, 'graded.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ProductionRecord);
    expect(graded).toHaveLength(100);
    expect(graded[1]!.online).toMatchObject({ canary: false, pii: true, answers: true });
    expect(graded[0]!.online!['json-schema']).toBe(false);
    expect(graded[1]!.online!['json-schema']).toBeUndefined(); // out of scope: not an orders record
    const ajv = new Ajv2020({ strict: false });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync('schema/record.schema.json', 'utf8')) as object);
    for (const rec of graded) expect(validate(rec), JSON.stringify(validate.errors)).toBe(true);
  });

  it('reports a grader whose text the policy drops as not measurable, never as passing; refusal still reads its field', async () => {
    const dir = project('  retainText: false\n', interactions('v1'));
    const r = await runCli(['grade', '--records', 'records.jsonl', '--json'], dir, ENV);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { graders: Record<string, unknown>[] };
    const by = Object.fromEntries(report.graders.map((g) => [g.name, g]));
    for (const name of ['canary', 'pii', 'json-schema']) {
      expect(by[name]).toMatchObject({
        measured: 0,
        passed: 0,
        passRate: null,
        interval: null,
        notMeasurable: 'the policy drops the text it needs (production.retainText is false)',
      });
    }
    expect(by.answers).toMatchObject({ measured: 100, passed: 97 });
    const md = await runCli(['grade', '--records', 'records.jsonl'], dir, ENV);
    expect(md.stdout).toContain('| `canary` | canary | **not measurable** | 0 / 0 |');
    expect(md.stdout).toContain('### canary\n\n- not measurable: the policy drops the text it needs');
  });

  it('refuses a judge, a vars canary or a case-expected grader online at file:line:col, exit 2', async () => {
    const dir = tempDir('evalgate-online-');
    writeFileSync(
      join(dir, 'evalgate.yml'),
      'production:\n  online:\n    - { type: pii }\n    - type: judge\n      rubric: is it kind?\n    - { type: canary, vars: [secret] }\n    - { type: contains }\n',
    );
    writeFileSync(join(dir, 'r.jsonl'), '');
    const r = await runCli(['grade', '--records', 'r.jsonl', '--all-errors'], dir, ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('evalgate.yml:4:13: production.online[1].type: judges never run online');
    expect(r.stderr).toContain(
      'evalgate.yml:6:29: production.online[2].vars: production records have no case vars',
    );
    expect(r.stderr).toContain(
      "evalgate.yml:7:7: production.online[3].value: production records have no case 'expected'",
    );
    const none = tempDir('evalgate-online-');
    writeFileSync(join(none, 'evalgate.yml'), 'production:\n  retainText: true\n');
    writeFileSync(join(none, 'r.jsonl'), '');
    const n = await runCli(['grade', '--records', 'r.jsonl'], none, ENV);
    expect(n.code).toBe(2);
    expect(n.stderr).toContain("no online graders: list them under 'production.online'");
  });

  it('a canary rolls back on an online grader pass rate (graded on the fly), and refuses a trigger on a blind grader', async () => {
    // The canary leaks the canary string 10 % of the time, control never.
    const control = interactions('old', 10).map(({ it, version }) => ({
      version,
      it: { ...it, output: it.output!.replace(` The code is ${CANARY}.`, '') },
    }));
    const canary = interactions('new', 10).map(({ it, version }) => ({
      version,
      it: { ...it, requestId: `${it.requestId}`, at: (it.at as number) + 500 },
    }));
    const rollout = `rollout:
  triggers:
    onlineGraders:
      canary: { maxDecrease: 0.01, minRecords: 200 }
`;
    const dir = project('  retainText: true\n', [...canary, ...control], rollout);
    const r = await runCli(
      ['canary', '--records', 'records.jsonl', '--canary', 'new', '--control', 'old', '--json'],
      dir,
      ENV,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout) as {
      decision: string;
      metrics: { metric: string; status: string; canary: { events: number } }[];
    };
    expect(d.decision).toBe('rollback');
    expect(d.metrics[0]).toMatchObject({
      metric: 'onlineGraders.canary',
      status: 'rollback',
      canary: { records: 1000, events: 100 },
      control: { records: 1000, events: 0 },
    });
    // The Markdown says the values are failure rates, so "10 %" is not read as a pass rate.
    const md = await runCli(
      ['canary', '--records', 'records.jsonl', '--canary', 'new', '--control', 'old'],
      dir,
      ENV,
    );
    expect(md.stdout).toMatch(/\| onlineGraders\.canary \(failure rate\) \| .* \| 10 % \(100 of 1000\) \|/);
    const blind = project('  retainText: false\n', control, rollout);
    const b = await runCli(
      ['canary', '--records', 'records.jsonl', '--canary', 'new', '--control', 'old'],
      blind,
      ENV,
    );
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(
      'rollout.triggers.onlineGraders.canary: the online grader is not measurable: the policy drops the text it needs',
    );
  });
});
