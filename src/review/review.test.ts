import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../config/load.js';
import type { CaseResult, ResultsDocument } from '../results/types.js';
import { formatCsv, guardCell, parseCsv, unguardCell } from './csv.js';
import { allocate, reviewCsv, reviewJsonl, selectForReview } from './export.js';
import { importReviewCsv, importReviewJsonl, mergeLabels } from './import.js';
import type { Label } from './labels.js';
import { promoteLabels } from './promote.js';
import { tempDir } from '../../test/helpers/tmp.js';

function caseResult(
  id: string,
  risk: string | undefined,
  status: 'pass' | 'fail' | 'error',
  output = `out ${id}`,
): CaseResult {
  return {
    id,
    blocker: false,
    tags: risk ? { risk } : {},
    status,
    samples: [
      {
        index: 0,
        status,
        output: { output },
        graders: [
          { grader: 'contains', pass: status === 'pass', score: status === 'pass' ? 1 : 0, reason: 'r' },
        ],
        retries: 0,
        cached: false,
      },
    ],
  };
}

function results(cases: CaseResult[]): ResultsDocument {
  return { suites: [{ id: 'support', cases }] } as unknown as ResultsDocument;
}

/** high: 4 pass + 2 fail; low: 10 pass + 4 fail (one of them an error); none: 1 fail with no output. */
function fixture(): ResultsDocument {
  const cases: CaseResult[] = [];
  for (let i = 0; i < 4; i++) cases.push(caseResult(`hp${i}`, 'high', 'pass'));
  for (let i = 0; i < 2; i++) cases.push(caseResult(`hf${i}`, 'high', 'fail'));
  for (let i = 0; i < 10; i++) cases.push(caseResult(`lp${i}`, 'low', 'pass'));
  for (let i = 0; i < 4; i++) cases.push(caseResult(`lf${i}`, 'low', i === 3 ? 'error' : 'fail'));
  const dead = caseResult('dead', undefined, 'error');
  delete dead.samples[0]!.output;
  cases.push(dead);
  return results(cases);
}

describe('CSV', () => {
  it('quotes per RFC 4180 and parses quoted newlines and doubled quotes back', () => {
    const rows = [
      ['plain', 'a,b', 'say "hi"', 'two\nlines', 'crlf\r\nline', ''],
      ['x', '', '""', ',', '\n', 'end'],
    ];
    const text = formatCsv(rows);
    expect(text.startsWith('plain,"a,b","say ""hi""","two\nlines","crlf\r\nline",\r\n')).toBe(true);
    expect(parseCsv(text).map((r) => r.fields)).toEqual(rows);
    expect(parseCsv(text).map((r) => r.line)).toEqual([1, 4]);
  });

  it('guards formula cells and round-trips them exactly', () => {
    for (const cell of [
      '=HYPERLINK("x")',
      '+1',
      '-2',
      '@SUM(A1)',
      '\tx',
      '\rx',
      "'=x",
      "''+y",
      "'plain",
      'ok',
    ])
      expect(unguardCell(guardCell(cell))).toBe(cell);
    expect(guardCell('=1+1')).toBe("'=1+1");
    expect(guardCell("'=1")).toBe("''=1");
    expect(guardCell('a=1')).toBe('a=1');
    const rows = [['=cmd|" /C calc"!A0', '-1', "it's", '@x']];
    const text = formatCsv(rows);
    expect(text).toBe(`"'=cmd|"" /C calc""!A0",'-1,it's,'@x\r\n`);
    expect(parseCsv(text)[0]!.fields).toEqual(rows[0]);
  });

  it('accepts LF line ends and a BOM, and reports an unterminated quote by line', () => {
    expect(parseCsv('\ufeffa,b\nc,"d\ne"\n\nf,g').map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b']],
      [2, ['c', 'd\ne']],
      [5, ['f', 'g']],
    ]);
    expect(() => parseCsv('a,b\nc,"open\n')).toThrow(/line 2: unterminated/);
    expect(() => parseCsv('a,"b"c\n')).toThrow(/line 1: unexpected text/);
  });
});

