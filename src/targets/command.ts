import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, extname, join, resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import type { CommandTargetSpec } from '../config/schema.js';
import type { TargetOutput } from '../results/types.js';
import type { TargetContext } from './context.js';
import { resolveEnv, type Env } from './env.js';
import { abortError, snippet, startDeadline } from './failures.js';
import {
  normalizeCitations,
  normalizeContexts,
  normalizeToolCalls,
  normalizeUsage,
  outputText,
  ShapeError,
} from './normalize.js';
import { sampleSeed, UNSEEDED_BASE } from './seed.js';
import { TargetError, type CaseInput, type PreparedRequest, type Target } from './types.js';

/**
 * A local program as the system under test: one process per request, the case as JSON on
 * stdin, the answer as JSON on stdout. No shell, so vars can never become shell syntax.
 *
 * Failures other than timeouts are not retryable: a program that crashes or prints garbage
 * for a given input will do so again.
 */
export interface CommandRequest {
  command: string[];
  cwd?: string;
  /** Written to stdin as one line of JSON. */
  input: {
    suite: string;
    case: string;
    vars: Record<string, unknown>;
    expected?: unknown;
    reference?: string;
    context?: CaseInput['context'];
    tags: CaseInput['tags'];
    sample: number;
  };
}

const MAX_STDOUT = 32 * 1024 * 1024;
const STDERR_TAIL = 8 * 1024;
const KILL_GRACE_MS = 2000;
const isWindows = process.platform === 'win32';

export function createCommandTarget(name: string, spec: CommandTargetSpec, ctx: TargetContext): Target {
  const at = (...path: (string | number)[]) => ['targets', name, ...path];
  const cwd = resolve(ctx.rootDir, spec.cwd ?? '.');
  if (!existsSync(cwd) || !statSync(cwd).isDirectory())
    throw ctx.fail(at('cwd'), `directory not found: ${spec.cwd}`);

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.env)) if (value !== undefined) env[key] = value;
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    try {
      env[key] = resolveEnv(value, ctx.env, (variable) =>
        ctx.fail(at('env', key), `environment variable ${variable} is not set`),
      );
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw ctx.fail(at('env', key), (e as Error).message);
    }
  }

  const [program, ...args] = spec.command as [string, ...string[]];
  // Found now rather than as a spawn error on every case of a paid run.
  if (!findExecutable(program, cwd, env)) {
    throw ctx.fail(
      at('command', 0),
      `command not found: ${program}${program.includes('/') ? '' : ' (searched PATH)'}`,
    );
  }

  const running = new Set<ChildProcessWithoutNullStreams>();

  return {
    name,
    info: { kind: 'command' },
    prepare(input): PreparedRequest {
      // The environment stays out: it holds secrets, and the program's answer should not hinge on it.
      const request: CommandRequest = {
        command: spec.command,
        ...(spec.cwd !== undefined && { cwd: spec.cwd }),
        input: {
          suite: input.suite,
          case: input.caseId,
          vars: input.vars,
          ...(input.expected !== undefined && { expected: input.expected }),
          ...(input.reference !== undefined && { reference: input.reference }),
          ...(input.context !== undefined && { context: input.context }),
          tags: input.tags,
          sample: input.sample,
        },
      };
      const seed = sampleSeed(UNSEEDED_BASE, input.sample);
      return { target: name, kind: 'command', body: request, seed, sample: input.sample };
    },

    invoke(prepared, { signal, timeoutMs }) {
      const { input } = prepared.body as CommandRequest;
      const { seed } = prepared;
      // Which sample this is and its seed, in the environment and beside the input on stdin:
      // a program that samples can make `repeat: n` real samples.
      const childEnv =
        seed === undefined
          ? env
          : { ...env, EVALGATE_SAMPLE_INDEX: String(input.sample), EVALGATE_SEED: String(seed) };
      const stdin = JSON.stringify(seed === undefined ? input : { ...input, seed });
      return new Promise((resolvePromise, reject) => {
        const deadline = startDeadline(signal, timeoutMs);
        if (deadline.signal.aborted) {
          deadline.clear();
          reject(abortError(deadline, signal, timeoutMs));
          return;
        }
        const child = spawn(program, args, {
          cwd,
          env: childEnv,
          stdio: 'pipe',
          detached: !isWindows,
          windowsHide: true,
        });
        running.add(child);
        const stdout: Buffer[] = [];
        let stdoutSize = 0;
        let stderr = '';
        let settled = false;

        const settle = (error: TargetError | undefined, output?: TargetOutput) => {
          if (settled) return;
          settled = true;
          deadline.clear();
          deadline.signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolvePromise({ output: output! });
        };
        const onAbort = () => {
          killTree(child);
          settle(abortError(deadline, signal, timeoutMs));
        };
        deadline.signal.addEventListener('abort', onAbort, { once: true });

        child.stdout.on('data', (chunk: Buffer) => {
          stdoutSize += chunk.length;
          if (stdoutSize <= MAX_STDOUT) stdout.push(chunk);
          else {
            killTree(child);
            settle(
              new TargetError(
                'malformed',
                `${program} printed more than ${MAX_STDOUT / 1024 / 1024} MB on stdout`,
              ),
            );
          }
        });
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => {
          stderr = (stderr + chunk).slice(-STDERR_TAIL);
        });
        // A program that exits without reading stdin closes the pipe under us; its exit code says the rest.
        child.stdin.on('error', () => {});
        child.on('error', (error) => {
          running.delete(child);
          settle(new TargetError('process', `could not run ${program}: ${error.message}`));
        });
        child.on('close', (code, signalName) => {
          running.delete(child);
          if (code !== 0) {
            const status = code === null ? `was killed by ${signalName}` : `exited with code ${code}`;
            const tail = lastLines(stderr);
            settle(new TargetError('process', `${program} ${status}${tail ? `; stderr:\n${tail}` : ''}`));
            return;
          }
          try {
            settle(undefined, readStdout(Buffer.concat(stdout).toString('utf8')));
          } catch (e) {
            settle(new TargetError('malformed', `${program}: ${(e as Error).message}`));
          }
        });
        child.stdin.end(`${stdin}\n`);
      });
    },

    async close() {
      for (const child of running) killTree(child);
      running.clear();
    },
  };
}

