import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/types.js';
import type { DriftReport } from '../../src/production/drift/drift.js';
import { ProductionPolicySchema } from '../../src/production/policy-schema.js';
import { toRecord, type Interaction } from '../../src/production/record.js';
import { generateTraffic } from '../helpers/production-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const ENV = { EVALGATE_HASH_KEY: 'drift-test-key-0123456789' };
const POLICY = ProductionPolicySchema.parse({});

function records(traffic: Interaction[]): string {
  return traffic
    .map((t) => toRecord(t, POLICY, { system: 'sys-1' }, { env: ENV, random: () => 0 }))
    .map((r) => JSON.stringify(r))
    .join('\n');
}

function project(config = 'production:\n  sampling: { rate: 1 }\n'): string {
  const dir = tempDir('evalgate-drift-');
  writeFileSync(join(dir, 'evalgate.yml'), config);
  return dir;
}

/**
 * Which reader the CLI uses. A window of local JSONL only is read by the streaming pass
 * whichever the engine (drift/run.ts), so the tests below use 'stream' unless they say.
 */
let engine = 'stream';

async function drift(dir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    cwd: dir,
    env: ENV,
    isTTY: false,
  };
  const code = await main(['drift', '--engine', engine, ...args], io);
  return { code, out: out.join('') };
}

/** The same traffic, shifted: a slower model, and many more legal questions. */
function shifted(seed: number, n: number): Interaction[] {
  return generateTraffic(seed, n).map((t, i) => ({
    ...t,
    latencyMs: (t.latencyMs ?? 0) * 2,
    ...(i % 3 === 0 && { route: 'legal' }),
  }));
}

