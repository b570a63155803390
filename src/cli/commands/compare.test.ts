import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../compare/stats/rng.js';
import { syntheticResults, type SyntheticCase } from '../../../test/kits/synthetic.js';
import type { CliIO } from '../types.js';
import { compareCommand } from './compare.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { dimensionResults, workflowCases } from '../../../test/kits/dimensions.js';

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
  const code = await compareCommand(argv, x);
  return { code, out: x.out, err: x.err };
}

function cases(prefix: string, outcomes: string): SyntheticCase[] {
  return [...outcomes].map((o, i) => ({
    id: `${prefix}${i}`,
    pass: o === 'P' ? 1 : 0,
    error: o === 'E' ? 1 : 0,
  }));
}

function write(name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return name;
}

function results(outcomes: string, prefix = 'c') {
  return syntheticResults({ suites: [{ id: 'support', cases: cases(prefix, outcomes) }] }, createRng(1));
}

beforeAll(() => {
  dir = tempDir('evalgate-compare-');
  write('base.json', results('P'.repeat(200)));
  write('same.json', results('P'.repeat(200)));
  write('worse.json', results(`${'F'.repeat(20)}${'P'.repeat(180)}`));
  write('slightly.json', results(`FFFFF${'P'.repeat(195)}`));
  write('errors.json', results(`${'E'.repeat(40)}${'P'.repeat(160)}`));
  write('other-ids.json', results('P'.repeat(200), 'x'));
  const assistant = (summaries: string, grounded: string) =>
    dimensionResults([
      {
        id: 'assistant',
        cases: [
          ...workflowCases('summarize', 30, { correctness: 'P', usefulness: summaries }),
          ...workflowCases('rag-answer', 30, { correctness: 'P', grounding: grounded }),
        ],
      },
    ]);
  write('trade-base.json', assistant(`${'P'.repeat(18)}${'F'.repeat(12)}`, `${'P'.repeat(28)}FF`));
  write('trade-head.json', assistant('P'.repeat(30), `${'P'.repeat(17)}${'F'.repeat(13)}`));
});

