import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateArm } from '../../../test/helpers/canary-sim.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { main } from '../../cli/main.js';
import type { CliIO } from '../../cli/types.js';
import { ConfigError, ConfigErrors } from '../../config/errors.js';
import { parseYaml } from '../../config/yaml.js';
import { checkRolloutTriggers } from './rollout.js';
import { RolloutSchema } from './rollout-schema.js';

// Three lines, so the config's own lines below start at line 4.
const PROJECT = `targets: { bot: { type: command, command: [node, bot.mjs], components: [bot-code] } }
components: { bot-code: { kind: code, paths: [bot.mjs] } }
suites: [suite.yml]
`;

/** A project `evalgate validate` can load, and records of two versions `evalgate canary` can read. */
function project(config: string, records = true): string {
  const dir = tempDir('evalgate-rollout-');
  writeFileSync(join(dir, 'evalgate.yml'), PROJECT + config);
  writeFileSync(
    join(dir, 'suite.yml'),
    'id: s\ncases:\n  - input: hi\n    graders: [{ type: contains, value: hi }]\n',
  );
  const lines = records ? [...simulateArm(1, 300, 'sys-new'), ...simulateArm(2, 300, 'sys-old')] : [];
  // A corrupt last line: a run that reads the records fails on it, so a config error proves
  // the config was checked before any record was read.
  writeFileSync(
    join(dir, 'records.jsonl'),
    `${lines.map((r) => JSON.stringify(r)).join('\n')}\n${records ? '' : '{"at": 12,\n'}`,
  );
  return dir;
}

async function cli(dir: string, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: dir,
    // `command` targets are looked up on PATH by validate.
    env: { PATH: process.env.PATH ?? '' },
    isTTY: false,
  };
  const code = await main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const CANARY = ['canary', '--records', '*.jsonl', '--canary', 'sys-new', '--control', 'sys-old'];

// Lines 4-9. The policy keeps no 'cost' and no 'tokens'.
const POLICY = `production:
  fields: [route, error, refusal, latencyMs]
  online:
    - { type: pii }
    - { type: latency, maxMs: 2000 }
    - { type: tokens, max: 500 }
`;

const DROPPED =
  "reads the record field 'cost', which production.fields does not keep: the trigger could never see a degradation (keep 'cost', or remove the trigger)";

