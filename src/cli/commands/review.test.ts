import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/errors.js';
import { loadProject } from '../../config/load.js';
import { main } from '../main.js';
import type { CaseResult, ResultsDocument } from '../../results/types.js';
import { parseCsv } from '../../review/csv.js';
import { formatCsv } from '../../review/csv.js';
import { parseLabels } from '../../review/labels.js';
import type { CliIO } from '../types.js';
import { reviewCommand } from './review.js';
import { tempDir } from '../../../test/helpers/tmp.js';

let dir: string;

function io(cwd = dir): CliIO & { out: string; err: string } {
  const x = {
    out: '',
    err: '',
    stdout: (t: string) => void (x.out += t),
    stderr: (t: string) => void (x.err += t),
    cwd,
    env: {},
    isTTY: false,
  };
  return x;
}

async function run(...argv: string[]) {
  const x = io();
  const code = await reviewCommand(argv, x);
  return { code, out: x.out, err: x.err };
}

const outputs: Record<string, string> = {
  a: '=HYPERLINK("http://evil")',
  b: 'Refunds take 5 days, "usually".\nAsk support.',
  c: 'No idea',
  d: '-1 days',
};

beforeAll(() => {
  dir = tempDir('evalgate-review-');
  writeFileSync(
    join(dir, 'evalgate.yml'),
    'targets:\n  app: { type: command, command: [node, app.js] }\nsuites: [support.yml, trusted.yml]\n',
  );
  writeFileSync(
    join(dir, 'support.yml'),
    `id: support\ngraders: [{ type: contains, value: days }]\ncases:\n${Object.keys(outputs)
      .map(
        (id) =>
          `  - id: ${id}\n    input: question ${id}\n    tags: { risk: ${id < 'c' ? 'high' : 'low'} }\n`,
      )
      .join('')}`,
  );
  writeFileSync(
    join(dir, 'trusted.yml'),
    'id: trusted\ntier: trusted\n# audited by hand\ncases:\n  - id: t1\n    input: hi\n    expected: hello\ngraders: [{ type: is-json, not: true }]\n',
  );
  const cases: CaseResult[] = Object.entries(outputs).map(([id, output]) => {
    const pass = output.includes('days');
    return {
      id,
      blocker: false,
      tags: { risk: id < 'c' ? 'high' : 'low' },
      status: pass ? 'pass' : 'fail',
      samples: [
        {
          index: 0,
          status: pass ? 'pass' : 'fail',
          output: { output },
          graders: [
            { grader: 'contains', pass, score: pass ? 1 : 0, reason: pass ? 'found' : 'missing "days"' },
          ],
          retries: 0,
          cached: false,
        },
      ],
    };
  });
  const results = { suites: [{ id: 'support', cases }] } as unknown as ResultsDocument;
  writeFileSync(join(dir, 'evalgate-results.json'), JSON.stringify(results));
});