describe('review export', () => {
  it('allocates one per stratum, then by weight with failures counted 3x, by largest remainder', () => {
    const quotas = allocate(
      [
        { key: 'high/pass', count: 4, weight: 4 },
        { key: 'high/fail', count: 2, weight: 6 },
        { key: 'low/pass', count: 10, weight: 10 },
        { key: 'low/fail', count: 4, weight: 12 },
      ],
      10,
    );
    expect(Object.fromEntries(quotas)).toEqual({
      'high/pass': 2,
      'high/fail': 2,
      'low/pass': 3,
      'low/fail': 3,
    });
    // Never more than a stratum holds; the overflow goes to the others.
    const capped = allocate(
      [
        { key: 'a', count: 1, weight: 30 },
        { key: 'b', count: 9, weight: 9 },
      ],
      5,
    );
    expect(Object.fromEntries(capped)).toEqual({ a: 1, b: 4 });
    expect(Object.fromEntries(allocate([{ key: 'a', count: 3, weight: 3 }], 10))).toEqual({ a: 3 });
  });

  it('samples stratified by risk and outcome, reproducibly for a seed', () => {
    const rows = selectForReview(fixture(), { size: 10, seed: 7 });
    const count = (risk: string, outcome: string) =>
      rows.filter((r) => r.risk === risk && r.outcome === outcome).length;
    expect(rows).toHaveLength(10);
    expect([
      count('high', 'pass'),
      count('high', 'fail'),
      count('low', 'pass'),
      count('low', 'fail'),
    ]).toEqual([2, 2, 3, 3]);
    expect(rows.some((r) => r.case === 'dead')).toBe(false);
    expect(selectForReview(fixture(), { size: 10, seed: 7 })).toEqual(rows);
    const other = selectForReview(fixture(), { size: 10, seed: 8 }).map((r) => r.case);
    expect(other).not.toEqual(rows.map((r) => r.case));
    expect(rows[0]).toMatchObject({ suite: 'support', label: '', reason: '', reviewer: '', vars: {} });
  });

  it('adds vars and expected from the suites', () => {
    const rows = selectForReview(fixture(), {
      size: 1,
      seed: 1,
      caseDetails: (_s, id) => ({ vars: { input: `q ${id}` }, expected: 'x' }),
    });
    expect(rows[0]).toMatchObject({ vars: { input: `q ${rows[0]!.case}` }, expected: 'x' });
  });
});

describe('review import', () => {
  const exported = () =>
    selectForReview(
      results([
        caseResult('a', 'high', 'pass', '=1+1, "quoted"\nsecond line'),
        caseResult('b', 'low', 'fail', '@cmd'),
        caseResult('c', 'low', 'pass', 'plain'),
      ]),
      { size: 3, seed: 1, caseDetails: () => ({ vars: { input: 'q' } }) },
    );

  it('reads a filled-in CSV back: quoting and the formula guard round-trip, bad labels by line', () => {
    const rows = exported();
    rows[0]!.label = 'PASS ' as '';
    rows[0]!.reason = 'fine, really' as '';
    rows[1]!.label = 'maybe' as '';
    const csv = reviewCsv(rows);
    const read = importReviewCsv(csv);
    expect(read.labels).toEqual([
      {
        suite: 'support',
        case: 'a',
        output: '=1+1, "quoted"\nsecond line',
        label: 'pass',
        reason: 'fine, really',
        sample: 0,
        vars: { input: 'q' },
        tags: { risk: 'high' },
      },
    ]);
    // Row a spans two lines (the quoted newline), so row b starts on line 4.
    expect(read.problems).toEqual([{ line: 4, message: `label must be 'pass' or 'fail', got "maybe"` }]);
    expect(read.unlabelled).toBe(1);
  });

  it('reads JSONL too, and merges with existing labels, the newer winning', () => {
    const rows = exported();
    rows[1]!.label = 'fail' as '';
    const read = importReviewJsonl(reviewJsonl(rows) + 'not json\n');
    expect(read.labels.map((l) => [l.case, l.label])).toEqual([['b', 'fail']]);
    expect(read.problems).toHaveLength(1);
    expect(read.problems[0]!.line).toBe(4);
    const old: Label[] = [
      { suite: 'support', case: 'b', output: 'x', label: 'pass' },
      { suite: 'support', case: 'z', output: 'y', label: 'fail' },
    ];
    expect(mergeLabels(old, read.labels).map((l) => [l.case, l.label])).toEqual([
      ['b', 'fail'],
      ['z', 'fail'],
    ]);
  });
});

