// npm run bench:peers: evalgate beside promptfoo on the same cases, against the same local
// OpenAI-compatible server, so the README's comparison can be reproduced. Optional and not a
// test: it installs promptfoo (PEER_VERSION) from the npm registry into a temporary folder,
// removed afterwards, and prints wall time, ratio to the ideal, CPU and peak RSS of each.
//
//   npm run bench:peers                 5,000 cases at concurrency 32 and 128
//   npm run bench:peers -- 1000 32      N cases at the listed concurrencies
//   PEER_DIR=dir npm run bench:peers    use a folder where promptfoo is already installed
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

import {
  BENCH_MODEL,
  BENCH_SYSTEM,
  benchQuestion,
  makeProject,
  root,
  runNode,
  startServer,
} from './bench-kit.mjs';

const PEER = 'promptfoo';
const PEER_VERSION = '0.121.20';
const LATENCY_MS = 50;
const [nArg, ...concurrencyArgs] = process.argv.slice(2);
const n = Number(nArg ?? 5000);
const concurrencies = concurrencyArgs.length ? concurrencyArgs.map(Number) : [32, 128];
if (!Number.isInteger(n) || n < 1 || concurrencies.some((c) => !Number.isInteger(c) || c < 1)) {
  console.error('usage: npm run bench:peers -- [cases] [concurrency...]');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'evalgate-bench-peers-'));
