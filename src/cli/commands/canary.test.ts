import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { simulateArm } from '../../../test/helpers/canary-sim.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { main } from '../main.js';
import type { CliIO } from '../types.js';

async function cli(argv: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, env: {}, isTTY: false };
  return { code: await main(argv, io), stdout: out.join(''), stderr: err.join('') };
}

const POLICY = 'production:\n  retentionDays: 30\n';
const ROLLOUT = `rollout:
  alpha: 0.05
  triggers:
    errorRate: { maxRatio: 1.5, minRecords: 200 }
    p95LatencyMs: { maxIncrease: 0.2, minRecords: 200 }
`;

function project(config: string, records?: { canary?: object; control?: object; n?: number }) {
  const dir = tempDir('evalgate-canary-');
  writeFileSync(join(dir, 'evalgate.yml'), config);
  const n = records?.n ?? 2000;
  const lines = [
    ...simulateArm(1, n, 'sys-new', records?.canary ?? {}),
    ...simulateArm(2, n, 'sys-old', records?.control ?? {}),
    ...simulateArm(3, 50, 'sys-other'),
  ].map((r) => JSON.stringify(r));
  writeFileSync(join(dir, 'a.jsonl'), `${lines.slice(0, n).join('\n')}\n`);
  writeFileSync(join(dir, 'b.jsonl.gz'), gzipSync(`${lines.slice(n).join('\n')}\n`));
  return dir;
}

const ARGS = [
  'canary',
  '--records',
  '*.jsonl',
  '--records',
  '*.jsonl.gz',
  '--canary',
  'sys-new',
  '--control',
  'sys-old',
];

describe('evalgate canary', () => {
  it('refuses to run without rollback triggers declared (exit 2, nothing decided)', async () => {
    const dir = project(POLICY);
    const r = await cli([...ARGS, '--out', 'decision.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /evalgate\.yml:1:1.*no rollback triggers: 'evalgate canary' decides nothing without a 'rollout:' section/s,
    );
    expect(r.stdout).toBe('');
    expect(() => readFileSync(join(dir, 'decision.json'))).toThrow();
  });

  it('refuses without a privacy policy too: production records are not read without one', async () => {
    const r = await cli(ARGS, project(ROLLOUT));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no production policy/);
  });

  it('names every invalid trigger at file:line:col', async () => {
    const bad = `${POLICY}rollout:\n  triggers:\n    errorRate: { maxRatio: 0.5, minRecords: 200 }\n    latency: { maxIncrease: 1, minRecords: 10 }\n`;
    const r = await cli([...ARGS, '--all-errors'], project(bad));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'evalgate.yml:5:28: rollout.triggers.errorRate.maxRatio: Too small: expected number to be >=1',
    );
    expect(r.stderr).toContain("evalgate.yml:5:5: rollout.triggers: unknown field 'latency'");
    const empty = await cli(ARGS, project(`${POLICY}rollout:\n  triggers: {}\n`));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/at least one trigger/);
  });

  it('refuses a trigger whose record field the policy drops', async () => {
    const r = await cli(ARGS, project(`production:\n  fields: [route, latencyMs]\n${ROLLOUT}`));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^evalgate: config error: evalgate\.yml:6:16: rollout\.triggers\.errorRate: reads the record field 'error', which production\.fields does not keep/,
    );
  });

  it('rolls back a canary with a tripled error rate: exit 1, the report, and the decision JSON', async () => {
    const dir = project(POLICY + ROLLOUT, { canary: { errorRate: 0.06 }, control: { errorRate: 0.02 } });
    const r = await cli([...ARGS, '--look', '7', '--out', 'decision.json'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^# Canary analysis: rollback\n\nCanary `sys-new` against control `sys-old`, look 7: 2000 canary and 2000 control records\./,
    );
    expect(r.stdout).toMatch(
      /\*\*Decision: rollback\*\* \(exit 1\)\n\n- errorRate: degraded beyond tolerance/,
    );
    expect(r.stdout).toMatch(/\| errorRate \| ❌ rollback \| [\d.]+ % \(\d+ of 2000\) \|/);
    const decision = JSON.parse(readFileSync(join(dir, 'decision.json'), 'utf8'));
    expect(decision).toMatchObject({
      schema: 'evalgate.canary-decision',
      schemaVersion: 1,
      decision: 'rollback',
      canary: 'sys-new',
      control: 'sys-old',
      look: 7,
      alpha: 0.05,
      records: { canary: 2000, control: 2000 },
    });
    const errors = decision.metrics.find((m: { metric: string }) => m.metric === 'errorRate');
    expect(errors.status).toBe('rollback');
    expect(errors.effect.lower).toBeGreaterThan(1.5);
    expect(errors.alpha).toBe(0.025);
  });

  it('low traffic: continue (exit 0) with the records still needed, as JSON', async () => {
    const dir = project(POLICY + ROLLOUT, { n: 120 });
    const r = await cli([...ARGS, '--json'], dir);
    expect(r.code).toBe(0);
    const decision = JSON.parse(r.stdout);
    expect(decision.decision).toBe('continue');
    expect(decision.recordsNeeded).toEqual({ canary: 80, control: 80 });
    expect(decision.look).toBe(1);
  });

  it('a version no record carries is a continue that lists the versions seen, escaped', async () => {
    const dir = project(POLICY + ROLLOUT);
    const r = await cli(
      ['canary', '--records', '*.jsonl*', '--canary', 'sys-\u001b[31mtypo', '--control', 'sys-old'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toMatch(
      /no record carries the canary version `sys-.*typo`; versions seen: `sys-new`, `sys-old`, `sys-other`/,
    );
  });

  it('bad input is exit 2 at file:line:col, and usage errors are exit 2', async () => {
    const dir = project(POLICY + ROLLOUT, { n: 10 });
    writeFileSync(join(dir, 'c.jsonl'), `${JSON.stringify(simulateArm(9, 1, 'sys-new')[0])}\n{"at": 12,\n`);
    const r = await cli(ARGS, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/c\.jsonl:2:\d+/);
    expect((await cli([...ARGS.slice(0, 5), '--canary', 'x', '--control', 'x'], dir)).code).toBe(2);
    expect((await cli([...ARGS, '--look', '0'], dir)).stderr).toMatch(/--look takes a positive whole number/);
    expect(
      (await cli(['canary', '--records', 'none*.jsonl', '--canary', 'a', '--control', 'b'], dir)).stderr,
    ).toMatch(/matches no file/);
  });

  it("accepts the README's rollout example", async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Canary analysis'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    expect(example).toMatch(/^rollout:/);
    const r = await cli([...ARGS, '--json'], project(POLICY + example));
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).metrics).toHaveLength(6);
  });

  it('prints its help without any config', async () => {
    const r = await cli(['canary', '--help'], tempDir('evalgate-canary-'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: evalgate canary --records GLOB/);
  });
});