describe('evalgate drift over realistic, seeded records', () => {
  beforeEach(() => {
    engine = 'stream';
  });
  const dir = project();
  writeFileSync(join(dir, 'ref-1.jsonl'), records(generateTraffic(1, 1500)));
  writeFileSync(join(dir, 'ref-2.jsonl.gz'), gzipSync(records(generateTraffic(2, 1500))));
  writeFileSync(join(dir, 'same.jsonl'), records(generateTraffic(3, 2000)));
  writeFileSync(join(dir, 'shifted.jsonl.gz'), gzipSync(records(shifted(4, 2000))));
  writeFileSync(join(dir, 'small.jsonl'), records(generateTraffic(5, 60)));

  it('same traffic: no drift, exit 0; reads plain and gzip files by glob', async () => {
    const r = await drift(dir, '--current', 'same.jsonl', '--reference', 'ref-*', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as DriftReport;
    expect(report.status).toBe('stable');
    expect(report.windows).toEqual({ reference: 3000, current: 2000 });
    expect(report.alarms).toEqual([]);
    expect(report.features.map((f) => f.feature)).toContain('route');
  });

  it('shifted traffic: the changed features alarm, the rest do not; exit 1; Markdown to --out', async () => {
    const r = await drift(dir, '--current', '*.gz', '--reference', 'ref-1.jsonl', '--out', 'drift.md');
    expect(r.code).toBe(1);
    const md = readFileSync(join(dir, 'drift.md'), 'utf8');
    expect(md).toContain('# Production drift');
    expect(r.out).toContain('**Drift in');
    const j = await drift(dir, '--current', 'shifted.jsonl.gz', '--reference', 'ref-1.jsonl', '--json');
    const report = JSON.parse(j.out) as DriftReport;
    expect(report.alarms).toEqual(expect.arrayContaining(['latencyMs', 'route']));
    // Legal questions are refused half the time: the refusal rate moves with the route mix.
    for (const a of report.alarms) expect(['latencyMs', 'route', 'refusalRate']).toContain(a);
    expect(md).toMatch(
      /\| `latencyMs` \| median \d+ \(n=1500\) \| median \d+ \(n=3500\) \| PSI [\d.]+ \(0\.1\) \| [\d.e-]+ \| 🔴 drift \|/,
    );
  });

  it('an --out in a folder that does not exist: the path and why, exit 2, not an internal error', async () => {
    const r = await drift(
      dir,
      '--current',
      'same.jsonl',
      '--reference',
      'ref-1.jsonl',
      '--out',
      'no/such/d.md',
    );
    expect(r.code).toBe(2);
    expect(r.out).toContain('no/such/d.md: no such file or folder');
    expect(r.out).not.toContain('internal error');
  });

  it('a window under minRecords is "too few records", never an alarm', async () => {
    const r = await drift(dir, '--current', 'small.jsonl', '--reference', 'ref-1.jsonl', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as DriftReport;
    expect(report.status).toBe('too-few-records');
    expect(report.features.every((f) => f.status === 'too-few-records')).toBe(true);
  });

  it('thresholds come from production.drift', async () => {
    const d = project(
      'production:\n  drift:\n    psi: 5\n    rateEffect: 5\n    features: { route: { threshold: 0.05 } }\n',
    );
    writeFileSync(join(d, 'ref.jsonl'), records(generateTraffic(1, 1500)));
    writeFileSync(join(d, 'cur.jsonl'), records(shifted(4, 2000)));
    const r = await drift(d, '--current', 'cur.jsonl', '--reference', 'ref.jsonl', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as DriftReport;
    expect(report.alarms).toEqual(['route']);
    expect(report.features.find((f) => f.feature === 'latencyMs')!.status).toBe('significant');
  });

  it('both engines give the same report: DuckDB reading both windows as Parquet, the streaming reader as JSONL', async () => {
    // Local JSONL is read by the checked streaming pass whichever the engine (run.ts), so
    // DuckDB's own feature SQL is held to the streaming reader's on the same records converted.
    const io: CliIO = { stdout: () => {}, stderr: () => {}, cwd: dir, env: ENV, isTTY: false };
    const [ref, cur] = ['pq-ref.parquet', 'pq-cur.parquet'];
    try {
      expect(await main(['convert', '--records', 'ref-*', '--out', ref], io)).toBe(0);
      expect(
        await main(['convert', '--records', 'shifted.jsonl.gz', '--records', 'same.jsonl', '--out', cur], io),
      ).toBe(0);
      engine = 'stream';
      const stream = await drift(
        dir,
        '--current',
        'shifted.jsonl.gz',
        '--current',
        'same.jsonl',
        '--reference',
        'ref-*',
        '--json',
      );
      engine = 'duckdb';
      const duck = await drift(dir, '--current', cur, '--reference', ref, '--json');
      expect(stream.code).toBe(1);
      expect(duck.code).toBe(stream.code);
      expect(JSON.parse(duck.out)).toEqual(JSON.parse(stream.out));
    } finally {
      rmSync(join(dir, ref), { force: true });
      rmSync(join(dir, cur), { force: true });
    }
  });
});

describe('evalgate drift: bad input is exit 2 with where', () => {
  beforeEach(() => {
    engine = 'stream';
  });
  it('a line that is not JSON: file:line:col', async () => {
    const dir = project();
    writeFileSync(join(dir, 'ref.jsonl'), `${records(generateTraffic(1, 3))}\n{"schemaVersion": 1,, }\n`);
    const r = await drift(dir, '--current', 'ref.jsonl', '--reference', 'ref.jsonl');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/ref\.jsonl:4:\d+: invalid JSON/);
    expect(r.out).not.toMatch(/\n\s+at /);
  });

  /** The 1-based column of `field`'s value on `line` (a record written by JSON.stringify). */
  const valueColumn = (line: string, field: string) => line.indexOf(`"${field}":`) + field.length + 4;

  it.each(['stream', 'duckdb'])(
    'one bad line in the middle of a window: exit 2 at file:line:col, nothing read, nothing written (engine %s)',
    async (name) => {
      engine = name;
      const dir = project();
      writeFileSync(join(dir, 'ref.jsonl'), records(generateTraffic(1, 1500)));
      const lines = records(generateTraffic(3, 1500)).split('\n');
      // A number as a string: DuckDB's typed read would take it for 12, the streaming reader
      // used to leave it out of latencyMs. Neither may: the window would not be what it says.
      lines[699] = lines[699]!.replace(/"latencyMs":[\d.]+/, '"latencyMs":"12"');
      expect(lines[699]).toContain('"latencyMs":"12"');
      writeFileSync(join(dir, 'cur.jsonl'), `${lines.join('\n')}\n`);
      const r = await drift(dir, '--current', 'cur.jsonl', '--reference', 'ref.jsonl', '--out', 'drift.md');
      expect(r.code).toBe(2);
      expect(r.out).toBe(
        `evalgate: config error: cur.jsonl:700:${valueColumn(lines[699]!, 'latencyMs')}: latencyMs: ` +
          'not a production record: expected a number ≥ 0, got a string\n',
      );
      expect(existsSync(join(dir, 'drift.md'))).toBe(false);
    },
  );

  it('every bad line of both windows in one run, each once; a file in both windows counted once', async () => {
    const dir = project();
    const ref = records(generateTraffic(1, 300)).split('\n');
    const missing = JSON.parse(ref[4]!) as Record<string, unknown>;
    delete missing.sampleRate;
    ref[4] = JSON.stringify(missing);
    writeFileSync(join(dir, 'ref.jsonl'), `${ref.join('\n')}\n`);
    const cur = records(generateTraffic(2, 300)).split('\n');
    cur[49] = cur[49]!.replace(/"chars":(\d+)/, '"chars":"$1"');
    cur[199] = cur[199]!.replace(/,"route":/, ',,"route":');
    writeFileSync(join(dir, 'cur.jsonl'), `${cur.join('\n')}\n`);
    const r = await drift(
      dir,
      '--current',
      'cur.jsonl',
      '--current',
      'ref.jsonl',
      '--reference',
      'ref.jsonl',
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe(
      'evalgate: 3 config errors:\n' +
        '  ref.jsonl:5:1: sampleRate: not a production record: missing: expected a number from 0 to 1\n' +
        `  cur.jsonl:50:${valueColumn(cur[49]!, 'chars')}: input.chars: not a production record: expected an integer ≥ 0, got a string\n` +
        `  cur.jsonl:200:${cur[199]!.indexOf(',,') + 2}: invalid JSON: expected a property name in double quotes\n`,
    );
    expect(r.out).not.toMatch(/\n\s+at /);
  });

  it('many bad lines: the first 20 shown, every one counted', async () => {
    const dir = project();
    const lines = records(generateTraffic(1, 300)).split('\n');
    for (let i = 10; i < 35; i++) lines[i] = lines[i]!.replace(/"schemaVersion":1/, '"schemaVersion":2');
    writeFileSync(join(dir, 'ref.jsonl'), `${lines.join('\n')}\n`);
    const r = await drift(dir, '--current', 'ref.jsonl', '--reference', 'ref.jsonl');
    expect(r.code).toBe(2);
    const shown = r.out.split('\n').filter((l) => l.startsWith('  ref.jsonl:'));
    expect(r.out).toMatch(/^evalgate: 25 config errors:\n/);
    expect(shown).toHaveLength(20);
    expect(shown[0]).toMatch(/^ {2}ref\.jsonl:11:\d+: schemaVersion: not a production record: expected 1 /);
    expect(shown[19]).toMatch(/^ {2}ref\.jsonl:30:/);
    expect(r.out).toContain('… and 5 more (only the first 20 are kept)');
  });

  it('a record of another schema version', async () => {
    const dir = project();
    writeFileSync(join(dir, 'ref.jsonl'), '{"schemaVersion": 7}\n');
    const r = await drift(dir, '--current', 'ref.jsonl', '--reference', 'ref.jsonl');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/ref\.jsonl:1:19: schemaVersion: not a production record: expected 1 .*, got 7\n/);
  });

  it('a corrupt gzip file', async () => {
    const dir = project();
    writeFileSync(join(dir, 'bad.jsonl.gz'), 'not gzip at all');
    const r = await drift(dir, '--current', 'bad.jsonl.gz', '--reference', 'bad.jsonl.gz');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/bad\.jsonl\.gz: cannot read records/);
  });

  it('a bad production.drift: every problem at file:line:col', async () => {
    const dir = project('production:\n  drift:\n    psi: -1\n    features: { nope: {} }\n');
    const r = await drift(dir, '--current', 'x.jsonl', '--reference', 'x.jsonl');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/evalgate\.yml:3:\d+: production\.drift\.psi: /);
    expect(r.out).toMatch(/evalgate\.yml:4:\d+: production\.drift\.features(\.nope)?: /);
  });

  it('no policy: nothing is read', async () => {
    const dir = project('suites: []\n');
    const r = await drift(dir, '--current', 'x.jsonl', '--reference', 'x.jsonl');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/no production policy/);
  });

  it('a glob that matches no file; a missing flag', async () => {
    const dir = project();
    expect((await drift(dir, '--current', 'none/*.jsonl', '--reference', 'x')).out).toMatch(
      /matches no file/,
    );
    const r = await drift(dir, '--current', 'x.jsonl');
    expect(r.code).toBe(2);
  });
});

