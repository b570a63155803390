// npm run bench: speed and memory of the bundled CLI against a local OpenAI-compatible
// server, reported as ratios to the ideal. Not a test: it prints figures for the README.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { makeProject, root, runNode, startServer } from './bench-kit.mjs';

// BENCH_CLI=path/to/cli.js benches another build (an A/B against a baseline, run alternately).
const cli = process.env.BENCH_CLI ?? join(root, 'dist', 'cli.js');
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);
const results = [];

function report(name, value, ideal, limit, unit, note = '') {
  const ratio = ideal ? value / ideal : undefined;
  const ok = limit === undefined ? true : value <= limit;
  results.push({ name, value, unit, ideal, ratio, limit, ok, note });
  const r = ratio ? ` (${ratio.toFixed(3)}× ideal ${fmt(ideal, unit)})` : '';
  const l = limit === undefined ? '' : ` — limit ${fmt(limit, unit)}: ${ok ? 'ok' : 'OVER'}`;
  console.log(`  ${name}: ${fmt(value, unit)}${r}${l}${note ? ` ${note}` : ''}`);
}

function fmt(v, unit) {
  if (unit === 'ms') return v >= 10_000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
  if (unit === 'MB') return v < 10 ? `${v.toFixed(2)} MB` : `${v.toFixed(0)} MB`;
  return `${v} ${unit}`;
}

/** Runs the CLI under test (see runNode). */
function runCli(args, cwd, options = {}) {
  // BENCH_NODE_ARGS: extra flags for the CLI's node, to try a V8 or Node option.
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return runNode(cli, args, cwd, { ...options, nodeArgs: [...extra, ...(options.nodeArgs ?? [])] });
}