describe('evalgate review', () => {
  it('exports, imports labels back, and promotes reviewed cases into a suite that still loads', async () => {
    const exported = await run('export', '--size', '10', '--seed', '3');
    expect(exported).toMatchObject({
      code: 0,
      out: '4 cases for review (2 failed) in review/review.csv and review.jsonl\n',
    });
    const csv = readFileSync(join(dir, 'review', 'review.csv'), 'utf8');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain(`'-1 days`);
    expect(readFileSync(join(dir, 'review', 'review.jsonl'), 'utf8').split('\n')).toHaveLength(5);

    // A reviewer fills in the sheet (as a spreadsheet would save it).
    const records = parseCsv(csv).map((r) => r.fields);
    const col = (name: string) => records[0]!.indexOf(name);
    expect(records[1]![col('input')]).toBe('{"input":"question a"}');
    const verdicts: Record<string, [string, string]> = {
      a: ['fail', 'a formula, not an answer'],
      b: ['Pass', 'clear, correct'],
      c: ['', ''],
      d: ['ok', ''],
    };
    for (const row of records.slice(1)) {
      const [label, reason] = verdicts[row[col('case')]!]!;
      row[col('label')] = label;
      row[col('reason')] = reason;
      row[col('reviewer')] = 'ana';
    }
    writeFileSync(join(dir, 'filled.csv'), formatCsv(records));

    const imported = await run('import', 'filled.csv', '--out', 'labels.jsonl');
    expect(imported.code).toBe(1);
    expect(imported.err).toMatch(/^filled\.csv:\d+: label must be 'pass' or 'fail', got "ok"\n$/);
    expect(imported.out).toContain('2 labels imported (1 rows not yet labelled, 1 rejected)');
    const { labels, problems } = parseLabels(readFileSync(join(dir, 'labels.jsonl'), 'utf8'));
    expect(problems).toEqual([]);
    expect(labels.map((l) => [l.case, l.label, l.output])).toEqual([
      ['a', 'fail', outputs.a],
      ['b', 'pass', outputs.b],
    ]);
    expect(labels[1]).toMatchObject({
      reviewer: 'ana',
      reason: 'clear, correct',
      vars: { input: 'question b' },
      tags: { risk: 'high' },
    });

    const before = readFileSync(join(dir, 'trusted.yml'), 'utf8');
    const promoted = await run(
      'promote',
      '--labels',
      'labels.jsonl',
      '--suite',
      'trusted.yml',
      '--case',
      'b',
      '--case',
      'support/a',
    );
    expect(promoted).toMatchObject({ code: 0, out: '2 cases appended to trusted.yml\n' });
    const after = readFileSync(join(dir, 'trusted.yml'), 'utf8');
    expect(after.startsWith(before.split('graders:')[0]!)).toBe(true);
    expect(after).toContain('# audited by hand');
    const trusted = loadProject(join(dir, 'evalgate.yml')).suites.find((s) => s.id === 'trusted')!;
    expect(trusted.cases.map((c) => c.id)).toEqual(['t1', 'a', 'b']);
    expect(trusted.cases[2]!.expected).toBe(outputs.b);

    // Promoting again changes nothing.
    const again = await run('promote', '--labels', 'labels.jsonl', '--suite', 'trusted.yml');
    expect(again.out).toBe('0 cases appended to trusted.yml\n');
    expect(readFileSync(join(dir, 'trusted.yml'), 'utf8')).toBe(after);
  });

  it('says what is wrong with its arguments', async () => {
    await expect(run('export', '--size', '0')).rejects.toThrow(/--size/);
    await expect(run('import')).rejects.toThrow(/one file/);
    await expect(run('frobnicate')).rejects.toThrow(/unknown review command/);
    await expect(
      run('promote', '--labels', 'labels.jsonl', '--suite', 'trusted.yml', '--case', 'zzz'),
    ).rejects.toThrow(/no label for case zzz/);
    expect(existsSync(join(dir, 'review'))).toBe(true);
  });
});

