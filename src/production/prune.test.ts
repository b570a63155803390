import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { main } from '../cli/main.js';
import type { CliIO } from '../cli/types.js';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const line = (days: number, id: string) =>
  `${JSON.stringify({ schemaVersion: 1, at: ago(days), sampleRate: 1, versions: {}, route: id })}\n`;

function project(policy = 'production:\n  retentionDays: 30\n'): string {
  const dir = tempDir('evalgate-prune-');
  writeFileSync(join(dir, 'evalgate.yml'), policy);
  return dir;
}

async function cli(dir: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd: dir,
    env: {},
    isTTY: false,
  };
  const code = await main(['prune', ...argv], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('evalgate prune', () => {
  it('deletes records past retention, rewrites partly old files, removes emptied ones, gzip too', async () => {
    const dir = project();
    writeFileSync(
      join(dir, 'a.jsonl'),
      line(40, 'old') + line(29, 'young') + line(31, 'old2') + line(0, 'today'),
    );
    writeFileSync(join(dir, 'b.jsonl'), line(45, 'old') + line(90, 'older'));
    writeFileSync(join(dir, 'c.jsonl.gz'), gzipSync(line(100, 'old') + line(1, 'new')));
    writeFileSync(join(dir, 'd.jsonl'), line(2, 'fresh'));

    const dry = await cli(dir, '--records', '*.jsonl*', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /^would delete 5 of 9 records older than 30 days \(before .*\) in 4 files\n {2}would remove b\.jsonl \(nothing left in it\)\n$/,
    );
    expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'b.jsonl', 'c.jsonl.gz', 'd.jsonl', 'evalgate.yml']);

    const before = readFileSync(join(dir, 'd.jsonl'), 'utf8');
    const r = await cli(dir, '--records', '*.jsonl', '--records', '*.gz', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      files: 4,
      records: 9,
      pruned: 5,
      deleted: ['b.jsonl'],
      dryRun: false,
    });
    const routes = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).route);
    expect(routes(readFileSync(join(dir, 'a.jsonl'), 'utf8'))).toEqual(['young', 'today']);
    expect(existsSync(join(dir, 'b.jsonl'))).toBe(false);
    expect(routes(gunzipSync(readFileSync(join(dir, 'c.jsonl.gz'))).toString())).toEqual(['new']);
    expect(readFileSync(join(dir, 'd.jsonl'), 'utf8')).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'c.jsonl.gz', 'd.jsonl', 'evalgate.yml']);
  });

  it('changes nothing when any line is not a record, and says where', async () => {
    const dir = project();
    const good = line(40, 'old') + line(1, 'new');
    writeFileSync(join(dir, 'a.jsonl'), good);
    // The same record check as every reader of records: a time, JSON, a field's type.
    const noTime = '{"schemaVersion":1,"at":3,"sampleRate":1,"versions":{}}\n';
    const slow = line(50, 'slow').replace('"route"', '"latencyMs":"12","route"');
    writeFileSync(
      join(dir, 'b.jsonl'),
      `${line(50, 'old')}${noTime}{"at": "2026-01-01T00:00:00Z",}\n${slow}{"schemaVersion":1}\n`,
    );
    const r = await cli(dir, '--records', '*.jsonl');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'evalgate: 4 config errors:\n' +
        '  b.jsonl:2:25: at: not a production record: expected an RFC 3339 date-time with its offset (2026-12-07T09:30:00Z), got 3\n' +
        '  b.jsonl:3:31: invalid JSON: expected a property name in double quotes\n' +
        '  b.jsonl:4:93: latencyMs: not a production record: expected a number ≥ 0, got a string\n' +
        '  b.jsonl:5:1: at: not a production record: missing: expected an RFC 3339 date-time with its offset (2026-12-07T09:30:00Z)\n',
    );
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe(good);
  });

  it('refuses without a policy before reading anything, and on a glob that matches nothing', async () => {
    const dir = project('targets: {}\n');
    const old = line(400, 'old');
    writeFileSync(join(dir, 'a.jsonl'), old);
    const r = await cli(dir, '--records', '*.jsonl');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no production policy/);
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe(old);
    const none = await cli(project(), '--records', 'records/*.jsonl');
    expect(none.code).toBe(2);
    expect(none.stderr).toBe("evalgate: --records 'records/*.jsonl' matches no file\n");
  });

  it('a glob that matches a Parquet window: one line saying how Parquet is retained, nothing pruned', async () => {
    const dir = project();
    const old = line(400, 'old');
    writeFileSync(join(dir, 'a.jsonl'), old);
    writeFileSync(join(dir, 'w.parquet'), 'PAR1 not json at all');
    const r = await cli(dir, '--records', '*');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'prune reads JSONL records only, and this is Parquet: w.parquet. Nothing was pruned',
    );
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe(old);
  });
});
