import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatField } from '../config/errors.js';
import { CommandTargetSchema } from '../config/schema.js';
import { createTarget } from './index.js';
import { sampleSeed } from './seed.js';
import { TargetError, type Target } from './types.js';
import { tempDir } from '../../test/helpers/tmp.js';

/** A stand-in for the app under test; `vars.mode` picks its behaviour. */
const APP = `
const { spawn } = require('node:child_process');
const { writeFileSync } = require('node:fs');
let stdin = '';
process.stdin.on('data', (d) => (stdin += d));
process.stdin.on('end', () => {
  const input = JSON.parse(stdin);
  const mode = input.vars.mode;
  if (mode === 'ok') {
    console.log('loading model...');
    console.log(JSON.stringify({
      output: 'answer to ' + input.vars.q + ' from ' + input.suite + '/' + input.case + '#' + input.sample,
      contexts: [{ id: 'd1', text: 'doc one' }, 'doc two'],
      citations: ['d1'],
      toolCalls: [
        { name: 'search', arguments: '{"q":"x"}', result: { hits: 2 } },
        { name: 'fetch', arguments: {}, status: 'error' },
        { name: 'send', arguments: {}, error: 'quota exceeded' },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    }));
  } else if (mode === 'string') {
    console.log(JSON.stringify('plain ' + process.env.EXTRA + ' ' + process.cwd().split('/').pop()));
  } else if (mode === 'crash') {
    console.error('warming up');
    for (let i = 1; i <= 15; i++) console.error('trace line ' + i);
    process.exit(3);
  } else if (mode === 'seed') {
    const env = process.env;
    console.log(JSON.stringify(env.EVALGATE_SAMPLE_INDEX + ' ' + env.EVALGATE_SEED + ' ' + input.sample + ' ' + input.seed));
  } else if (mode === 'garbage') {
    console.log('this is not json');
  } else if (mode === 'sleep') {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    writeFileSync(input.vars.pidFile, String(child.pid));
    setTimeout(() => {}, 60000);
  }
});
`;

function setup(spec: Record<string, unknown> = {}, env: Record<string, string | undefined> = process.env) {
  const root = tempDir('evalgate-command-');
  writeFileSync(join(root, 'app.cjs'), APP);
  const parsed = CommandTargetSchema.parse({
    type: 'command',
    command: [process.execPath, 'app.cjs'],
    ...spec,
  });
  const target = createTarget('cmd', parsed, {
    rootDir: root,
    env,
    fail: (field, message) => new ConfigError(message, { file: 'evalgate.yml', field: formatField(field) }),
  });
  return { root, target };
}

const input = (vars: Record<string, unknown>) => ({
  suite: 'support',
  caseId: 'refund-1',
  vars,
  tags: { risk: 'high' },
  sample: 2,
});
const options = (timeoutMs = 10_000) => ({ signal: new AbortController().signal, timeoutMs });

async function failure(
  target: Target,
  vars: Record<string, unknown>,
  timeoutMs?: number,
): Promise<TargetError> {
  try {
    await target.invoke(target.prepare(input(vars)), options(timeoutMs));
  } catch (e) {
    if (e instanceof TargetError) return e;
    throw e;
  }
  throw new Error('expected a TargetError');
}

/** A killed process whose parent is gone is a zombie until init reaps it, which can take a while: that counts as dead. */
function alive(pid: number): boolean {
  if (process.platform === 'linux') {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('command target', () => {
  it('writes the case on stdin and reads the answer from the last stdout line', async () => {
    const { target } = setup();
    const request = target.prepare(input({ mode: 'ok', q: 'refunds' }));
    expect(request.body).toEqual({
      command: [process.execPath, 'app.cjs'],
      input: {
        suite: 'support',
        case: 'refund-1',
        vars: { mode: 'ok', q: 'refunds' },
        tags: { risk: 'high' },
        sample: 2,
      },
    });
    const { output } = await target.invoke(request, options());
    expect(output).toEqual({
      output: 'answer to refunds from support/refund-1#2',
      contexts: [{ id: 'd1', text: 'doc one' }, { text: 'doc two' }],
      citations: ['d1'],
      // A trace step's outcome survives, for step-level graders.
      toolCalls: [
        { name: 'search', arguments: { q: 'x' }, result: { hits: 2 } },
        { name: 'fetch', arguments: {}, error: 'status: error' },
        { name: 'send', arguments: {}, error: 'quota exceeded' },
      ],
      usage: { prompt: 10, completion: 2, total: 12 },
    });
  });

  it('accepts a bare JSON string, with env and cwd from the spec', async () => {
    const { root, target } = setup({ env: { EXTRA: 'from-spec' } });
    const { output } = await target.invoke(target.prepare(input({ mode: 'string' })), options());
    expect(output).toEqual({ output: `plain from-spec ${root.split('/').pop()}` });
  });

  it('reports a non-zero exit as a non-retryable process error with the end of stderr', async () => {
    const error = await failure(setup().target, { mode: 'crash' });
    expect(error).toMatchObject({ kind: 'process', retryable: false });
    expect(error.message).toContain('exited with code 3');
    expect(error.message).toContain('trace line 15');
    expect(error.message).not.toContain('warming up');
  });

  it('tells the program which sample it is and its seed, in the environment and on stdin', async () => {
    const { root, target } = setup();
    try {
      const first = target.prepare({ ...input({ mode: 'seed' }), sample: 0 });
      const third = target.prepare(input({ mode: 'seed' }));
      expect(first.seed).toBe(0);
      expect(third.seed).toBe(sampleSeed(0, 2));
      expect((await target.invoke(first, options())).output.output).toBe('0 0 0 0');
      const seed = sampleSeed(0, 2);
      expect((await target.invoke(third, options())).output.output).toBe(`2 ${seed} 2 ${seed}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reports stdout that is not JSON as malformed', async () => {
    const error = await failure(setup().target, { mode: 'garbage' });
    expect(error).toMatchObject({ kind: 'malformed', retryable: false });
    expect(error.message).toContain('stdout is not JSON: this is not json');
  });

  it('kills the whole process tree on timeout', async () => {
    const { root, target } = setup();
    const pidFile = join(root, 'grandchild.pid');
    const started = Date.now();
    // Long enough for node to start a child and a grandchild on a busy machine: the test is
    // about what happens at the timeout, not how soon it comes.
    const error = await failure(target, { mode: 'sleep', pidFile }, 4000);
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(4000 + 10_000);
    expect(existsSync(pidFile)).toBe(true);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await expect.poll(() => alive(grandchild), { timeout: 20_000 }).toBe(false);
  });

  it('finds a missing program or directory when the target is built', () => {
    expect(() => setup({ command: ['definitely-not-a-real-program-xyz'] })).toThrow(
      'command not found: definitely-not-a-real-program-xyz (searched PATH)',
    );
    expect(() => setup({ cwd: 'nowhere' })).toThrow('directory not found: nowhere');
    expect(() => setup({ env: { TOKEN: '${env:UNSET_FOR_TEST}' } }, { PATH: process.env.PATH })).toThrow(
      'environment variable UNSET_FOR_TEST is not set',
    );
  });
});
