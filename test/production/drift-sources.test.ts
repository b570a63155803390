import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBaselines, serializeBaseline } from '../../src/baseline/index.js';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/types.js';
import type { BaselineReferenceInfo } from '../../src/production/drift/baseline.js';
import { windowFiles } from '../../src/production/drift/check.js';
import type { DriftReport } from '../../src/production/drift/drift.js';
import {
  jsonFeaturesSql,
  loadDuckDb,
  parquetFeaturesSql,
  s3SecretSql,
} from '../../src/production/drift/duckdb.js';
import { gradesOf } from '../../src/production/drift/quality.js';
import { ProductionPolicySchema } from '../../src/production/policy-schema.js';
import { toRecord, type Interaction } from '../../src/production/record.js';
import type { CaseResult } from '../../src/results/types.js';
import { fakeResults } from '../kits/baseline.js';
import { generateTraffic } from '../helpers/production-fixtures.js';
import { rng } from '../helpers/pii-corpus.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Where drift's windows come from, beyond local JSONL: Parquet (read by DuckDB, written by
 * `evalgate convert`), object storage (globs passed to DuckDB as written), online graders'
 * verdicts in records, and a reference taken from the eval suites and their baseline.
 */

const ENV = { EVALGATE_HASH_KEY: 'drift-test-key-0123456789' };
const POLICY = ProductionPolicySchema.parse({});
const duckdb = await loadDuckDb();

/** Records of `traffic`, each with the online grader verdicts `grades(i)` when given. */
function records(traffic: Interaction[], grades?: (i: number) => Record<string, unknown>): string {
  return `${traffic
    .map((t, i) => ({
      ...toRecord(t, POLICY, { system: 'sys-1' }, { env: ENV, random: () => 0 })!,
      ...(grades && { online: grades(i) }),
    }))
    .map((r) => JSON.stringify(r))
    .join('\n')}\n`;
}

function project(config = 'production:\n  sampling: { rate: 1 }\n'): string {
  const dir = tempDir('evalgate-drift-src-');
  writeFileSync(join(dir, 'evalgate.yml'), config);
  return dir;
}

async function cli(dir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: dir,
    env: ENV,
    isTTY: false,
  };
  const code = await main(args, io);
  return { code, out: out.join(''), err: err.join('') };
}

/** The report without what legitimately differs between two reads of the same records. */
const comparable = (r: DriftReport) => JSON.parse(JSON.stringify(r)) as DriftReport;