const rows = [];
try {
  console.log(
    `bench:peers — ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
      `Node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  const peerDir = process.env.PEER_DIR ?? join(work, 'peer');
  if (!process.env.PEER_DIR) {
    console.log(`installing ${PEER}@${PEER_VERSION} into a temporary folder…`);
    mkdirSync(peerDir);
    writeFileSync(join(peerDir, 'package.json'), '{ "private": true }\n');
    const install = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', `${PEER}@${PEER_VERSION}`],
      { cwd: peerDir, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (install.status !== 0) throw new Error(`npm install ${PEER}@${PEER_VERSION} failed`);
  }
  const installed = JSON.parse(readFileSync(join(peerDir, 'node_modules', PEER, 'package.json'), 'utf8'));
  if (installed.version !== PEER_VERSION)
    throw new Error(`${peerDir} holds ${PEER} ${installed.version}, not ${PEER_VERSION}`);
  const peerMain = join(
    peerDir,
    'node_modules',
    PEER,
    typeof installed.bin === 'string' ? installed.bin : installed.bin[PEER],
  );

  for (const concurrency of concurrencies) {
    const ideal = (n * LATENCY_MS) / concurrency;
    console.log(
      `\n${n} cases, concurrency ${concurrency}, ${LATENCY_MS} ms per request, no cache: ideal ${(ideal / 1000).toFixed(2)} s`,
    );
    rows.push(await runEvalgate(concurrency, ideal));
    rows.push(await runPeer(peerMain, concurrency, ideal));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log('\n| tool | concurrency | passed | wall time | ratio to the ideal | CPU per case | peak RSS |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(
    `| ${r.tool} | ${r.concurrency} | ${r.passed}/${n} | ${(r.wallMs / 1000).toFixed(2)} s | ${r.ratio.toFixed(2)}× | ${r.cpuPerCase.toFixed(2)} ms | ${r.peakMb.toFixed(0)} MB |`,
  );

/**
 * One tool's run against a fresh server: every case must have been asked. A case that
 * failed its graders (a latency over 5 s on a busy machine) is counted, not hidden: the exit
 * code that means "some cases failed" (`failedExit`) still gives a measurement.
 */
async function measure(tool, concurrency, ideal, run, passed, failedExit) {
  const server = await startServer(LATENCY_MS);
  let result;
  let stats;
  try {
    result = await run(server.url);
    stats = await server.stats();
  } finally {
    await server.close();
  }
  if (result.code !== 0 && result.code !== failedExit)
    throw new Error(`${tool} exited ${result.code}: ${result.stderr.slice(-2000)}`);
  if (stats.served < n)
    throw new Error(`${tool}: the server answered ${stats.served} requests for ${n} cases`);
  const row = {
    tool,
    concurrency,
    passed: passed(),
    wallMs: result.wallMs,
    ratio: result.wallMs / ideal,
    cpuPerCase: result.cpuMs / n,
    peakMb: result.peakMb,
  };
  console.log(
    `  ${tool}: ${(row.wallMs / 1000).toFixed(2)} s (${row.ratio.toFixed(2)}× the ideal), ` +
      `CPU ${(result.cpuMs / 1000).toFixed(2)} s (${row.cpuPerCase.toFixed(2)} ms a case), peak RSS ${row.peakMb.toFixed(0)} MB, ` +
      `${row.passed}/${n} passed, server: ${stats.served} requests, ${stats.maxInFlight} in flight at most, ${stats.connections} connections`,
  );
  return row;
}

function runEvalgate(concurrency, ideal) {
  const dir = join(work, `evalgate-${concurrency}`);
  const out = join(dir, 'out.json');
  return measure(
    'evalgate',
    concurrency,
    ideal,
    (url) => {
      makeProject(dir, url, n);
      return runNode(
        join(root, 'dist', 'cli.js'),
        ['run', '--no-cache', '--concurrency', String(concurrency), '--out', out],
        dir,
      );
    },
    () => JSON.parse(readFileSync(out, 'utf8')).summary.passed,
    1,
  );
}

/**
 * The same cases as a promptfoo config: the same chat prompt, model parameters and graders
 * (contains "echo", latency under 5 s), the same dataset, results written to a JSON file.
 */
function runPeer(main, concurrency, ideal) {
  const dir = join(work, `peer-${concurrency}`);
  const out = join(dir, 'out.json');
  return measure(
    PEER,
    concurrency,
    ideal,
    (url) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'prompt.json'),
        JSON.stringify([
          { role: 'system', content: BENCH_SYSTEM },
          { role: 'user', content: '{{question}}' },
        ]),
      );
      const tests = Array.from({ length: n }, (_, i) => ({
        description: `case-${i}`,
        vars: { question: benchQuestion(i) },
      }));
      // JSON is YAML: one file promptfoo reads as its config.
      writeFileSync(
        join(dir, 'promptfooconfig.yaml'),
        JSON.stringify({
          description: 'evalgate bench:peers',
          prompts: ['file://prompt.json'],
          providers: [
            {
              id: `openai:chat:${BENCH_MODEL.model}`,
              config: {
                apiBaseUrl: url,
                apiKey: 'bench-key',
                temperature: BENCH_MODEL.temperature,
                max_tokens: BENCH_MODEL.max_tokens,
              },
            },
          ],
          defaultTest: {
            assert: [
              { type: 'contains', value: 'echo' },
              { type: 'latency', threshold: 5000 },
            ],
          },
          tests,
        }),
      );
      return runNode(
        main,
        [
          'eval',
          '--config',
          'promptfooconfig.yaml',
          '--no-cache',
          '--max-concurrency',
          String(concurrency),
          '--no-progress-bar',
          '--no-table',
          '--output',
          out,
        ],
        dir,
        {
          env: {
            // Its database, logs and config in the temporary folder, nothing sent anywhere.
            PROMPTFOO_CONFIG_DIR: join(dir, '.promptfoo'),
            PROMPTFOO_DISABLE_TELEMETRY: '1',
            PROMPTFOO_DISABLE_UPDATE: '1',
            PROMPTFOO_DISABLE_SHARING: '1',
            OPENAI_API_KEY: 'bench-key',
          },
        },
      );
    },
    () => JSON.parse(readFileSync(out, 'utf8')).results.stats.successes,
    100, // promptfoo's exit code when some test failed
  );
}
