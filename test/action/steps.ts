/**
 * action.yml's composite steps run the way the runner runs them: the step's `run:` line, with
 * its `${{ … }}` expressions filled in, written to a script that `bash --noprofile --norc -e -o
 * pipefail` runs (the runner's `shell: bash`), the step's `env:` plus the runner's variables,
 * and signals sent to the step's root process only (the bash process), as the runner sends
 * them on a cancel or a timeout: SIGINT, SIGTERM 7.5 s later, then SIGKILL 2.5 s after that.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_OWNER, DEFAULT_REPO } from '../helpers/fake-github.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FULL_NAME = `${DEFAULT_OWNER}/${DEFAULT_REPO}`;
const require = createRequire(import.meta.url);

interface CompositeStep {
  id?: string;
  name?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  run?: string;
}

interface ActionSpec {
  inputs: Record<string, { default?: string }>;
  runs: { steps: CompositeStep[] };
}

export function actionSpec(): ActionSpec {
  return parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionSpec;
}

/** Every input of action.yml with its default. */
export function actionDefaults(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(actionSpec().inputs).map(([name, input]) => [name, String(input.default ?? '')]),
  );
}

export function findStep(pick: (step: CompositeStep) => boolean): CompositeStep {
  const step = actionSpec().runs.steps.find(pick);
  if (!step) throw new Error('action.yml has no such step');
  return step;
}

/**
 * Fills a step's expressions: `inputs.X`, `steps.node.outputs.path` and
 * `steps.evalgate.outcome`. Anything else is an error, so a new expression in action.yml
 * cannot slip past these tests unfilled.
 */
export function fill(
  text: string,
  values: { inputs: Record<string, string>; node: string; outcome?: string },
): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expr);
    if (input) {
      const value = values.inputs[input[1]!];
      if (value === undefined) throw new Error(`no input ${input[1]}`);
      return value;
    }
    if (expr === 'steps.node.outputs.path') return values.node;
    if (expr === 'steps.evalgate.outcome' && values.outcome !== undefined) return values.outcome;
    throw new Error(`the test does not know the expression \${{ ${expr} }}`);
  });
}

export interface StepProcess {
  child: ChildProcess;
  /** Resolves when the process has exited (and its output is read). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/** Starts one composite step as the runner would. `env` is the runner's environment for the job. */
export function startStep(
  step: CompositeStep,
  options: {
    inputs: Record<string, string>;
    node: string;
    outcome?: string;
    env: Record<string, string>;
    cwd: string;
    scriptDir: string;
  },
): StepProcess {
  if (step.shell !== 'bash' || !step.run) throw new Error('a bash step with `run:` expected');
  const script = join(options.scriptDir, `step-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(script, fill(step.run, options));
  const stepEnv = Object.fromEntries(
    Object.entries(step.env ?? {}).map(([k, v]) => [k, fill(String(v), options)]),
  );
  const child = spawn('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', script], {
    cwd: options.cwd,
    env: { ...options.env, ...stepEnv },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Polls `ready` every 20 ms until it holds, failing after `timeoutMs` with `what`. */
export async function waitFor(what: string, ready: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The runner's cancel: SIGINT to the step's root process, SIGTERM after `termAfterMs` if it is
 * still alive, SIGKILL after `killAfterMs` more. Returns the signals it had to send.
 */
export async function cancelLikeTheRunner(
  step: StepProcess,
  options: { termAfterMs?: number; killAfterMs?: number } = {},
): Promise<{ sent: NodeJS.Signals[]; code: number | null; signal: NodeJS.Signals | null }> {
  const sent: NodeJS.Signals[] = [];
  let done = false;
  const exited = step.exited.then((r) => {
    done = true;
    return r;
  });
  const within = (ms: number) => Promise.race([exited, new Promise<void>((r) => setTimeout(r, ms).unref())]);
  for (const [signal, wait] of [
    ['SIGINT', options.termAfterMs ?? 7500],
    ['SIGTERM', options.killAfterMs ?? 2500],
    ['SIGKILL', 0],
  ] as const) {
    if (done) break;
    sent.push(signal);
    step.child.kill(signal);
    if (wait) await within(wait);
  }
  return { sent, ...(await exited) };
}

/** A real `pull_request` webhook payload (opened), patched to point at the fake repository. */
export function pullRequestPayload(n: number, headSha: string, baseSha: string, headRepo = FULL_NAME) {
  const events = require('@octokit/webhooks-examples') as {
    name: string;
    examples: Record<string, unknown>[];
  }[];
  const example = events.find((e) => e.name === 'pull_request')!.examples.find((e) => e.action === 'opened')!;
  const payload = structuredClone(example) as {
    number: number;
    pull_request: {
      number: number;
      head: { sha: string; repo: { full_name: string } };
      base: { sha: string; ref: string; repo: { full_name: string } };
    };
    repository: { full_name: string; name: string; default_branch: string; owner: { login: string } };
  };
  payload.number = n;
  payload.pull_request.number = n;
  payload.pull_request.head.sha = headSha;
  payload.pull_request.head.repo.full_name = headRepo;
  payload.pull_request.base.sha = baseSha;
  payload.pull_request.base.ref = 'main';
  payload.pull_request.base.repo.full_name = FULL_NAME;
  payload.repository.full_name = FULL_NAME;
  payload.repository.name = DEFAULT_REPO;
  payload.repository.default_branch = 'main';
  payload.repository.owner.login = DEFAULT_OWNER;
  return payload;
}