describe.skipIf(!duckdb)('Parquet records (DuckDB)', () => {
  const dir = project();
  writeFileSync(join(dir, 'ref.jsonl'), records(generateTraffic(1, 1500)));
  writeFileSync(
    join(dir, 'cur.jsonl'),
    records(
      generateTraffic(2, 1500).map((t) => ({ ...t, latencyMs: (t.latencyMs ?? 0) * 2 })),
      (i) => ({ tone: i % 10 !== 0 }),
    ),
  );

  it('evalgate convert writes Parquet that drift reads exactly as the JSONL it came from', async () => {
    const converted = await cli(dir, 'convert', '--records', 'cur.jsonl', '--out', 'cur.parquet');
    expect(converted.err).toBe('');
    expect(converted.code).toBe(0);
    expect(converted.out).toContain('1500 records from 1 file');
    expect(readFileSync(join(dir, 'cur.parquet')).subarray(0, 4).toString()).toBe('PAR1');
    const fromJson = await cli(
      dir,
      'drift',
      '--engine',
      'duckdb',
      '--current',
      'cur.jsonl',
      '--reference',
      'ref.jsonl',
      '--json',
    );
    const fromParquet = await cli(
      dir,
      'drift',
      '--current',
      '*.parquet',
      '--reference',
      'ref.jsonl',
      '--json',
    );
    expect(fromParquet.err).toBe('');
    expect(fromParquet.code).toBe(1);
    const a = comparable(JSON.parse(fromJson.out) as DriftReport);
    const b = comparable(JSON.parse(fromParquet.out) as DriftReport);
    expect(b.alarms).toContain('latencyMs');
    expect(b.windows).toEqual({ reference: 1500, current: 1500 });
    expect(b.features).toEqual(a.features);
    // The online grader's verdicts survived the conversion (kept as JSON).
    expect(b.features.find((f) => f.feature === 'grades.tone')?.records.current).toBe(1500);
    // Written once: an existing file is not overwritten.
    const again = await cli(dir, 'convert', '--records', 'cur.jsonl', '--out', 'cur.parquet');
    expect(again.code).toBe(2);
    expect(again.err).toContain('already exists');
  });

  it('reads Parquet written by other tools, a column missing from the file read as absent', async () => {
    const { DuckDBInstance } = duckdb!;
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    // Only four columns: route, latency, schema version and refusal, as a hand-made export would have.
    await connection.run(`COPY (SELECT schemaVersion, route, latencyMs, refusal FROM read_json('${join(dir, 'ref.jsonl')}',
      format = 'newline_delimited')) TO '${join(dir, 'narrow.parquet')}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    const r = await cli(dir, 'drift', '--current', 'narrow.parquet', '--reference', 'ref.jsonl', '--json');
    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as DriftReport;
    // As in JSONL, a field absent from a record means none happened: the file has no errors,
    // tool calls, safety events or feedback at all, and those alarm against the reference.
    expect(report.alarms).toEqual(['toolCalls', 'errorRate', 'safetyEventRate', 'feedbackRate']);
    const feature = (name: string) => report.features.find((f) => f.feature === name)!;
    expect(feature('route').records.current).toBe(1500);
    expect(feature('latencyMs').status).toBe('stable');
    expect(feature('inputChars').records.current).toBe(0);
    expect(feature('inputChars').status).toBe('too-few-records');
  });

  it('convert checks every line first: a field no column holds, a field of the wrong type, each at file:line:col, nothing written', async () => {
    const lines = readFileSync(join(dir, 'ref.jsonl'), 'utf8').split('\n');
    lines[2] = JSON.stringify({ ...JSON.parse(lines[2]!), surprise: 1 });
    // A blank line: the lines counted are the file's, not the records'.
    lines.splice(3, 0, '');
    lines[7] = JSON.stringify({ ...JSON.parse(lines[7]!), latencyMs: '12' });
    writeFileSync(join(dir, 'odd.jsonl'), lines.join('\n'));
    const r = await cli(dir, 'convert', '--records', 'odd.jsonl', '--out', 'odd.parquet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^evalgate: 2 config errors:\n/);
    expect(r.err).toMatch(/odd\.jsonl:3:\d+: surprise: not a production record: no such field/);
    expect(r.err).toMatch(
      /odd\.jsonl:8:\d+: latencyMs: not a production record: expected a number ≥ 0, got a string/,
    );
    expect(existsSync(join(dir, 'odd.parquet'))).toBe(false);
  });

  it('convert enforces the privacy policy: a record carrying what the policy drops is refused, nothing written', async () => {
    const lines = readFileSync(join(dir, 'ref.jsonl'), 'utf8').split('\n');
    const leaky = JSON.parse(lines[4]!) as { input: Record<string, unknown> };
    leaky.input.text = 'mail me at jane.doe@example.com';
    lines[4] = JSON.stringify(leaky);
    writeFileSync(join(dir, 'leaky.jsonl'), lines.join('\n'));
    const r = await cli(dir, 'convert', '--records', 'leaky.jsonl', '--out', 'leaky.parquet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/leaky\.jsonl:5:1: breaks the privacy policy: the record carries input text/);
    expect(r.err).not.toContain('jane.doe');
    expect(existsSync(join(dir, 'leaky.parquet'))).toBe(false);
  });

  it('convert that DuckDB cannot finish leaves no file behind: a retry after the fix writes it', async () => {
    const lines = readFileSync(join(dir, 'ref.jsonl'), 'utf8').split('\n');
    const good = lines[5]!;
    // A record the check accepts (any integer length) that the Parquet column (INTEGER) cannot hold.
    const record = JSON.parse(good) as { input: { chars: number } };
    lines[5] = JSON.stringify({ ...record, input: { ...record.input, chars: 3_000_000_000 } });
    writeFileSync(join(dir, 'slow.jsonl'), lines.join('\n'));
    const r = await cli(dir, 'convert', '--records', 'slow.jsonl', '--out', 'slow.parquet');
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot write Parquet');
    expect(readdirSync(dir).filter((f) => f.includes('slow.parquet'))).toEqual([]);
    lines[5] = good;
    writeFileSync(join(dir, 'slow.jsonl'), lines.join('\n'));
    const retry = await cli(dir, 'convert', '--records', 'slow.jsonl', '--out', 'slow.parquet');
    expect(retry.code, retry.err).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes('slow.parquet'))).toEqual(['slow.parquet']);
  });

  it('the streaming engine refuses Parquet and says how to get DuckDB', async () => {
    const r = await cli(
      dir,
      'drift',
      '--engine',
      'stream',
      '--current',
      'cur.parquet',
      '--reference',
      'ref.jsonl',
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('Parquet records (');
    expect(r.err).toContain('npm install @duckdb/node-api');
  });
});

describe('records in object storage: globs go to DuckDB as written', () => {
  it('a remote glob is not expanded on disk, and reaches the SQL unchanged', () => {
    const dir = project();
    writeFileSync(join(dir, 'a.jsonl'), '');
    const remote = 's3://bucket/records/day=2026-12-*/part-*.parquet';
    expect(windowFiles(dir, '--current', [remote, 'a.jsonl'])).toEqual([remote, join(dir, 'a.jsonl')]);
    expect(parquetFeaturesSql([remote], new Set(['route']))).toContain(`read_parquet(['${remote}']`);
    expect(jsonFeaturesSql(['https://example.com/r.jsonl.gz'])).toContain(
      "read_json(['https://example.com/r.jsonl.gz']",
    );
    // Quotes in a path cannot end the SQL string.
    expect(jsonFeaturesSql(["s3://b/it's.jsonl"])).toContain("['s3://b/it''s.jsonl']");
  });

  it('S3 credentials come from the AWS variables handed in; a key-less run uses the credential chain', () => {
    const files = ['s3://bucket/x/*.parquet'];
    expect(s3SecretSql(['records/a.jsonl'], { AWS_ACCESS_KEY_ID: 'k' })).toBeUndefined();
    expect(s3SecretSql(files, {})).toBe(
      'CREATE OR REPLACE SECRET evalgate_s3 (TYPE s3, PROVIDER credential_chain)',
    );
    expect(
      s3SecretSql(files, {
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        AWS_SECRET_ACCESS_KEY: "se'cret",
        AWS_SESSION_TOKEN: 'tok',
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9000/',
      }),
    ).toBe(
      "CREATE OR REPLACE SECRET evalgate_s3 (TYPE s3, PROVIDER config, KEY_ID 'AKIAEXAMPLE', SECRET 'se''cret', SESSION_TOKEN 'tok', REGION 'eu-west-1', ENDPOINT '127.0.0.1:9000', URL_STYLE 'path', USE_SSL false)",
    );
  });

  it('the streaming engine refuses a remote glob and names the fix', async () => {
    const dir = project();
    writeFileSync(join(dir, 'ref.jsonl'), records(generateTraffic(1, 50)));
    const r = await cli(
      dir,
      'drift',
      '--engine',
      'stream',
      '--current',
      's3://bucket/*.jsonl',
      '--reference',
      'ref.jsonl',
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('records in object storage (s3://bucket/*.jsonl) need the DuckDB engine');
    expect(r.err).toContain('npm install @duckdb/node-api');
  });
});

describe("online graders' verdicts in records: grades.<name>", () => {
  it('reads a boolean or an object with a boolean pass; anything else is not a verdict', () => {
    expect(gradesOf({ a: true, b: { pass: false, score: 0.1 }, c: 'yes', d: { score: 1 }, e: null })).toEqual(
      [
        ['grades.a', true],
        ['grades.b', false],
      ],
    );
    expect(gradesOf([true])).toEqual([]);
    // Names reach reports, logs and incident markers: plain names only, `grades.` + name ≤ 100 characters.
    expect(
      gradesOf({ 'a b': true, '::x': true, [`g${'x'.repeat(93)}`]: true, [`g${'x'.repeat(92)}`]: true }),
    ).toEqual([[`grades.g${'x'.repeat(92)}`, true]]);
    expect(gradesOf('x')).toEqual([]);
  });

  const engines = duckdb ? ['stream', 'duckdb'] : ['stream'];
  it.each(engines)(
    'a pass rate that fell is a quality alarm; one that held is not (engine %s)',
    async (engine) => {
      const dir = project();
      // pii passes 95 % → 95 %; tone 90 % → 70 %. A grader only the current window has is too few records there.
      const r = rng(11);
      writeFileSync(
        join(dir, 'ref.jsonl'),
        records(generateTraffic(1, 1500), () => ({ pii: r() < 0.95, tone: r() < 0.9 })),
      );
      writeFileSync(
        join(dir, 'cur.jsonl'),
        records(generateTraffic(2, 1500), () => ({
          pii: r() < 0.95,
          tone: { pass: r() < 0.7 },
          fresh: true,
        })),
      );
      const out = await cli(
        dir,
        'drift',
        '--engine',
        engine,
        '--current',
        'cur.jsonl',
        '--reference',
        'ref.jsonl',
        '--json',
      );
      expect(out.err).toBe('');
      expect(out.code).toBe(1);
      const report = JSON.parse(out.out) as DriftReport;
      expect(report.alarms).toEqual(['grades.tone']);
      const f = (name: string) => report.features.find((x) => x.feature === name)!;
      expect(f('grades.tone').group).toBe('quality');
      expect(f('grades.pii').status).toBe('stable');
      expect(f('grades.fresh').status).toBe('too-few-records');
      expect(f('route').group).toBe('traffic');
      const md = await cli(
        dir,
        'drift',
        '--engine',
        engine,
        '--current',
        'cur.jsonl',
        '--reference',
        'ref.jsonl',
      );
      expect(md.out).toContain('## Quality metrics');
      expect(md.out).toMatch(/\| `grades\.tone` \| rate 9\d(\.\d)? % .*\| 🔴 drift \|/);
    },
  );
});

describe('--reference baseline: the eval suites and their saved baseline as the reference', () => {
  /**
   * A suite whose 400 cases are drawn from the same seeded traffic generator as production
   * (so inputs match), with a saved baseline: one sample per case, refusing 5 % and passing
   * the `tone` grader 90 %.
   */
  function evalProject(privacy: 'redacted' | 'hash', refusalRate = 0.05): string {
    const dir = project(`targets:
  bot: { type: http, url: 'http://127.0.0.1:9/' }
suites: [suite.yml]
baseline: { store: path, privacy: ${privacy} }
production:
  sampling: { rate: 1 }
`);
    const traffic = generateTraffic(21, 400);
    const cases = traffic.map(
      (t, i) =>
        `  - { id: c${i}, input: ${JSON.stringify(t.input)}, tags: { route: ${t.route} }, graders: [{ type: contains, value: x }] }`,
    );
    writeFileSync(join(dir, 'suite.yml'), `id: support\ncases:\n${cases.join('\n')}\n`);
    const r = rng(5);
    const results = fakeResults([{ id: 'support', outcomes: 'P'.repeat(400) }]);
    results.suites[0]!.cases = traffic.map((t, i): CaseResult => ({
      id: `c${i}`,
      blocker: false,
      tags: {},
      status: 'pass',
      samples: [
        {
          index: 0,
          status: 'pass',
          output: {
            output: t.output ?? 'ok',
            toolCalls: (t.toolCalls ?? []).map((c) => ({ name: c.name, arguments: {} })),
          },
          graders: [{ grader: 'tone', pass: r() < 0.9, score: 1, reason: 'ok' }],
          refusal: r() < refusalRate,
          tokens: { prompt: t.tokens?.input ?? 0, completion: t.tokens?.output ?? 0, total: 0 },
          retries: 0,
          cached: false,
        },
      ],
    }));
    const [baseline] = createBaselines(results, { privacy });
    mkdirSync(join(dir, '.evalgate/baselines'), { recursive: true });
    writeFileSync(join(dir, '.evalgate/baselines/support.json'), serializeBaseline(baseline!));
    return dir;
  }

  /** Production like the suite, its refusals at `refusal` and the online tone grader passing at `tone`. */
  function production(dir: string, refusal: number, tone: number): void {
    const r = rng(9);
    const traffic = generateTraffic(22, 2000).map((t) => ({
      ...t,
      output:
        r() < refusal
          ? "I'm sorry, but I can't help with that request."
          : 'Your parcel left our warehouse yesterday and should arrive within 2 business days.',
    }));
    writeFileSync(
      join(dir, 'cur.jsonl'),
      records(traffic, () => ({ tone: r() < tone, unknown: true })),
    );
  }

  it('production like the suites: no alarm; what an eval run cannot measure is listed, not compared', async () => {
    const dir = evalProject('redacted');
    production(dir, 0.05, 0.9);
    const r = await cli(dir, 'drift', '--current', 'cur.jsonl', '--reference', 'baseline', '--json');
    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as DriftReport & { reference: BaselineReferenceInfo };
    expect(report.windows).toEqual({ reference: 400, current: 2000 });
    const names = report.features.map((f) => f.feature);
    for (const n of [
      'inputChars',
      'inputLanguage',
      'route',
      'refusalRate',
      'errorRate',
      'grades.tone',
      'outputChars',
    ])
      expect(names).toContain(n);
    for (const n of ['latencyMs', 'feedbackRate', 'safetyEventRate', 'grades.unknown'])
      expect(names).not.toContain(n);
    const f = (name: string) => report.features.find((x) => x.feature === name)!;
    for (const n of ['inputChars', 'inputLanguage', 'route', 'refusalRate', 'grades.tone'])
      expect([n, f(n).status]).toEqual([n, 'stable']);
    expect(report.reference.source).toBe('baseline');
    expect(report.reference.baselines.map((b) => [b.suite, b.privacy])).toEqual([['support', 'redacted']]);
    const reasons = Object.fromEntries(report.reference.notCompared.map((n) => [n.feature, n.reason]));
    expect(reasons.feedbackRate).toContain('no user feedback');
    expect(reasons['grades.unknown']).toContain('no verdicts of a grader named unknown');
    const md = await cli(dir, 'drift', '--current', 'cur.jsonl', '--reference', 'baseline');
    expect(md.out).toContain('Reference: the eval baseline, 400 cases of the regression suites `support`');
    expect(md.out).toContain('## Not compared with the eval baseline');
  });

  it('a refusal rate and a grader pass rate far from the baseline are quality alarms (exit 1)', async () => {
    const dir = evalProject('redacted');
    production(dir, 0.3, 0.6);
    const r = await cli(dir, 'drift', '--current', 'cur.jsonl', '--reference', 'baseline', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as DriftReport;
    expect(report.alarms).toEqual(expect.arrayContaining(['refusalRate', 'grades.tone']));
    expect(report.alarms).not.toContain('inputLanguage');
    expect(report.alarms).not.toContain('route');
  });

  it('a hash baseline keeps no output text: output length and language are not compared, and the report says why', async () => {
    const dir = evalProject('hash');
    production(dir, 0.05, 0.9);
    const r = await cli(dir, 'drift', '--current', 'cur.jsonl', '--reference', 'baseline', '--json');
    const report = JSON.parse(r.out) as DriftReport & { reference: BaselineReferenceInfo };
    const names = report.features.map((f) => f.feature);
    expect(names).not.toContain('outputChars');
    expect(names).not.toContain('outputLanguage');
    expect(names).toContain('inputChars');
    const hashed = report.reference.notCompared.find((n) => n.feature === 'outputChars')!;
    expect(hashed.reason).toContain('privacy: hash');
  });
});