describe('review promote', () => {
  const suite = `# Trusted, hand-audited cases.
id: trusted
tier: trusted
graders:
  - type: contains
    value: refund # every answer mentions it
cases:
  - id: existing
    input: "How do I get a refund?"
  # keep this comment
vars: {}
`;
  const labels: Label[] = [
    {
      suite: 'support',
      case: 'new-pass',
      output: 'You get a refund in 5 days.',
      label: 'pass',
      reviewer: 'ana',
      vars: { input: 'When?' },
      tags: { risk: 'high' },
    },
    {
      suite: 'support',
      case: 'new-fail',
      output: 'No refund, ever.',
      label: 'fail',
      reason: 'wrong policy',
      vars: { input: 'Refund?' },
    },
    { suite: 'support', case: 'existing', output: 'x', label: 'pass' },
  ];

  it('appends cases as text, keeping every existing line and comment, and the suite still loads', () => {
    const result = promoteLabels(suite, labels);
    expect(result.added).toEqual(['new-pass', 'new-fail']);
    expect(result.skipped).toEqual(['existing']);
    const [head] = suite.split('  # keep this comment');
    expect(result.text.startsWith(head!)).toBe(true);
    expect(result.text).toContain('  # keep this comment\nvars: {}\n');
    expect(result.text).toContain(
      '  - id: new-pass\n    description: reviewed by ana (pass), promoted from support/new-pass\n',
    );

    const dir = tempDir('evalgate-promote-');
    writeFileSync(
      join(dir, 'evalgate.yml'),
      'targets:\n  app: { type: command, command: [node, app.js] }\nsuites: [trusted.yml]\n',
    );
    writeFileSync(join(dir, 'trusted.yml'), result.text);
    const loaded = loadProject(join(dir, 'evalgate.yml')).suites[0]!;
    expect(loaded.cases.map((c) => c.id)).toEqual(['existing', 'new-pass', 'new-fail']);
    expect(loaded.cases[1]).toMatchObject({
      expected: 'You get a refund in 5 days.',
      tags: { risk: 'high' },
      vars: { input: 'When?' },
    });
    expect(loaded.cases[2]!.graders.map((g) => g.name)).toEqual(['contains', 'not-equals']);
  });

  it('adds a cases list when the suite has none; rewrites an empty, null or flow-style one as a block list', () => {
    const graded = { grader: 'contains' } as const;
    const text = promoteLabels('id: s\ndataset: data.jsonl', labels.slice(0, 1), graded).text;
    expect(text.startsWith('id: s\ndataset: data.jsonl\ncases:\n  - id: new-pass\n')).toBe(true);
    for (const suite of [
      'id: s\ncases: []\nvars: {}\n',
      'id: s\ncases:\nvars: {}\n',
      'id: s\ncases: null\nvars: {}\n',
    ]) {
      const out = promoteLabels(suite, labels.slice(0, 1), graded).text;
      expect(out.startsWith('id: s\ncases:\n  - id: new-pass\n')).toBe(true);
      expect(out.endsWith('      - type: contains\nvars: {}\n')).toBe(true);
    }
    // A nested block under a two-space key keeps its indentation; comments after the value stay.
    expect(
      promoteLabels('id: s\ncases: [{ id: a, input: x }] # audited\n', labels.slice(0, 1), graded).text,
    ).toMatch(/^id: s\ncases: # audited\n {2}- id: a\n {4}input: x\n {2}- id: new-pass\n/);
    expect(() => promoteLabels('id: s\ncases: [], vars: {}\n', labels.slice(0, 1), graded)).toThrow();
  });

  it('fails closed rather than promote a pass case no grader would check', () => {
    expect(() => promoteLabels('id: s\ncases: []\n', labels.slice(0, 2))).toThrow(
      "the suite has no suite-level graders, so case 'new-pass' would have none; give --grader equals|contains",
    );
    // A fail label always carries its own not-equals grader.
    const fail = promoteLabels('id: s\ncases: []\n', labels.slice(1, 2));
    expect(fail.text).toContain('    graders:\n      - type: not-equals\n        value: No refund, ever.\n');
    // With --grader, a pass case's grader checks the reviewed output (its expected value).
    const pass = promoteLabels('id: s\ncases: []\n', labels.slice(0, 1), { grader: 'equals' });
    expect(pass.text).toContain('    expected: You get a refund in 5 days.\n');
    expect(pass.text).toContain('    graders:\n      - type: equals\n');
  });
});
