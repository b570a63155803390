import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../../test/helpers/fake-openai.js';
import type { CalibrationReport } from '../../graders/calibrate.js';
import type { CliIO } from '../types.js';
import { calibrateCommand } from './calibrate.js';
import { tempDir } from '../../../test/helpers/tmp.js';

let dir: string;
let server: FakeOpenAI;

beforeAll(async () => {
  // The judge passes an output that contains "good" and fails the rest.
  server = await startFakeOpenAI({
    script: ({ body }) => {
      const user = String(body.messages?.[1]?.content ?? '');
      const good = /BEGIN RESPONSE \w+>>>\n[^\n]*good/.test(user);
      return {
        content: JSON.stringify({ verdict: good ? 'pass' : 'fail', score: good ? 1 : 0, reasoning: 'ok' }),
      };
    },
  });
  dir = tempDir('evalgate-calibrate-');
  writeFileSync(
    join(dir, 'evalgate.yml'),
    `targets:\n  app: { type: command, command: [node, app.js] }\nsuites: [suite.yml]\njudge:\n  model: judge-1\n  baseURL: ${server.url}\n  minKappa: 0.5\ncache: { dir: .cache }\n`,
  );
  writeFileSync(
    join(dir, 'suite.yml'),
    `id: support\ngraders:\n  - type: judge\n    rubric: Answers politely.\ncases:\n${[1, 2, 3, 4, 5]
      .map((i) => `  - id: c${i}\n    input: question ${i}\n`)
      .join('')}`,
  );
  const labels = [
    { case: 'c1', output: 'a good answer', label: 'pass' },
    { case: 'c2', output: 'a good one', label: 'pass' },
    { case: 'c3', output: 'rude', label: 'fail' },
    { case: 'c4', output: 'good but wrong', label: 'fail' },
    { case: 'c5', output: 'meh', label: 'fail' },
    { case: 'nope', output: 'x', label: 'pass' },
  ];
  writeFileSync(
    join(dir, 'labels.jsonl'),
    labels.map((l) => JSON.stringify({ suite: 'support', ...l })).join('\n'),
  );
});

afterAll(() => server.close());

function io(): CliIO & { out: string; err: string } {
  const x = {
    out: '',
    err: '',
    stdout: (t: string) => void (x.out += t),
    stderr: (t: string) => void (x.err += t),
    cwd: dir,
    env: { OPENAI_API_KEY: 'k' },
    isTTY: false,
  };
  return x;
}

describe('evalgate calibrate', () => {
  it('judges the labelled outputs, prints agreement and writes the report', async () => {
    const x = io();
    expect(await calibrateCommand(['--labels', 'labels.jsonl', '--out', 'cal.json'], x)).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'cal.json'), 'utf8')) as CalibrationReport;
    expect(report.confusion).toEqual({
      bothPass: 2,
      judgePassHumanFail: 1,
      judgeFailHumanPass: 0,
      bothFail: 2,
    });
    expect(report.accuracy).toBeCloseTo(0.8, 12);
    // p_o 0.8; p_e 0.6*0.4 + 0.4*0.6 = 0.48; kappa 0.32/0.52
    expect(report.kappa).toBeCloseTo(0.32 / 0.52, 12);
    expect(report.labels).toEqual({ file: 'labels.jsonl', total: 6, judged: 5, judgeErrors: 0, skipped: 1 });
    expect(report.fingerprints).toHaveLength(1);
    expect(report.fingerprints[0]).toMatchObject({ kind: 'judge', model: 'judge-1' });
    expect(report.disagreements).toEqual([
      { suite: 'support', case: 'c4', human: 'fail', judge: 'pass', reason: 'ok' },
    ]);
    // Five labels used to be enough to gate at minKappa 0.5; now they print why not.
    // Wilson for 4 of 5: lower 0.375535; p_e = 0.48: kappa >= -0.200895, the interval's floor.
    expect(report.version).toBe(2);
    expect(report.kappaInterval!.lower).toBeLessThanOrEqual(-0.200894);
    expect(report.kappaInterval!.upper).toBeGreaterThanOrEqual(0.930338);
    const lower = report.kappaInterval!.lower.toFixed(3);
    const upper = report.kappaInterval!.upper.toFixed(3);
    expect(x.out).toBe(
      [
        "judge 'judge' vs 5 human labels (2 pass, 3 fail)",
        '',
        '                 human pass  human fail',
        '  judge pass              2           1',
        '  judge fail              0           2',
        '',
        `accuracy 80.0%, Cohen's kappa 0.615 (95% CI ${lower} to ${upper}: bootstrap of 2000 resamples, widened to the Wilson bound)`,
        'this judge may not gate: its verdicts will be reported but will not block, because',
        '  - 5 judged labels, fewer than the 30 required',
        "  - 2 human 'pass' labels, fewer than the 10 of each class required",
        "  - 3 human 'fail' labels, fewer than the 10 of each class required",
        `  - kappa 0.615 (95% CI ${lower} to ${upper}): the lower bound is below the minimum 0.5`,
        'report written to cal.json',
        '',
      ].join('\n'),
    );
    expect(x.err).toContain('skipped support/nope');
    expect(server.requests).toHaveLength(5);

    // A second calibration is served from the response cache.
    expect(await calibrateCommand(['--labels', 'labels.jsonl', '--out', 'cal2.json'], io())).toBe(0);
    expect(server.requests).toHaveLength(5);
  });

  it('with enough labels of each class and a lower bound over the minimum, the judge may gate', async () => {
    // 16 outputs the judge passes and humans pass, 16 it fails and humans fail: kappa 1;
    // Wilson for 32 of 32: lower 0.892821, p_e = 0.5: kappa >= 0.785642 >= 0.5.
    const many = [
      ...Array.from({ length: 16 }, (_, i) => ({
        case: `c${(i % 5) + 1}`,
        output: `good ${i}`,
        label: 'pass',
      })),
      ...Array.from({ length: 16 }, (_, i) => ({
        case: `c${(i % 5) + 1}`,
        output: `bad ${i}`,
        label: 'fail',
      })),
    ];
    writeFileSync(
      join(dir, 'many.jsonl'),
      many.map((l) => JSON.stringify({ suite: 'support', ...l })).join('\n'),
    );
    const x = io();
    expect(await calibrateCommand(['--labels', 'many.jsonl', '--out', 'many.json'], x)).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'many.json'), 'utf8')) as CalibrationReport;
    expect(report.kappa).toBe(1);
    expect(report.kappaInterval!.lower).toBeCloseTo(0.785642, 5);
    expect(x.out).toContain(
      "accuracy 100.0%, Cohen's kappa 1.000 (95% CI 0.786 to 1.000: bootstrap of 2000 resamples, widened to the Wilson bound)\n" +
        "this judge may gate: 32 labels (16 pass, 16 fail), and kappa's lower bound 0.786 ≥ 0.5\n",
    );
  });

  it('reports bad label lines and a missing API key as user errors', async () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"suite":"support","case":"c1","output":"x","label":"maybe"}\n');
    const x = io();
    await expect(calibrateCommand(['--labels', 'bad.jsonl'], x)).rejects.toThrow(/1 invalid label line/);
    expect(x.err).toContain("bad.jsonl:1: label must be 'pass' or 'fail'");
    const noKey = { ...io(), env: {} };
    await expect(calibrateCommand(['--labels', 'labels.jsonl'], noKey)).rejects.toThrow(
      /OPENAI_API_KEY is not set/,
    );
  });
});
