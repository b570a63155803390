import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.js';
import { formatPlanJson, readPlan, suitesInPlan } from './document.js';
import type { Plan } from './types.js';
import { tempDir } from '../../test/helpers/tmp.js';

const PLAN: Plan = {
  schemaVersion: 1,
  base: { ref: 'main', sha: 'a'.repeat(40) },
  head: { ref: 'HEAD', sha: 'b'.repeat(40) },
  mergeBase: 'a'.repeat(40),
  config: 'evalgate.yml',
  root: '.',
  summary: '1 of 2 suites affected by 1 change',
  changes: [
    {
      component: 'bot.model',
      kind: 'model',
      status: 'modified',
      old: '111111111111',
      new: '222222222222',
      files: ['m.yml'],
    },
  ],
  files: [
    { path: 'm.yml', status: 'modified', binary: false, components: ['bot.model'], unclassified: false },
  ],
  suites: [
    {
      id: 'qa',
      target: 'bot',
      kind: 'regression',
      file: 'suites/qa.yml',
      reasons: [
        {
          type: 'component',
          component: 'bot.model',
          kind: 'model',
          old: '111111111111',
          new: '222222222222',
        },
      ],
    },
  ],
  unaffected: ['other'],
  removed: [],
  components: { 'bot.model': { kind: 'model', version: '222222222222' } },
  targets: { bot: { systemVersion: '333333333333', components: ['bot.model'] } },
  warnings: [],
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function write(text: string): string {
  const dir = tempDir('evalgate-plan-');
  dirs.push(dir);
  const file = join(dir, 'plan.json');
  writeFileSync(file, text);
  return file;
}

function failure(file: string): string {
  try {
    readPlan(file);
  } catch (e) {
    if (e instanceof ConfigError) return e.format(join(file, '..'));
    throw e;
  }
  throw new Error('expected readPlan to fail');
}

describe('readPlan', () => {
  it('reads back what formatPlanJson wrote', () => {
    expect(readPlan(write(formatPlanJson(PLAN)))).toEqual(PLAN);
  });

  it('reads a version 2 plan, with what each change does to the requests, and a version 1 plan', () => {
    const v2: Plan = {
      ...PLAN,
      schemaVersion: 2,
      changes: [{ ...PLAN.changes[0]!, effect: 'none', requests: { total: 3, changed: 0 } }],
    };
    expect(readPlan(write(formatPlanJson(v2)))).toEqual(v2);
    expect(readPlan(write(formatPlanJson(PLAN))).schemaVersion).toBe(1);
    const bad = { ...v2, changes: [{ ...v2.changes[0]!, effect: 'maybe' }] };
    expect(failure(write(JSON.stringify(bad)))).toMatch(/^plan\.json: changes\[0\]\.effect: corrupt plan: /);
  });

  it('reads a version 3 plan with a code change', () => {
    const v3: Plan = {
      ...PLAN,
      schemaVersion: 3,
      changes: [{ ...PLAN.changes[0]!, component: 'bot-code', kind: 'code', files: ['app/bot.mjs'] }],
      components: { 'bot-code': { kind: 'code', version: 'bbbbbbbbbbbb' } },
    };
    expect(readPlan(write(formatPlanJson(v3)))).toEqual(v3);
  });

  it('names the file and the problem when it is not a plan', () => {
    expect(failure(join(tmpdir(), 'no-such-dir-evalgate', 'plan.json'))).toMatch(
      /plan\.json: plan file not found$/,
    );
    expect(failure(write('{"schemaVersion": 1, "base": '))).toMatch(
      /^plan\.json: not a plan: invalid JSON \(.+\); write it with `evalgate plan --json`$/,
    );
    expect(failure(write('{"results": []}'))).toBe(
      'plan.json: not a plan: no schemaVersion; write it with `evalgate plan --json`',
    );
    expect(failure(write(formatPlanJson({ ...PLAN, schemaVersion: 4 } as unknown as Plan)))).toBe(
      'plan.json: schemaVersion: plan schema version 4 is not one this evalgate reads (1, 2, 3); make the plan again with this version of `evalgate plan`',
    );
    const corrupt = { ...PLAN, suites: [{ ...PLAN.suites[0]!, reasons: [{ type: 'gut-feeling' }] }] };
    expect(failure(write(JSON.stringify(corrupt)))).toMatch(
      /^plan\.json: suites\[0\]\.reasons\[0\]\.type: corrupt plan: /,
    );
  });

  it('selects the project suites a plan names, and says which it no longer has', () => {
    const suites = [{ id: 'other' }, { id: 'qa' }];
    expect(suitesInPlan(PLAN, suites)).toEqual({ run: [{ id: 'qa' }], missing: [] });
    expect(suitesInPlan(PLAN, [{ id: 'other' }])).toEqual({ run: [], missing: ['qa'] });
  });
});
