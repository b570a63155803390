/**
 * The Action's canary mode, driven in-process (runAction with an ActionContext, as the other
 * mode tests do): the decision in the step summary, the decision JSON and the outputs, and
 * the step failed on a rollback only. No GitHub calls are made: nothing is published.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, readInputs } from '../../src/action/context.js';
import { runAction } from '../../src/action/modes.js';
import type { ActionContext } from '../../src/action/types.js';
import { simulateArm, type ArmSpec } from '../helpers/canary-sim.js';
import { tempDir } from '../helpers/tmp.js';

const CONFIG = `production:
  retentionDays: 30
rollout:
  alpha: 0.05
  triggers:
    errorRate: { maxRatio: 1.5, minRecords: 200 }
    p95LatencyMs: { maxIncrease: 0.2, minRecords: 200 }
`;

function workspace(canary: ArmSpec, n = 3000): string {
  const dir = tempDir('evalgate-canary-action-');
  writeFileSync(join(dir, 'evalgate.yml'), CONFIG);
  const lines = [...simulateArm(5, n, 'sys-new', canary), ...simulateArm(6, n, 'sys-old')].map((r) =>
    JSON.stringify(r),
  );
  writeFileSync(join(dir, 'records-1.jsonl'), `${lines.slice(0, n).join('\n')}\n`);
  writeFileSync(join(dir, 'records-2.jsonl'), `${lines.slice(n).join('\n')}\n`);
  return dir;
}

async function run(dir: string, look = 3) {
  const outputs: Record<string, string> = {};
  const summary: string[] = [];
  let failed: string | undefined;
  const inputs = readInputs(
    (name) =>
      ({
        mode: 'canary',
        records: 'records-*.jsonl',
        'canary-version': 'sys-new',
        'control-version': 'sys-old',
        look: String(look),
      })[name] ?? '',
  );
  const ctx: ActionContext = {
    inputs,
    mode: 'canary',
    payload: {},
    workspace: dir,
    env: {},
    repo: { owner: 'o', repo: 'r' },
    runAttempt: 1,
    io: {
      debug: () => {},
      info: () => {},
      warning: () => {},
      setOutput: (k, v) => void (outputs[k] = v),
      setSecret: () => {},
      setFailed: (m) => void (failed = m),
      appendSummary: async (m) => void summary.push(m),
    },
  };
  await runAction(ctx);
  return { outputs, summary: summary.join(''), failed };
}

describe('the Action in canary mode', () => {
  it('fails the step on a rollback, with the report in the step summary and the decision JSON as an output', async () => {
    const dir = workspace({ errorRate: 0.08 });
    const r = await run(dir, 7);
    expect(r.outputs.decision).toBe('rollback');
    expect(r.outputs['decision-path']).toBe(join(dir, 'evalgate-canary-decision.json'));
    const decision = JSON.parse(readFileSync(r.outputs['decision-path']!, 'utf8')) as {
      schema: string;
      decision: string;
      look: number;
      metrics: { metric: string; status: string }[];
    };
    expect(decision).toMatchObject({ schema: 'evalgate.canary-decision', decision: 'rollback', look: 7 });
    expect(decision.metrics.find((m) => m.metric === 'errorRate')!.status).toBe('rollback');
    expect(r.summary).toMatch(/^# Canary analysis: rollback\n/);
    expect(r.summary).toContain('`sys-new` against control `sys-old`, look 7');
    expect(r.failed).toMatch(/^evalgate: canary rollback: errorRate: degraded beyond tolerance: canary/);
  });

  it('leaves the step green on an unchanged canary (continue or promote), outputs set all the same', async () => {
    const r = await run(workspace({}));
    expect(r.failed).toBeUndefined();
    expect(['continue', 'promote']).toContain(r.outputs.decision);
    expect(r.summary).toContain(`# Canary analysis: ${r.outputs.decision}`);
  });

  it('reads its inputs strictly: all three required, look a positive whole number', () => {
    const inputs = (extra: Record<string, string>) => () =>
      readInputs((name) => ({ mode: 'canary', ...extra })[name] ?? '');
    expect(inputs({ records: 'r.jsonl', 'canary-version': 'a' })).toThrow(InputError);
    expect(inputs({ records: 'r.jsonl', 'canary-version': 'a', 'control-version': 'b', look: '0' })).toThrow(
      "input 'look' must be a positive whole number, got '0'",
    );
    expect(
      readInputs(
        (name) =>
          ({
            mode: 'canary',
            records: 'a.jsonl, b/*.jsonl.gz',
            'canary-version': 'x',
            'control-version': 'y',
          })[name] ?? '',
      ).canary,
    ).toEqual({ records: ['a.jsonl', 'b/*.jsonl.gz'], canary: 'x', control: 'y', look: 1 });
  });
});
