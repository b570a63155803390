import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../config/load.js';
import type { CaseResult, ResultsDocument } from '../../results/types.js';
import { parseCsv } from '../../review/csv.js';
import { formatCsv } from '../../review/csv.js';
import { parseLabels } from '../../review/labels.js';
import type { CliIO } from '../types.js';
import { reviewCommand } from './review.js';
import { tempDir } from '../../../test/helpers/tmp.js';

let dir: string;

function io(): CliIO & { out: string; err: string } {
  const x = {
    out: '',
    err: '',
    stdout: (t: string) => void (x.out += t),
    stderr: (t: string) => void (x.err += t),
    cwd: dir,
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
