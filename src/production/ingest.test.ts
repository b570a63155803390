import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { main } from '../cli/main.js';
import type { CliIO } from '../cli/types.js';

const KEY = 'ingest-test-key-0123456789';

function project(policy = 'production:\n  sampling: { rate: 1 }\n'): string {
  const dir = tempDir('evalgate-record-');
  writeFileSync(join(dir, 'evalgate.yml'), policy);
  writeFileSync(
    join(dir, 'versions.json'),
    JSON.stringify({
      schemaVersion: 1,
      components: {},
      targets: { a: { system: 'sys-a', prompt: 'p-a' }, b: { system: 'sys-b' } },
    }),
  );
  return dir;
}

async function cli(dir: string, argv: string[], env: Record<string, string> = { EVALGATE_HASH_KEY: KEY }) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd: dir, env, isTTY: false };
  const code = await main(['record', ...argv], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const ARGS = ['--interactions', 'in.jsonl', '--out', 'out/records.jsonl', '--versions', 'versions.json'];

describe('evalgate record', () => {
  it('appends one record per sampled interaction, stamped with the chosen target', async () => {
    const dir = project();
    writeFileSync(
      join(dir, 'in.jsonl'),
      '{"input": "hi", "route": "chat"}\n\n{"input": "refund?", "output": "30 days"}\n',
    );
    const r = await cli(dir, [...ARGS, '--target', 'a']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('recorded 2 of 2 interactions (sampled by the policy) to out/records.jsonl\n');
    await cli(dir, [...ARGS, '--target', 'a']);
    const records = readFileSync(join(dir, 'out/records.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(4);
    expect(records[0].versions).toEqual({ system: 'sys-a', prompt: 'p-a' });
    expect(records[0].route).toBe('chat');
  });

  it('is all or nothing: bad lines are errors at file:line:col, quoting no value, and nothing is written', async () => {
    const dir = project();
    writeFileSync(
      join(dir, 'in.jsonl'),
      '{"input": "fine"}\n{"input": 3, "userId": "jane@example.com"}\n{"input": "x", "secret": "jane@example.com"}\n{"input": "x"\n',
    );
    const r = await cli(dir, [...ARGS, '--target', 'b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'evalgate: 3 config errors:\n' +
        '  in.jsonl:2:11: input: expected string, received number\n' +
        "  in.jsonl:3:1: unknown field 'secret'\n" +
        "  in.jsonl:4:14: invalid JSON: expected ',' or '}'\n",
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('refuses without a policy, a hash key or a target choice; nothing read or written', async () => {
    const none = project('targets: {}\n');
    writeFileSync(join(none, 'in.jsonl'), '{"input": "hi"}\n');
    const r1 = await cli(none, [...ARGS, '--target', 'a']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/no production policy/);
    const dir = project();
    writeFileSync(join(dir, 'in.jsonl'), '{"input": "hi"}\n');
    const r2 = await cli(dir, [...ARGS, '--target', 'a'], {});
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(
      /^evalgate: the hash key is missing: set the environment variable EVALGATE_HASH_KEY/,
    );
    const r3 = await cli(dir, ARGS);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toBe(
      'evalgate: record needs --target NAME: the versions have several targets (a, b)\n',
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