describe('evalgate compare: dimensions and workflows', () => {
  it('names a trade-off on stderr and in the report, not averaged into the pass rate', async () => {
    const r = await run('--baseline', 'trade-base.json', '--current', 'trade-head.json');
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      'evalgate: warn — assistant: trade-off needing a product decision: usefulness of summarize +40.0 pp vs grounding of rag-answer -36.7 pp\n',
    );
    expect(r.out).toContain('**Trade-off, needs a product decision:**');
    expect(r.out).toContain('### By dimension and workflow');
  });

  it('puts the cells and the trade-off in the JSON, and fails on a dimension rule', async () => {
    const r = await run('--baseline', 'trade-base.json', '--current', 'trade-head.json', '--format', 'json');
    const out = JSON.parse(r.out) as {
      comparison: {
        tradeOff: { regressed: { dimension: string; workflow: string }[] };
        suites: { dimensions: unknown[] }[];
      };
    };
    expect(out.comparison.tradeOff.regressed).toEqual([
      expect.objectContaining({ dimension: 'grounding', workflow: 'rag-answer' }),
    ]);
    expect(out.comparison.suites[0]!.dimensions).toHaveLength(7);
    write('risk.yml', 'gate:\n  metrics:\n    "dimension:grounding": { block: true }\n');
    const gated = await run(
      '--baseline',
      'trade-base.json',
      '--current',
      'trade-head.json',
      '--config',
      'risk.yml',
    );
    expect(gated.code).toBe(1);
    expect(gated.err).toMatch(/^evalgate: fail — assistant: grounding regressed: 93\.3% → 56\.7%/);
    // The trade-off is still named, on its own line.
    expect(gated.err.split('\n')[1]).toBe(
      'evalgate: trade-off needing a product decision: usefulness of summarize +40.0 pp vs grounding of rag-answer -36.7 pp',
    );
    write('quiet.yml', 'gate:\n  dimensions: { onTradeOff: info }\n');
    const quiet = await run(
      '--baseline',
      'trade-base.json',
      '--current',
      'trade-head.json',
      '--config',
      'quiet.yml',
    );
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe(
      'evalgate: pass\nevalgate: trade-off needing a product decision: usefulness of summarize +40.0 pp vs grounding of rag-answer -36.7 pp\n',
    );
  });

  it('leaves the trade-off line out when nothing traded', async () => {
    const r = await run('--baseline', 'trade-base.json', '--current', 'trade-base.json');
    expect(r.err).toBe('evalgate: pass\n');
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('evalgate compare: verdicts and exit codes', () => {
  it('exits 0 on pass and prints the markdown report', async () => {
    const r = await run('--baseline', 'base.json', '--current', 'same.json');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^## ✅ evalgate: pass\n/);
    expect(r.err).toBe('evalgate: pass\n');
  });

  it('exits 1 on a regression; JSON has verdict, reasons and per-suite metric comparisons', async () => {
    const r = await run('--baseline', 'base.json', '--current', 'worse.json', '--format', 'json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out);
    expect(json).toMatchObject({ schemaVersion: 1, verdict: 'fail', counts: { fail: 1 } });
    expect(json.reasons[0]).toMatchObject({
      level: 'fail',
      code: 'metric-regressed',
      suite: 'support',
      metric: 'passRate',
    });
    const suite = json.comparison.suites[0];
    expect(suite).toMatchObject({ id: 'support', status: 'comparable', cases: { comparable: 200 } });
    const passRate = suite.metrics.find((m: { metric: string }) => m.metric === 'passRate');
    expect(passRate).toMatchObject({
      baseline: 1,
      current: 0.9,
      verdict: 'regressed',
      test: { method: 'mcnemar-exact', baselineOnly: 20, currentOnly: 0 },
      interval: { method: 'newcombe' },
    });
    expect(passRate.pAdjusted).toBeLessThan(0.05);
    expect(r.err).toMatch(/^evalgate: fail — support: pass rate regressed/);
  });

  it('exits 0 on inconclusive, and 1 when the policy says inconclusive fails', async () => {
    expect((await run('--baseline', 'base.json', '--current', 'slightly.json')).code).toBe(0);
    write('strict.yml', 'gate:\n  onInconclusive: fail\n');
    const strict = await run(
      '--baseline',
      'base.json',
      '--current',
      'slightly.json',
      '--config',
      'strict.yml',
    );
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/^## ❌ evalgate: fail/);
  });

  it('reads the policy from ./evalgate.yml when there is one', async () => {
    const sub = tempDir('evalgate-compare-cfg-');
    writeFileSync(join(sub, 'evalgate.yml'), 'targets: {}\ngate:\n  onInconclusive: warn\n');
    const x = io(sub);
    const code = await compareCommand(
      ['-b', join(dir, 'base.json'), '-c', join(dir, 'slightly.json'), '-f', 'json'],
      x,
    );
    expect(code).toBe(0);
    expect(JSON.parse(x.out).verdict).toBe('warn');
  });

  it('fails closed with exit 1 when too many samples errored', async () => {
    const r = await run('--baseline', 'base.json', '--current', 'errors.json', '--format', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).verdict).toBe('error');
  });

  it('zero comparable cases: nothing comparable, never green', async () => {
    const r = await run('--baseline', 'base.json', '--current', 'other-ids.json', '--format', 'json');
    const json = JSON.parse(r.out);
    expect(json.comparison.suites[0]).toMatchObject({
      status: 'nothing-comparable',
      reasons: [expect.stringMatching(/^no case id in common with the baseline/)],
    });
    expect(json.verdict).toBe('fail');
    expect(r.code).toBe(1);
  });
});

describe('evalgate compare: bad input exits 2 naming the file', () => {
  const valid = () => JSON.stringify(results('PP'));

  it.each([
    [
      'corrupt',
      '{"schemaVersion": 1, "run": ',
      /^evalgate: baseline bad\.json: not valid JSON \(.+\): the file is truncated or corrupt\n$/,
    ],
    [
      'truncated',
      () => valid().slice(0, 200),
      /^evalgate: baseline bad\.json: not valid JSON .*truncated or corrupt\n$/,
    ],
    ['empty', '', /^evalgate: baseline bad\.json: the file is empty\n$/],
    [
      'wrong version',
      () => JSON.stringify({ ...JSON.parse(valid()), schemaVersion: 2 }),
      /^evalgate: baseline bad\.json: Results schema version 2 is not supported; this evalgate reads version 1\./,
    ],
    [
      'no version',
      '{"suites": []}',
      /^evalgate: baseline bad\.json: not an evalgate Results document \(no schemaVersion field\)\n$/,
    ],
    ['an array', '[1, 2]', /not an evalgate Results document \(expected a JSON object\)/],
    [
      'a missing field',
      () => {
        const doc = JSON.parse(valid());
        delete doc.suites[0].cases[1].samples;
        return JSON.stringify(doc);
      },
      /^evalgate: baseline bad\.json: invalid Results document: suites\[0\]\.cases\[1\]\.samples: .+\n$/,
    ],
    [
      'a duplicate case id',
      () => {
        const doc = JSON.parse(valid());
        doc.suites[0].cases[1].id = doc.suites[0].cases[0].id;
        return JSON.stringify(doc);
      },
      /suites\[0\]\.cases\[1\]\.id: duplicate case id 'c0' in suite 'support'/,
    ],
  ])('%s', async (_, content, message) => {
    write('bad.json', typeof content === 'function' ? content() : content);
    const r = await run('--baseline', 'bad.json', '--current', 'same.json');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
  });

  it('never echoes a corrupt file raw: no ESC, NUL or workflow command reaches stderr', async () => {
    const hostile =
      '\x1b[2J\x1b]0;pwned\x07\n::error::forged annotation\n\0\0##[error]old form\r::add-mask::x';
    const tricks = [
      hostile, // not JSON at all
      `{"schemaVersion": 1, "run": "${hostile.replace(/\n/g, ' ')}`, // truncated inside a string
      JSON.stringify({ schemaVersion: 1, run: {}, summary: {}, suites: [{ id: hostile }] }), // bad fields
    ];
    for (const content of tricks) {
      write('hostile.json', content);
      // The path the user typed is echoed too.
      const r = await run('--baseline', 'hostile.json', '--current', 'same.json');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^evalgate: baseline hostile\.json: /);
      // eslint-disable-next-line no-control-regex -- the point of the test
      expect(r.err.slice(0, -1)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      for (const line of r.err.split('\n')) {
        expect(line.trim().startsWith('::')).toBe(false);
        expect(line).not.toContain('##[');
      }
    }
  });

  it('names the current file too, and a missing one', async () => {
    write('bad.json', '{');
    expect((await run('--baseline', 'base.json', '--current', 'bad.json')).err).toMatch(
      /^evalgate: current bad\.json: not valid JSON/,
    );
    expect((await run('--baseline', 'nope.json', '--current', 'same.json')).err).toBe(
      'evalgate: baseline nope.json: file not found\n',
    );
  });
});

describe('evalgate compare: usage and config errors exit 2', () => {
  it.each([
    [['--current', 'same.json'], /--baseline is required/],
    [['--baseline', 'base.json'], /--current is required/],
    [
      ['--baseline', 'base.json', '--current', 'same.json', '--format', 'xml'],
      /--format must be markdown or json/,
    ],
    [['--baseline', 'base.json', '--current', 'same.json', '--bogus'], /Unknown option '--bogus'/],
    [
      ['--baseline', 'base.json', '--current', 'same.json', '--config', 'missing.yml'],
      /config error: .*missing\.yml: config file not found/,
    ],
  ])('%o', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('points at the line and field of a bad gate policy', async () => {
    write('bad-policy.yml', 'gate:\n  alpha: 2\n  onInconclusive: maybe\n');
    const r = await run('--baseline', 'base.json', '--current', 'same.json', '--config', 'bad-policy.yml');
    expect(r.code).toBe(2);
    expect(r.err).toContain('2 config errors');
    expect(r.err).toMatch(/bad-policy\.yml:2:10: gate\.alpha: /);
    expect(r.err).toMatch(/bad-policy\.yml:3:19: gate\.onInconclusive: /);
  });

  it('prints help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: evalgate compare --baseline FILE --current FILE/);
  });
});