describe('rollout triggers checked against the production policy and online graders', () => {
  it('validate: a trigger reading a field the policy drops is exit 2 at its file:line:col', async () => {
    const dir = project(`${POLICY}rollout:
  triggers:
    errorRate: { maxRatio: 1.5, minRecords: 200 }
    costPerInteraction: { maxIncrease: 0.2, minRecords: 200 }
`);
    const r = await cli(dir, ['validate']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `evalgate: config error: evalgate.yml:13:25: rollout.triggers.costPerInteraction: ${DROPPED}\n`,
    );
  });

  it('evalgate canary: the same located error, exit 2, before any record is read', async () => {
    const dir = project(
      `${POLICY}rollout:
  triggers:
    errorRate: { maxRatio: 1.5, minRecords: 200 }
    costPerInteraction: { maxIncrease: 0.2, minRecords: 200 }
`,
      false,
    );
    const r = await cli(dir, CANARY);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `evalgate: config error: evalgate.yml:13:25: rollout.triggers.costPerInteraction: ${DROPPED}\n`,
    );
  });

  it('reports every bad trigger in one pass, located, in validate and canary alike', async () => {
    const dir = project(`${POLICY}rollout:
  triggers:
    costPerInteraction:
      maxIncrease: 0.2
      minRecords: 200
    negativeFeedback: { maxIncrease: 0.02, minRecords: 200 }
    errorRate: { maxRatio: 1.5, minRecords: 200 }
    onlineGraders:
      order-json: { maxDecrease: 0.01, minRecords: 100 }
      tokens: { maxDecrease: 0.01, minRecords: 100 }
      latency: { maxDecrease: 0.01, minRecords: 100 }
`);
    // In the file's order.
    const expected = [
      `evalgate.yml:13:7: rollout.triggers.costPerInteraction: ${DROPPED}`,
      "evalgate.yml:15:23: rollout.triggers.negativeFeedback: reads the record field 'feedback', which production.fields does not keep",
      "evalgate.yml:18:19: rollout.triggers.onlineGraders.order-json: names no grader of production.online (its graders: 'pii', 'latency', 'tokens')",
      "evalgate.yml:19:15: rollout.triggers.onlineGraders.tokens: the online grader is not measurable: the policy drops the record field it needs ('tokens' is not in production.fields); the trigger could never see a degradation",
    ];
    for (const argv of [['validate'], CANARY]) {
      const r = await cli(dir, argv);
      expect(r.code, argv[0]).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe('evalgate: 4 config errors:');
      expect(lines).toHaveLength(5);
      expected.forEach((e, i) => expect(lines[i + 1]).toContain(e));
    }
  });

  it('validate: the trigger errors come with the rest of the config errors, in one pass', async () => {
    // production.online does not load (a judge): its error is reported, the built-in
    // triggers are still checked, and the grader trigger is not called unknown.
    const dir = project(`production:
  fields: [route, latencyMs]
  online:
    - { type: judge, rubric: helpful }
rollout:
  triggers:
    errorRate: { maxRatio: 1.5, minRecords: 200 }
    onlineGraders:
      judge: { maxDecrease: 0.01, minRecords: 100 }
`);
    writeFileSync(join(dir, 'suite.yml'), 'id: s\ncases:\n  - input: hi\n    graders: [{ type: nope }]\n');
    const r = await cli(dir, ['validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^evalgate: 3 config errors:\n/);
    expect(r.stderr).toMatch(/suite\.yml:4:\d+: cases\[0\]\.graders\[0\]/);
    expect(r.stderr).toMatch(/evalgate\.yml:7:\d+: production\.online\[0\]\.type: judges never run online/);
    expect(r.stderr).toContain(
      "evalgate.yml:10:16: rollout.triggers.errorRate: reads the record field 'error', which production.fields does not keep",
    );
    expect(r.stderr).not.toMatch(/names no grader/);
  });

  it('a trigger naming an online grader when production.online declares none is located', async () => {
    const dir = project(`production:
  retentionDays: 30
rollout:
  triggers:
    onlineGraders:
      pii: { maxDecrease: 0.01, minRecords: 100 }
`);
    for (const argv of [['validate'], CANARY]) {
      const r = await cli(dir, argv);
      expect(r.code, argv[0]).toBe(2);
      expect(r.stderr).toBe(
        'evalgate: config error: evalgate.yml:9:12: rollout.triggers.onlineGraders.pii: names no grader of production.online (it declares none)\n',
      );
    }
  });

  it('validate: a rollout without a production policy is an error, as canary refuses it', async () => {
    const dir = project(`rollout:
  triggers:
    errorRate: { maxRatio: 1.5, minRecords: 200 }
`);
    const v = await cli(dir, ['validate']);
    expect(v.code).toBe(2);
    expect(v.stderr).toBe(
      "evalgate: config error: evalgate.yml:5:3: rollout: 'evalgate canary' reads no record without a 'production:' section: declare the privacy policy the records are written under (see the README's Production section)\n",
    );
    const c = await cli(dir, CANARY);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/no production policy/);
  });

  it('validate: an invalid policy is reported once, its triggers left unchecked', async () => {
    const dir = project(`production:
  fields: [route, nope]
rollout:
  triggers:
    errorRate: { maxRatio: 1.5, minRecords: 200 }
`);
    const r = await cli(dir, ['validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^evalgate: config error: evalgate\.yml:5:19: production\.fields\[1\]: /);
  });

  it('a config whose triggers all read what the policy keeps validates, and canary decides on it', async () => {
    const dir = project(`${POLICY}rollout:
  triggers:
    errorRate: { maxRatio: 1.5, minRecords: 200 }
    refusalRate: { maxIncrease: 0.05, minRecords: 200 }
    onlineGraders:
      latency: { maxDecrease: 0.05, minRecords: 200 }
`);
    const v = await cli(dir, ['validate']);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toBe('ok: 1 suite, 1 case, 1 target\n');
    const c = await cli(dir, [...CANARY, '--json']);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    const decision = JSON.parse(c.stdout);
    expect(decision.records).toEqual({ canary: 300, control: 300 });
    // The latency grader ran on the fly: its trigger measured every record of both sides.
    const latency = decision.metrics.find((m: { metric: string }) => m.metric === 'onlineGraders.latency');
    expect(latency.canary.records).toBe(300);
    expect(latency.control.records).toBe(300);
  });
});

describe('checkRolloutTriggers', () => {
  const text = `rollout:
  triggers:
    p95LatencyMs:
      maxIncrease: 0.2
      minRecords: 10
    onlineGraders:
      gone: { maxDecrease: 0.01, minRecords: 10 }
`;
  const doc = parseYaml(text, '/x/evalgate.yml');
  const rollout = RolloutSchema.parse((doc.value as { rollout: unknown }).rollout);

  it('passes a rollout whose triggers read kept fields and measurable graders', () => {
    expect(() =>
      checkRolloutTriggers(doc, rollout, { fields: ['latencyMs'] }, [{ name: 'gone' }]),
    ).not.toThrow();
  });

  it('throws one located ConfigError for one problem, ConfigErrors for several', () => {
    let one: unknown;
    try {
      checkRolloutTriggers(doc, rollout, { fields: [] }, undefined);
    } catch (e) {
      one = e;
    }
    expect(one).toBeInstanceOf(ConfigError);
    expect((one as ConfigError).location).toEqual({
      file: '/x/evalgate.yml',
      line: 4,
      column: 7,
      field: 'rollout.triggers.p95LatencyMs',
    });
    let several: unknown;
    try {
      checkRolloutTriggers(doc, rollout, { fields: [] }, [{ name: 'other' }]);
    } catch (e) {
      several = e;
    }
    expect(several).toBeInstanceOf(ConfigErrors);
    expect((several as ConfigErrors).errors.map((e) => [e.location?.field, e.location?.line])).toEqual([
      ['rollout.triggers.p95LatencyMs', 4],
      ['rollout.triggers.onlineGraders.gone', 7],
    ]);
  });
});