describe('evalgate drift --coverage: production traffic no suite covers', () => {
  it('lists routes, languages and risk tags frequent in production and absent or rare in the suites', async () => {
    const dir = project(`targets:
  bot: { type: http, url: 'http://127.0.0.1:9/' }
suites: [suite.yml]
production:
  drift:
    coverage: { minShare: 0.02, minCases: 2 }
`);
    // Billing and shipping in English are covered (the language guessed from whichever of
    // input, question, query, prompt or message the case has); returns has one case (rare); the
    // rest of production (account, product-qa, legal, other; es, de, fr; risk tags) has none.
    writeFileSync(
      join(dir, 'suite.yml'),
      `id: support
cases:
  - { vars: { question: Why was I charged twice this month? }, tags: { route: billing }, graders: [{ type: contains, value: x }] }
  - { vars: { query: Why is the invoice higher than what I ordered? }, tags: { route: billing }, graders: [{ type: contains, value: x }] }
  - { vars: { route: shipping, message: Where is my order and when will it arrive? }, graders: [{ type: contains, value: x }] }
  - { vars: { prompt: Where is the parcel that I ordered last week? }, tags: { workflow: shipping }, graders: [{ type: contains, value: x }] }
  - { input: How do I return the shoes I bought?, tags: { route: returns, risk: payments }, graders: [{ type: contains, value: x }] }
`,
    );
    const traffic = generateTraffic(7, 2000);
    writeFileSync(join(dir, 'cur.jsonl'), records(traffic));
    writeFileSync(join(dir, 'ref.jsonl'), records(generateTraffic(8, 2000)));
    const r = await drift(dir, '--current', 'cur.jsonl', '--reference', 'ref.jsonl', '--coverage', '--json');
    expect(r.code).toBe(0);
    const { coverage } = JSON.parse(r.out) as {
      coverage: { gaps: { dimension: string; value: string; records: number; cases: number }[] };
    };
    const gaps = coverage.gaps.map((g) => `${g.dimension}:${g.value}:${g.cases}`);
    const count = (pred: (t: Interaction) => boolean) => traffic.filter(pred).length;
    expect(gaps).toEqual(
      expect.arrayContaining([
        'route:returns:1',
        'route:account:0',
        'route:product-qa:0',
        'route:legal:0',
        'language:es:0',
        'language:de:0',
        'language:fr:0',
        'risk:high:0',
        'risk:payments:1',
      ]),
    );
    for (const covered of ['route:billing', 'route:shipping', 'language:en'])
      expect(gaps.join(' ')).not.toContain(covered);
    // 'other' is 2 % of the traffic by weight: listed only if this seed gave it ≥ 2 %.
    expect(gaps.includes('route:other:0')).toBe(count((t) => t.route === 'other') >= 40);
    // Counts are the production counts, commonest first.
    const account = coverage.gaps.find((g) => g.value === 'account')!;
    expect(account.records).toBe(count((t) => t.route === 'account'));
    const recordsInOrder = coverage.gaps.map((g) => g.records);
    expect(recordsInOrder).toEqual([...recordsInOrder].sort((a, b) => b - a));

    const md = await drift(dir, '--current', 'cur.jsonl', '--reference', 'ref.jsonl', '--coverage');
    expect(md.out).toContain('## Coverage: production traffic no suite covers');
    expect(md.out).toMatch(/\| route \| account \| \d+ \| [\d.]+ % \| none \|/);
  });
});