describe('evalgate review promote never writes a suite that fails validation', () => {
  let project: string;
  const labels = [
    {
      suite: 'support',
      case: 'g1',
      output: 'Paris',
      label: 'pass',
      reviewer: 'ana',
      vars: { question: 'Capital of France?' },
    },
    { suite: 'support', case: 'g2', output: 'Lyon', label: 'fail', vars: { question: 'Capital of France?' } },
  ];

  async function promote(cwd: string, ...argv: string[]) {
    const x = io(cwd);
    let error: unknown;
    let code: number | undefined;
    try {
      code = await reviewCommand(['promote', '--labels', 'labels.jsonl', ...argv], x);
    } catch (e) {
      error = e;
    }
    return { code, error, out: x.out, err: x.err };
  }

  async function validate(cwd: string) {
    let out = '';
    let err = '';
    const code = await main(['validate'], {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      cwd,
      env: { PATH: process.env.PATH },
      isTTY: false,
    });
    return { code, out, err };
  }

  function setup(suite: string, target = 'command') {
    project = tempDir('evalgate-promote-');
    const targets =
      target === 'http'
        ? "targets:\n  app: { type: http, url: 'http://127.0.0.1:9/ask', body: { q: '{{question}}' } }\n"
        : 'targets:\n  app: { type: command, command: [node, app.js] }\n';
    writeFileSync(join(project, 'evalgate.yml'), `${targets}suites: [golden.yml]\n`);
    writeFileSync(join(project, 'golden.yml'), suite);
    writeFileSync(join(project, 'labels.jsonl'), labels.map((l) => JSON.stringify(l)).join('\n') + '\n');
    return join(project, 'golden.yml');
  }

  it('a suite without graders: promoting a pass label fails closed without --grader, and writes nothing', async () => {
    const file = setup(
      'id: golden\ntier: trusted\ncases:\n  - id: old\n    input: x\n    graders: [{ type: contains, value: x }]\n',
    );
    const before = readFileSync(file, 'utf8');
    const r = await promote(project, '--suite', 'golden.yml');
    expect(r.code).toBeUndefined();
    expect((r.error as Error).message).toBe(
      "golden.yml: the suite has no suite-level graders, so case 'g1' would have none; give --grader equals|contains (it checks the reviewed output as the expected value) or add graders to the suite; nothing was written",
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(project).sort()).toEqual(['evalgate.yml', 'golden.yml', 'labels.jsonl']);
  });

  it('with --grader equals the promoted cases check the reviewed output, and `evalgate validate` passes', async () => {
    const file = setup(
      'id: golden\ntier: trusted\ncases:\n  - id: old\n    input: x\n    graders: [{ type: contains, value: x }]\n',
    );
    const r = await promote(project, '--suite', 'golden.yml', '--grader', 'equals');
    expect(r).toMatchObject({ code: 0, out: '2 cases appended to golden.yml\n' });
    expect(await validate(project)).toMatchObject({ code: 0, out: 'ok: 1 suite, 3 cases, 1 target\n' });
    const [, g1, g2] = loadProject(join(project, 'evalgate.yml')).suites[0]!.cases;
    expect(g1!.graders.map((g) => g.name)).toEqual(['equals']);
    expect(
      await g1!.graders[0]!.grade({ case: g1!, output: { output: 'Paris' }, latencyMs: 1 }),
    ).toMatchObject({ pass: true });
    expect(
      await g1!.graders[0]!.grade({ case: g1!, output: { output: 'Lyon' }, latencyMs: 1 }),
    ).toMatchObject({ pass: false });
    // The fail label had no expected value: only the rejected output is checked.
    expect(g2!.graders.map((g) => g.name)).toEqual(['not-equals']);
    expect(readFileSync(file, 'utf8')).toContain('  - id: g1\n');
  });

  it.each([
    ['flow-style []', 'id: golden\ngraders: [{ type: contains }]\ncases: []\n'],
    ['null', 'id: golden\ngraders: [{ type: contains }]\ncases:\n'],
    ['~ with a comment', 'id: golden\ncases: ~ # reviewed cases go here\ngraders: [{ type: contains }]\n'],
    [
      'a flow list with a case',
      'id: golden\ngraders: [{ type: contains }]\ncases: [{ id: old, input: x, expected: x }]\n',
    ],
  ])('accepts cases: written as %s, and the result validates', async (_, suite) => {
    const file = setup(suite);
    const r = await promote(project, '--suite', 'golden.yml', '--case', 'g1');
    expect(r).toMatchObject({ code: 0, out: '1 case appended to golden.yml\n' });
    expect(await validate(project)).toMatchObject({ code: 0 });
    const ids = loadProject(join(project, 'evalgate.yml')).suites[0]!.cases.map((c) => c.id);
    expect(ids).toEqual(suite.includes('id: old') ? ['old', 'g1'] : ['g1']);
    if (suite.includes('# reviewed'))
      expect(readFileSync(file, 'utf8')).toContain('cases: # reviewed cases go here\n  - id: g1\n');
  });

  it('validates as `evalgate validate` would before writing: a case the suite graders cannot grade is refused', async () => {
    // `contains` with no value needs an expected value; the fail label has none.
    const file = setup('id: golden\ngraders: [{ type: contains }]\ncases: []\n');
    const r = await promote(project, '--suite', 'golden.yml');
    expect(r.code).toBeUndefined();
    expect(r.err).toBe(
      'evalgate: promoting would leave golden.yml invalid (positions below are in the suite as it would be); nothing was written\n',
    );
    const error = r.error as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    // Positions are in the suite as promote would have written it: g2 is its second case.
    expect(error.format(project)).toBe(
      "golden.yml:11:5: cases[1]: grader 'contains' compares with the case's 'expected', which is missing: add 'expected' or give the grader a value",
    );
    expect(readFileSync(file, 'utf8')).toBe('id: golden\ngraders: [{ type: contains }]\ncases: []\n');
    expect(readdirSync(project).sort()).toEqual(['evalgate.yml', 'golden.yml', 'labels.jsonl']);
  });

  it("renders each promoted case's request with the project's targets: a missing template variable is refused", async () => {
    const file = setup('id: golden\ngraders: [{ type: contains }]\ncases: []\n', 'http');
    writeFileSync(
      join(project, 'labels.jsonl'),
      JSON.stringify({
        suite: 's',
        case: 'g3',
        output: 'ok',
        label: 'pass',
        vars: { input: 'no question var' },
      }) + '\n',
    );
    const r = await promote(project, '--suite', 'golden.yml');
    expect((r.error as ConfigError).message).toMatch(/missing variable 'question'/);
    expect(readFileSync(file, 'utf8')).toBe('id: golden\ngraders: [{ type: contains }]\ncases: []\n');
    expect(await promote(project, '--suite', 'golden.yml', '--grader', 'maybe')).toMatchObject({
      error: expect.objectContaining({ message: "--grader takes equals or contains, got 'maybe'" }),
    });
  });
});
