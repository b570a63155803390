// What npm run bench and npm run bench:peers share: the bench project, the local server in its
// own process, and a child process measured from /proc.
import { fork, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the bench's cases ask, and with what model settings: the project and the floor client share it. */
export const BENCH_SYSTEM = 'You answer support questions.';
export const BENCH_MODEL = { model: 'gpt-4o-mini', temperature: 0, max_tokens: 64 };
export const benchQuestion = (i) => `How do I do thing number ${i}?`;

/** A project whose one target is the fake server, with `n` cases in a JSONL dataset. */
export function makeProject(dir, url, n, { cache = false } = {}) {
  mkdirSync(join(dir, 'suites'), { recursive: true });
  writeFileSync(
    join(dir, 'evalgate.yml'),
    [
      'targets:',
      '  bench:',
      '    type: openai',
      `    baseURL: ${url}`,
      '    apiKeyEnv: BENCH_API_KEY',
      '    prompt: prompt.md',
      '    model: model.yaml',
      'suites: [suites/bench.yml]',
      `cache: { enabled: ${cache}, dir: .cache }`,
      'retries: 2',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'prompt.md'), `[system]\n${BENCH_SYSTEM}\n[user]\n{{question}}\n`);
  writeFileSync(
    join(dir, 'model.yaml'),
    Object.entries(BENCH_MODEL)
      .map(([k, v]) => `${k}: ${v}\n`)
      .join(''),
  );
  writeFileSync(
    join(dir, 'suites', 'bench.yml'),
    'id: bench\ntier: trusted\ngraders:\n  - { type: contains, value: echo }\n  - { type: latency, maxMs: 5000 }\ndataset: cases.jsonl\n',
  );
  const lines = [];
  for (let i = 0; i < n; i++)
    lines.push(JSON.stringify({ id: `case-${i}`, vars: { question: benchQuestion(i) } }));
  writeFileSync(join(dir, 'suites', 'cases.jsonl'), lines.join('\n') + '\n');
}

export function startServer(latencyMs) {
  const child = fork(join(root, 'scripts', 'bench-server.mjs'), [String(latencyMs)], {
    execPath: nodeWithTypeStripping(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters = [];
  child.on('message', (m) => waiters.shift()?.(m));
  const next = () => new Promise((r) => waiters.push(r));
  return next().then(({ url }) => ({
    url,
    stats: () => (child.send('stats'), next()),
    close: () => new Promise((r) => (child.on('exit', r), child.send('close'))),
  }));
}

export function nodeWithTypeStripping() {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 23 ? process.execPath : join(root, 'node_modules', 'node', 'bin', 'node');
}

/**
 * Runs a Node script; returns wall time, exit code, peak RSS (VmHWM) and CPU time (utime +
 * stime), both polled from /proc (the CPU figure is the last poll's, at most 25 ms before exit).
 */
export function runNode(script, args, cwd, { stdout: keepStdout = false, nodeArgs = [], env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      cwd,
      env: { ...process.env, BENCH_API_KEY: 'bench-key', CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let peakKb = 0;
    let userTicks = 0;
    let systemTicks = 0;
    let stderr = '';
    let stdout = '';
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
        // Fields 14 and 15 of /proc/PID/stat (after the parenthesised name): utime, stime.
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        userTicks = Math.max(userTicks, Number(fields[11]));
        systemTicks = Math.max(systemTicks, Number(fields[12]));
      } catch {
        // exited between polls
      }
    }, 25);
    if (keepStdout) child.stdout.on('data', (d) => (stdout += d));
    else child.stdout.resume();
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({
        started,
        wallMs: Date.now() - started,
        code,
        peakMb: peakKb / 1024,
        // USER_HZ is 100 on Linux.
        cpuMs: (userTicks + systemTicks) * 10,
        systemCpuMs: systemTicks * 10,
        stderr,
        stdout,
      });
    });
  });
}