function header() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `evalgate bench — ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, CLI on Node ${process.version}` +
      // The machine's other work shows in every wall time: say how busy it was.
      `, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
}

async function benchStartup(work) {
  console.log('\nCLI start-up to the first request (1 case, median of 7)');
  const dir = join(work, 'startup');
  // A fresh server per run, so the first request it sees is this run's.
  const firsts = [];
  for (let i = 0; i < 7; i++) {
    const server = await startServer(0);
    makeProject(dir, server.url, 1);
    const run = await runCli(['run', '--no-cache', '--out', join(dir, 'out.json')], dir);
    const s = await server.stats();
    await server.close();
    if (run.code !== 0 || s.served !== 1)
      throw new Error(`start-up run failed (exit ${run.code}, ${s.served} requests): ${run.stderr}`);
    firsts.push(s.firstAt - run.started);
  }
  firsts.sort((a, b) => a - b);
  report(
    'start-up to first request',
    firsts[3],
    undefined,
    300,
    'ms',
    `(min ${firsts[0]} ms, max ${firsts[6]} ms)`,
  );
}

/**
 * `n` uncached cases at `concurrency`, each request answered after `latency` ms: the ideal is
 * n × latency ÷ concurrency. At 128 in flight the runner's CPU per case, not the server, sets
 * the pace on a 2-core machine, so the CPU of both processes is printed beside the wall time.
 */
async function benchThroughput(work, { n = 5000, latency = 50, concurrency, limit }) {
  console.log(`\n${n} cases, concurrency ${concurrency}, ${latency} ms per request, no cache`);
  const server = await startServer(latency);
  const dir = join(work, `throughput-${concurrency}`);
  makeProject(dir, server.url, n);
  const serverCpuBefore = (await server.stats()).cpuMs;
  const profile = process.env.BENCH_CPU_PROF;
  const run = await runCli(
    ['run', '--no-cache', '--concurrency', String(concurrency), '--out', join(dir, 'out.json')],
    dir,
    profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profile}`] } : {},
  );
  const stats = await server.stats();
  await server.close();
  if (run.code !== 0) throw new Error(`throughput run exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const doc = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
  if (doc.summary.passed !== n) throw new Error(`expected ${n} passes, got ${JSON.stringify(doc.summary)}`);
  const ideal = (n * latency) / concurrency;
  report('wall time, process start to exit', run.wallMs, ideal, ideal * limit, 'ms');
  report('peak RSS', run.peakMb, undefined, 250, 'MB');
  const serverCpu = stats.cpuMs - serverCpuBefore;
  console.log(
    `  CPU: CLI ${(run.cpuMs / 1000).toFixed(2)} s (${((run.cpuMs * 1000) / n).toFixed(0)} µs a case, start-up included; ${((run.systemCpuMs * 1000) / n).toFixed(0)} µs of it in the kernel), ` +
      `server ${(serverCpu / 1000).toFixed(2)} s (${((serverCpu * 1000) / n).toFixed(0)} µs a request)`,
  );
  console.log(
    `  server saw ${stats.served} requests, at most ${stats.maxInFlight} in flight, over ${stats.connections} connections`,
  );
  // Where the wall time went: before the first request, sending, after the last answer.
  const lastAnswer = stats.lastAt + latency;
  console.log(
    `  timeline: start-up to the first request ${stats.firstAt - run.started} ms, first request to the last answer ${lastAnswer - stats.firstAt} ms (${((lastAnswer - stats.firstAt) / ideal).toFixed(3)}× the ideal), last answer to exit ${run.started + run.wallMs - lastAnswer} ms`,
  );
  // The floor: the same requests from a client that does nothing else (scripts/bench-floor.mjs),
  // run right after, against a fresh server, so the two share the machine's state of the minute.
  const floorServer = await startServer(latency);
  const floor = await runNode(
    join(root, 'scripts', 'bench-floor.mjs'),
    [floorServer.url, String(n), String(concurrency)],
    dir,
  );
  await floorServer.close();
  if (floor.code !== 0)
    throw new Error(`the floor client exited ${floor.code}: ${floor.stderr.slice(-2000)}`);
  report(
    'floor: a bare undici client sending the same requests, process start to exit',
    floor.wallMs,
    ideal,
    undefined,
    'ms',
    `(${((floor.cpuMs * 1000) / n).toFixed(0)} µs of CPU a request; evalgate took ${(run.wallMs / floor.wallMs).toFixed(3)}× the floor)`,
  );
}

async function benchCachedReplay(work) {
  const n = 100_000;
  console.log(`\n${n} cached cases replayed`);
  const server = await startServer(0);
  const dir = join(work, 'replay');
  makeProject(dir, server.url, n, { cache: true });
  const fill = await runCli(['run', '--concurrency', '64', '--out', join(dir, 'fill.json')], dir);
  if (fill.code !== 0) throw new Error(`cache fill exited ${fill.code}: ${fill.stderr.slice(-2000)}`);
  console.log(
    `  (filling the cache: ${n} uncached requests took ${(fill.wallMs / 1000).toFixed(1)} s, peak RSS ${fill.peakMb.toFixed(0)} MB)`,
  );
  const before = (await server.stats()).served;
  const replay = await runCli(['run', '--concurrency', '32', '--out', join(dir, 'replay.json')], dir);
  const after = (await server.stats()).served;
  await server.close();
  if (replay.code !== 0) throw new Error(`replay exited ${replay.code}: ${replay.stderr.slice(-2000)}`);
  if (after !== before)
    throw new Error(`the replay made ${after - before} requests; a cached run must make none`);
  report('replay wall time', replay.wallMs, undefined, 30_000, 'ms');
  report('replay peak RSS', replay.peakMb, undefined, undefined, 'MB');
  console.log(`  Results document: ${(statSync(join(dir, 'replay.json')).size / 2 ** 20).toFixed(0)} MB`);
}

async function benchPlan() {
  console.log('\nplan: 2,000 prompt files, 200 suites, a 500-file diff (median of 3)');
  // The generator is TypeScript; npm scripts run Node 24, which strips types natively.
  const { generateLargeRepo } = await import('../test/helpers/git.ts');
  const large = generateLargeRepo();
  // Removed whatever happens: a failed run must not leave 2,000 files in the temp folder.
  try {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const run = await runCli(
        ['plan', '--base', large.base, '--head', large.head, '--json'],
        large.repo.dir,
        {
          stdout: true,
        },
      );
      if (run.code !== 0) throw new Error(`plan exited ${run.code}: ${run.stderr}`);
      const suites = JSON.parse(run.stdout)
        .suites.map((s) => s.id)
        .sort();
      if (JSON.stringify(suites) !== JSON.stringify(large.expectedSuites))
        throw new Error('plan selected the wrong suites');
      times.push(run.wallMs);
    }
    times.sort((a, b) => a - b);
    report(
      `plan (${large.promptFiles} prompt files, ${large.changedFiles} changed), process start to exit`,
      times[1],
      undefined,
      2000,
      'ms',
    );
  } finally {
    rmSync(large.repo.dir, { recursive: true, force: true });
  }
}

async function benchAction(work) {
  console.log(
    '\nAction: bundled dist/index.js on a pull_request, process start to the first model request (median of 5)',
  );
  const { startFakeGitHub, DEFAULT_OWNER, DEFAULT_REPO, DEFAULT_TOKEN } =
    await import('../test/helpers/fake-github.ts');
  const { createRepo } = await import('../test/helpers/git.ts');
  const { parse } = await import('yaml');
  const github = await startFakeGitHub();
  const inputs = Object.entries(parse(readFileSync(join(root, 'action.yml'), 'utf8')).inputs).map(
    ([k, v]) => [`INPUT_${k.toUpperCase()}`, String(v.default ?? '')],
  );
  const examples = createRequire(import.meta.url)('@octokit/webhooks-examples');
  const example = examples.find((e) => e.name === 'pull_request').examples.find((e) => e.action === 'opened');
  const times = [];
  try {
    for (let i = 0; i < 5; i++) {
      const server = await startServer(0);
      const repo = createRepo();
      makeProject(repo.dir, server.url, 1);
      const base = repo.commit('base');
      repo.branch('change');
      repo.write({ 'prompt.md': '[system]\nYou answer support questions briefly.\n[user]\n{{question}}\n' });
      const head = repo.commit('edit the prompt');
      const number = 100 + i;
      github.state.addPullRequest(github.state.repo(), { number, headSha: head, baseSha: base });
      const payload = structuredClone(example);
      Object.assign(payload, { number });
      Object.assign(payload.pull_request, { number });
      Object.assign(payload.pull_request.head, { sha: head });
      Object.assign(payload.pull_request.base, { sha: base, ref: 'main' });
      Object.assign(payload.repository, {
        full_name: `${DEFAULT_OWNER}/${DEFAULT_REPO}`,
        name: DEFAULT_REPO,
        default_branch: 'main',
      });
      payload.pull_request.head.repo.full_name =
        payload.pull_request.base.repo.full_name = `${DEFAULT_OWNER}/${DEFAULT_REPO}`;
      const eventPath = join(work, `event-${i}.json`);
      writeFileSync(eventPath, JSON.stringify(payload));
      writeFileSync(join(work, 'output'), '');
      writeFileSync(join(work, 'summary'), '');
      const started = Date.now();
      const code = await new Promise((resolve) => {
        const child = spawn(process.execPath, [join(root, 'dist', 'index.js')], {
          cwd: repo.dir,
          stdio: 'ignore',
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            ...Object.fromEntries(inputs),
            'INPUT_GITHUB-TOKEN': DEFAULT_TOKEN,
            BENCH_API_KEY: 'bench-key',
            GITHUB_ACTIONS: 'true',
            CI: 'true',
            GITHUB_EVENT_NAME: 'pull_request',
            GITHUB_EVENT_PATH: eventPath,
            GITHUB_REPOSITORY: `${DEFAULT_OWNER}/${DEFAULT_REPO}`,
            GITHUB_SHA: head,
            GITHUB_WORKSPACE: repo.dir,
            GITHUB_API_URL: github.url,
            GITHUB_OUTPUT: join(work, 'output'),
            GITHUB_STEP_SUMMARY: join(work, 'summary'),
          },
        });
        child.on('exit', resolve);
      });
      const s = await server.stats();
      await server.close();
      rmSync(repo.dir, { recursive: true, force: true });
      if (!s.firstAt) throw new Error(`the Action made no model request (exit ${code})`);
      times.push(s.firstAt - started);
    }
  } finally {
    await github.close();
  }
  times.sort((a, b) => a - b);
  report(
    'Action start-up to first request',
    times[2],
    undefined,
    undefined,
    'ms',
    `(min ${times[0]} ms, max ${times[4]} ms)`,
  );
}

/**
 * `evalgate drift` over 1,000,000 records (two JSONL windows of 500,000; 5,000 distinct
 * seeded records repeated), with each engine, beside the ideal of reading the lines once
 * (readline + JSON.parse in a Node process of its own).
 */
async function benchDrift(work) {
  const perWindow = 500_000;
  console.log(`\ndrift: ${2 * perWindow} records (two windows of ${perWindow})`);
  const dir = join(work, 'drift');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'evalgate.yml'), 'production:\n  sampling: { rate: 1 }\n');
  const { toRecord, ProductionPolicySchema } = await import(
    pathToFileURL(join(root, 'dist', 'production.js')).href
  );
  const policy = ProductionPolicySchema.parse({});
  const env = { EVALGATE_HASH_KEY: 'bench-hash-key-0123456789' };
  let seed = 1;
  const r = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const routes = ['billing', 'shipping', 'returns', 'account', 'legal'];
  const lines = Array.from({ length: 5000 }, (_, i) =>
    JSON.stringify(
      toRecord(
        {
          requestId: `r${i}`,
          route: routes[Math.floor(r() * routes.length)],
          input: 'Where is my order and when will it arrive? '.repeat(1 + Math.floor(r() * 3)),
          output: 'Your parcel left our warehouse yesterday.',
          latencyMs: Math.round(Math.exp(6.5 + r())),
          tokens: { input: 100 + Math.floor(r() * 50), output: 30 },
          costUsd: 0.0001 * r(),
          ...(r() < 0.4 && { toolCalls: [{ name: 'lookup_order' }] }),
          ...(r() < 0.08 && { feedback: 'up' }),
        },
        policy,
        { system: 'bench' },
        { env },
      ),
    ),
  );
  const block = `${lines.join('\n')}\n`;
  for (const name of ['ref.jsonl', 'cur.jsonl'])
    writeFileSync(join(dir, name), block.repeat(perWindow / lines.length));
  const readOnce = spawnSync(
    process.execPath,
    [
      '-e',
      `const {createReadStream}=require('fs'),{createInterface}=require('readline');(async()=>{const t=Date.now();for(const f of ['ref.jsonl','cur.jsonl'])for await(const l of createInterface({input:createReadStream(f),crlfDelay:Infinity}))JSON.parse(l);console.log(Date.now()-t)})()`,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  const ideal = Number(readOnce.stdout.trim());
  // Local JSONL is read by the checked streaming pass with either engine (drift/run.ts): the
  // JSONL row is that pass. DuckDB's own reading is measured on the same windows as Parquet,
  // converted first (`evalgate convert`: every line checked, then DuckDB's COPY).
  const convert = [];
  for (const name of ['ref', 'cur']) {
    const run = await runCli(['convert', '--records', `${name}.jsonl`, '--out', `${name}.parquet`], dir);
    if (run.code !== 0) throw new Error(`convert exited ${run.code}: ${run.stderr.slice(-2000)}`);
    convert.push(run.wallMs);
  }
  console.log(
    `  (converting both windows to Parquet: ${convert.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' and ')})`,
  );
  for (const [engine, ext] of [
    ['stream', 'jsonl'],
    ['duckdb', 'parquet'],
  ]) {
    const run = await runCli(
      ['drift', '--engine', engine, '--current', `cur.${ext}`, '--reference', `ref.${ext}`, '--json'],
      dir,
    );
    if (run.code !== 0)
      throw new Error(`drift --engine ${engine} exited ${run.code}: ${run.stderr.slice(-2000)}`);
    const perSecond = Math.round((2 * perWindow) / (run.wallMs / 1000));
    const what = `drift (${engine}, ${ext === 'jsonl' ? 'JSONL' : 'Parquet'})`;
    report(`${what} wall time`, run.wallMs, ideal, 15_000, 'ms', `(${perSecond} records/s)`);
    report(`${what} peak RSS`, run.peakMb, undefined, 500, 'MB');
  }
}

header();
const work = mkdtempSync(join(tmpdir(), 'evalgate-bench-'));
try {
  if (want('startup')) await benchStartup(work);
  if (want('throughput') || want('throughput32'))
    await benchThroughput(work, { concurrency: 32, limit: 1.15 });
  if (want('throughput') || want('throughput128'))
    await benchThroughput(work, { concurrency: 128, limit: 1.3 });
  if (want('replay')) await benchCachedReplay(work);
  if (want('plan')) await benchPlan();
  if (want('action')) await benchAction(work);
  if (want('drift')) await benchDrift(work);
  if (want('bundle')) {
    console.log('\nbundle');
    const files = readdirSync(join(root, 'dist'), { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    );
    const bytes = files.reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
    report(`dist/ (${files.length} files, code-split)`, bytes / 2 ** 20, undefined, undefined, 'MB');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const over = results.filter((r) => !r.ok);
console.log(
  over.length
    ? `\n${over.length} figure(s) over their limit: ${over.map((r) => r.name).join(', ')}`
    : '\nall figures within their limits',
);
process.exitCode = over.length ? 1 : 0;
