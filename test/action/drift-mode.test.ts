/**
 * The Action's `drift` mode, for a `schedule:` workflow: driven in-process (runAction with an
 * ActionContext, as the other mode tests), over realistic seeded records on disk. What the
 * user sees: the step summary, the outputs, the report files, and a failed step on drift.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, readInputs } from '../../src/action/context.js';
import { runAction } from '../../src/action/modes.js';
import type { ActionContext } from '../../src/action/types.js';
import { fitStepSummary } from '../../src/report/step-summary.js';
import type { DriftReport } from '../../src/production/drift/drift.js';
import { ProductionPolicySchema } from '../../src/production/policy-schema.js';
import { toRecord, type Interaction } from '../../src/production/record.js';
import { createBaselines, serializeBaseline } from '../../src/baseline/index.js';
import { fakeResults } from '../kits/baseline.js';
import { generateTraffic } from '../helpers/production-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const ENV = { EVALGATE_HASH_KEY: 'drift-action-key-0123456789' };
const POLICY = ProductionPolicySchema.parse({});

function records(traffic: Interaction[], grades?: (i: number) => Record<string, boolean>): string {
  return traffic
    .map((t, i) => ({
      ...toRecord(t, POLICY, { system: 'sys-1' }, { env: ENV, random: () => 0 })!,
      ...(grades && { online: grades(i) }),
    }))
    .map((r) => JSON.stringify(r))
    .join('\n');
}

interface Run {
  outputs: Record<string, string>;
  summary: string;
  failed?: string;
  log: string[];
}

async function runDrift(workspace: string, inputs: Record<string, string>): Promise<Run> {
  const run: Run = { outputs: {}, summary: '', log: [] };
  const parsed = readInputs((name) => ({ mode: 'drift', 'working-directory': 'app', ...inputs })[name] ?? '');
  const ctx: ActionContext = {
    inputs: parsed,
    mode: 'drift',
    payload: {},
    workspace,
    env: ENV,
    repo: { owner: 'o', repo: 'r' },
    io: {
      debug: () => {},
      info: (m) => run.log.push(m),
      warning: (m) => run.log.push(m),
      setOutput: (name, value) => {
        run.outputs[name] = value;
      },
      setSecret: () => {},
      setFailed: (m) => {
        run.failed = m;
      },
      appendSummary: async (md) => {
        run.summary += md;
      },
    },
    runAttempt: 1,
  };
  await runAction(ctx);
  return run;
}

function workspace(): string {
  const ws = tempDir('evalgate-drift-action-');
  const app = join(ws, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'evalgate.yml'), 'production:\n  sampling: { rate: 1 }\n');
  writeFileSync(
    join(app, 'ref.jsonl'),
    records(generateTraffic(1, 1500), (i) => ({ tone: i % 10 !== 0, 'odd\n::error::x': i % 2 === 0 })),
  );
  writeFileSync(
    join(app, 'same.jsonl'),
    records(generateTraffic(2, 1500), (i) => ({ tone: i % 10 !== 1, 'odd\n::error::x': true })),
  );
  writeFileSync(
    join(app, 'worse.jsonl'),
    records(generateTraffic(3, 1500), (i) => ({ tone: i % 10 < 6, 'odd\n::error::x': true })),
  );
  return ws;
}

describe('mode: drift (a scheduled workflow)', () => {
  const ws = workspace();
  const app = join(ws, 'app');

  it('no drift: the report in the step summary and the files, outputs pass/stable, the step passes', async () => {
    const run = await runDrift(ws, { current: 'same.jsonl', reference: 'ref.jsonl\n' });
    expect(run.failed).toBeUndefined();
    expect(run.summary).toContain('# Production drift');
    expect(run.summary).toContain('**No drift.**');
    expect(run.outputs).toEqual({
      verdict: 'pass',
      'drift-status': 'stable',
      'drift-alarms': '',
      'drift-report-path': join(app, 'evalgate-drift.json'),
    });
    expect(readFileSync(join(app, 'evalgate-drift.md'), 'utf8')).toBe(run.summary);
    const report = JSON.parse(readFileSync(join(app, 'evalgate-drift.json'), 'utf8')) as DriftReport;
    expect(report.windows).toEqual({ reference: 1500, current: 1500 });
  });

  it('a crossed threshold fails the step (exit 1) and names the features; what is not a grader name is not read', async () => {
    // Two globs, one a line; the shifted window's grader pass rate fell from 90 % to 60 %.
    const run = await runDrift(ws, { current: 'worse.jsonl', reference: 'ref.jsonl\nnone-*.jsonl.gz' }).catch(
      (e: Error) => ({ error: e.message }),
    );
    // A glob that matches nothing is an error, never a pass.
    expect(run).toEqual({ error: "--reference 'none-*.jsonl.gz' matches no file" });
    const failed = await runDrift(ws, { current: 'worse.jsonl', reference: 'ref.jsonl' });
    expect(failed.outputs.verdict).toBe('fail');
    expect(failed.outputs['drift-status']).toBe('alarm');
    expect(failed.failed).toBe('evalgate: drift in 1 feature: grades.tone (see the step summary)');
    expect(failed.outputs['drift-alarms']).toBe('grades.tone');
    // A grader "name" holding a newline and a workflow command is not a grader name: it is
    // not read (its pass rate went from 50 % to 100 %), and reaches neither log nor summary.
    expect(failed.summary).not.toContain('::error::');
    expect(failed.summary).not.toContain('odd');
    expect(failed.summary).toContain('## Quality metrics');
    expect(failed.summary).toContain('🔴 drift');
  });

  it('without current or reference: an input error that says what to give', async () => {
    await expect(runDrift(ws, { reference: 'ref.jsonl' })).rejects.toThrow(InputError);
    await expect(runDrift(ws, { current: 'same.jsonl' })).rejects.toThrow(/input 'reference'.*`baseline`/);
    // Nothing of an earlier run is left to be uploaded as this one's.
    expect(existsSync(join(app, 'evalgate-drift.json'))).toBe(false);
  });
});

describe('mode: drift with reference: baseline', () => {
  it("compares production with the regression suite's cases and saved baseline; the step summary says what was not compared", async () => {
    const ws = tempDir('evalgate-drift-action-');
    writeFileSync(
      join(ws, 'evalgate.yml'),
      `targets:
  bot: { type: http, url: 'http://127.0.0.1:9/' }
suites: [suite.yml]
baseline: { store: path, privacy: hash }
production:
  sampling: { rate: 1 }
  drift: { minRecords: 20 }
`,
    );
    const traffic = generateTraffic(31, 60);
    writeFileSync(
      join(ws, 'suite.yml'),
      `id: support\ncases:\n${traffic
        .map(
          (t, i) =>
            `  - { id: c${i}, input: ${JSON.stringify(t.input)}, tags: { route: ${t.route} }, graders: [{ type: contains, value: x }] }`,
        )
        .join('\n')}\n`,
    );
    const results = fakeResults([{ id: 'support', outcomes: 'P'.repeat(60) }]);
    results.suites[0]!.cases.forEach((c, i) => {
      c.id = `c${i}`;
    });
    mkdirSync(join(ws, '.evalgate/baselines'), { recursive: true });
    writeFileSync(
      join(ws, '.evalgate/baselines/support.json'),
      serializeBaseline(createBaselines(results, { privacy: 'hash' })[0]!),
    );
    writeFileSync(join(ws, 'cur.jsonl'), records(generateTraffic(32, 400)));
    const run = await runDrift(ws, { current: 'cur.jsonl', reference: 'baseline', 'working-directory': '.' });
    const report = JSON.parse(readFileSync(join(ws, 'evalgate-drift.json'), 'utf8')) as DriftReport;
    expect(report.windows).toEqual({ reference: 60, current: 400 });
    expect(report.reference).toMatchObject({ source: 'baseline', suites: ['support'], cases: 60 });
    expect(report.features.map((f) => f.feature)).toContain('inputLanguage');
    expect(run.summary).toContain('Reference: the eval baseline, 60 cases');
    expect(run.summary).toMatch(
      /`outputChars`: the baseline of support keeps outputs as hashes \\\(privacy: hash\\\)/,
    );
    expect(run.outputs['drift-status']).toBe(report.status);
  });
});

describe('fitStepSummary: a report without sections, within the step summary budget', () => {
  it('keeps a report that fits; cuts one that does not at a whole line, with a notice, under the byte limit', () => {
    expect(fitStepSummary('# a\n\nb\n', 'x.md', 100)).toBe('# a\n\nb\n');
    const rows = Array.from({ length: 50 }, (_, i) => `| \`f${i}\` | 🔴 drift |`).join('\n');
    const cut = fitStepSummary(rows, 'evalgate-drift.md', 400);
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(400);
    expect(cut).toContain('the whole report is evalgate-drift.md');
    const kept = cut.split('\n\n_Cut')[0]!.split('\n');
    expect(kept.length).toBeGreaterThan(3);
    for (const line of kept) expect(line).toMatch(/^\| `f\d+` \| 🔴 drift \|$/);
  });
});