/**
 * `{"output": ..., contexts?, citations?, toolCalls?, usage?}` or a bare JSON string. Programs
 * often log to stdout before answering, so when the whole text is not JSON its last line is tried.
 */
function readStdout(text: string): TargetOutput {
  const trimmed = text.trim();
  if (!trimmed) throw new ShapeError('printed nothing on stdout; expected JSON such as {"output": "..."}');
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    const last = trimmed.slice(trimmed.lastIndexOf('\n') + 1);
    try {
      json = JSON.parse(last);
    } catch {
      throw new ShapeError(`stdout is not JSON: ${snippet(trimmed, 160)}`);
    }
  }
  if (typeof json === 'string') return { output: json };
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new ShapeError(
      `stdout JSON must be an object with "output" or a string, got ${snippet(JSON.stringify(json), 80)}`,
    );
  }
  const data = json as Record<string, unknown>;
  const output = outputText(data.output);
  if (output === undefined)
    throw new ShapeError(`stdout JSON has no "output" field (keys: ${Object.keys(data).join(', ')})`);
  const result: TargetOutput = { output };
  const contexts = normalizeContexts(data.contexts, 'contexts', ['id'], ['text']);
  const citations = normalizeCitations(data.citations, 'citations', ['id']);
  const toolCalls = normalizeToolCalls(data.toolCalls ?? data.tool_calls, 'toolCalls');
  const usage = normalizeUsage(data.usage, 'usage');
  if (contexts) result.contexts = contexts;
  if (citations) result.citations = citations;
  if (toolCalls) result.toolCalls = toolCalls;
  if (usage) result.usage = usage;
  return result;
}

function lastLines(text: string, count = 10): string {
  const lines = text
    .trimEnd()
    .split('\n')
    .filter((line) => line.trim() !== '');
  return lines.slice(-count).join('\n');
}

/**
 * Programs under test often start helpers (a model server, a browser); killing only the direct
 * child would leave those running. On POSIX the child leads its own process group, so the
 * whole group gets SIGTERM, then SIGKILL if it lingers.
 */
function killTree(child: ChildProcessWithoutNullStreams): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (isWindows) {
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on(
      'error',
      () => {},
    );
    return;
  }
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS).unref();
}

/** Mirrors how spawn will look the program up: a path relative to cwd, else each PATH entry. */
function findExecutable(program: string, cwd: string, env: Env): string | undefined {
  const isFile = (file: string) => {
    try {
      if (!statSync(file).isFile()) return false;
      if (!isWindows) accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/') || (isWindows && program.includes('\\'))) {
    const file = resolve(cwd, program);
    return isFile(file) ? file : undefined;
  }
  const pathKey = isWindows ? (Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH') : 'PATH';
  const dirs = (env[pathKey] ?? '').split(delimiter).filter(Boolean);
  const extensions =
    isWindows && !extname(program) ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';') : [''];
  for (const dir of dirs) {
    for (const ext of extensions) {
      const file = join(resolve(cwd, dir), program + ext);
      if (isFile(file)) return file;
    }
  }
  return undefined;
}
