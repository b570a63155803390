// npm run sim:canary: the canary Show, in full. Not a test (the test, decide.test.ts, runs a
// smaller version): it prints the README's table.
//
//   A/A      10,000 seeded canaries of an unchanged system, each checked at every new batch of
//            records (50 looks of 100 records per side, 5,000 each at the last look), with zero
//            degradation tolerated on all six triggers: the hardest case for false rollbacks.
//            Each canary is looked at all 50 times whatever an earlier look said; a rollback at
//            any look counts. The false-rollback rate with its Wilson 95 % interval is set
//            beside alpha.
//   power    three degraded canaries, 200 seeds each, under the tolerances a team might declare
//            (the test's ROLLOUT): twice the control's error rate, safety events from none to a
//            handful (0.5 %), latency variance doubled (median unchanged). Each is watched
//            until its first non-continue decision; the share rolled back and the canary
//            records it took (median, 10th and 90th percentile) are reported.
//
//   node scripts/canary-sim.mjs [--canaries 10000] [--looks 50] [--batch 100] [--power 200]
//                               [--workers 2] [--json FILE]
//
// decide.ts and the seeded traffic (test/helpers/canary-sim.ts) are TypeScript: esbuild bundles
// them once into a temp folder, and worker threads import the bundle.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const STRICT = {
  alpha: 0.05,
  triggers: {
    errorRate: { maxRatio: 1, minRecords: 100 },
    safetyEvents: { maxRatio: 1, minRecords: 100 },
    refusalRate: { maxIncrease: 0, minRecords: 100 },
    negativeFeedback: { maxIncrease: 0, minRecords: 50 },
    p95LatencyMs: { maxIncrease: 0, minRecords: 100 },
    costPerInteraction: { maxIncrease: 0, minRecords: 100 },
  },
};
const TYPICAL = {
  alpha: 0.05,
  triggers: {
    errorRate: { maxRatio: 1, minRecords: 200 },
    safetyEvents: { maxRatio: 1, minRecords: 200 },
    refusalRate: { maxIncrease: 0.02, minRecords: 200 },
    negativeFeedback: { maxIncrease: 0.05, minRecords: 100 },
    p95LatencyMs: { maxIncrease: 0.2, minRecords: 200 },
    costPerInteraction: { maxIncrease: 0.1, minRecords: 200 },
  },
};
const SCENARIOS = [
  { name: 'error rate ×2 (2 % → 4 %)', trigger: 'errorRate', canary: { errorRate: 0.04 }, control: {} },
  {
    name: 'safety events 0 → a handful (0.5 %)',
    trigger: 'safetyEvents',
    canary: { safetyRate: 0.005 },
    control: { safetyRate: 0 },
  },
  {
    name: 'latency variance ×2 (median unchanged)',
    trigger: 'p95LatencyMs',
    canary: { latencySigma: 0.5 * Math.SQRT2 },
    control: { latencySigma: 0.5 },
  },
];

async function main() {
  const { values } = parseArgs({
    options: {
      canaries: { type: 'string', default: '10000' },
      looks: { type: 'string', default: '50' },
      batch: { type: 'string', default: '100' },
      power: { type: 'string', default: '200' },
      'power-looks': { type: 'string', default: '50' },
      'power-batch': { type: 'string', default: '200' },
      workers: { type: 'string', default: '2' },
      json: { type: 'string' },
    },
  });
  const n = (k) => Number(values[k]);
  const dir = mkdtempSync(join(tmpdir(), 'evalgate-canary-sim-'));
  try {
    const bundle = join(dir, 'sim.mjs');
    const esbuild = await import('esbuild');
    await esbuild.build({
      stdin: {
        contents: [
          "export { decideCanary } from './src/production/canary/decide.ts';",
          "export { RolloutSchema } from './src/production/canary/rollout-schema.ts';",
          "export { simulateArm } from './test/helpers/canary-sim.ts';",
        ].join('\n'),
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: bundle,
      logLevel: 'warning',
    });
    const started = Date.now();
    const workers = Math.max(1, n('workers'));
    const power = [];
    for (const [si] of SCENARIOS.entries())
      power.push(
        await Promise.all(
          Array.from({ length: workers }, (_, w) =>
            run(bundle, {
              kind: 'power',
              scenario: si,
              seeds: range(w, n('power'), workers).map((i) => 500_000 + si * 100_000 + i * 7),
              looks: n('power-looks'),
              batch: n('power-batch'),
            }),
          ),
        ).then((parts) => parts.flat()),
      );
    for (const [si, s] of SCENARIOS.entries()) {
      const rolled = power[si].filter((r) => r.decision === 'rollback' && r.triggers.includes(s.trigger));
      const recs = rolled.map((r) => r.canaryRecords).sort((a, b) => a - b);
      console.log(
        `  ${s.name}: ${rolled.length}/${power[si].length} rolled back, canary records median ${quantile(recs, 0.5)}`,
      );
    }
    const jobs = [];
    const canaries = n('canaries');
    for (let w = 0; w < workers; w++)
      jobs.push(
        run(bundle, {
          kind: 'aa',
          seeds: range(w, canaries, workers).map((i) => 10_000 + i),
          looks: n('looks'),
          batch: n('batch'),
        }),
      );
    const aa = (await Promise.all(jobs)).flat();
    const seconds = (Date.now() - started) / 1000;

    const rollbacks = aa.filter((r) => r.rollbackLook !== null);
    const rate = rollbacks.length / aa.length;
    const ci = wilson(rollbacks.length, aa.length);
    const byTrigger = {};
    for (const r of rollbacks) for (const t of r.triggers) byTrigger[t] = (byTrigger[t] ?? 0) + 1;
    const summary = {
      aa: {
        canaries: aa.length,
        looks: n('looks'),
        batch: n('batch'),
        alpha: STRICT.alpha,
        rollbacks: rollbacks.length,
        rate,
        ci95: ci,
        byTrigger,
      },
      scenarios: SCENARIOS.map((s, i) => {
        const rs = power[i];
        const rolled = rs.filter((r) => r.decision === 'rollback' && r.triggers.includes(s.trigger));
        const recs = rolled.map((r) => r.canaryRecords).sort((a, b) => a - b);
        return {
          name: s.name,
          trigger: s.trigger,
          runs: rs.length,
          rolledBack: rolled.length,
          rate: rolled.length / rs.length,
          ci95: wilson(rolled.length, rs.length),
          maxRecords: n('power-looks') * n('power-batch'),
          canaryRecords: {
            p10: quantile(recs, 0.1),
            median: quantile(recs, 0.5),
            p90: quantile(recs, 0.9),
          },
        };
      }),
      seconds,
    };
    const pct = (x) => `${(x * 100).toFixed(2)} %`;
    console.log(
      `\nA/A: ${aa.length} canaries × ${n('looks')} looks (${n('batch')} records per side per look), zero tolerance on 6 triggers, alpha ${STRICT.alpha}`,
    );
    console.log(
      `  false rollbacks: ${rollbacks.length} (${pct(rate)}, 95 % CI ${pct(ci[0])}–${pct(ci[1])})` +
        `${Object.keys(byTrigger).length ? `; by trigger: ${JSON.stringify(byTrigger)}` : ''}`,
    );
    console.log(
      `\nDegraded canaries: ${n('power')} seeds each, up to ${n('power-looks')} looks of ${n('power-batch')} records per side\n`,
    );
    console.log('| canary | rolled back | canary records to rollback: median (p10–p90) |');
    console.log('|---|---|---|');
    for (const s of summary.scenarios)
      console.log(
        `| ${s.name} | ${s.rolledBack}/${s.runs} (${pct(s.rate)}) | ${s.canaryRecords.median} (${s.canaryRecords.p10}–${s.canaryRecords.p90}) |`,
      );
    console.log(`\n${seconds.toFixed(0)} s with ${workers} worker thread(s)`);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
    const ok = ci[0] <= STRICT.alpha && summary.scenarios.every((s) => s.rate >= 0.9);
    if (!ok) console.log('\nNOT SHOWN: false rollbacks above alpha, or a degraded canary not rolled back');
    process.exitCode = ok ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function range(start, end, step) {
  const out = [];
  for (let i = start; i < end; i += step) out.push(i);
  return out;
}

/** One worker over `job`; its results arrive in chunks, so a long run shows its progress. */
function run(bundle, job) {
  return new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { bundle, job } });
    const out = [];
    w.on('message', (m) => {
      out.push(...m.results);
      progress(job.kind, m.results);
      if (m.done) resolve(out);
    });
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`worker exited ${code}`)));
  });
}

const tally = { aa: 0, rollbacks: 0, started: Date.now() };
function progress(kind, results) {
  if (kind !== 'aa') return;
  const before = tally.aa;
  tally.aa += results.length;
  tally.rollbacks += results.filter((r) => r.rollbackLook !== null).length;
  if (Math.floor(tally.aa / 500) > Math.floor(before / 500))
    console.log(
      `  … ${tally.aa} A/A canaries, ${tally.rollbacks} false rollbacks, ${((Date.now() - tally.started) / 1000).toFixed(0)} s`,
    );
}

async function work() {
  const { bundle, job } = workerData;
  const { decideCanary, RolloutSchema, simulateArm } = await import(pathToFileURL(bundle).href);
  const out = [];
  if (job.kind === 'aa') {
    const rollout = RolloutSchema.parse(STRICT);
    for (const seed of job.seeds) {
      const size = job.looks * job.batch;
      const k = simulateArm(seed, size, 'canary');
      const c = simulateArm(seed + 1_000_003, size, 'control');
      let rollbackLook = null;
      let triggers = [];
      // Every look, whatever the last one said: the bound is over all of them.
      for (let look = 1; look <= job.looks; look++) {
        const m = look * job.batch;
        const d = decideCanary(k.slice(0, m), c.slice(0, m), rollout, { canary: 'k', control: 'c', look });
        if (d.decision === 'rollback') {
          rollbackLook = look;
          triggers = d.metrics.filter((x) => x.status === 'rollback').map((x) => x.metric);
          break;
        }
      }
      out.push({ seed, rollbackLook, triggers });
      if (out.length === 50) parentPort.postMessage({ results: out.splice(0) });
    }
  } else {
    const rollout = RolloutSchema.parse(TYPICAL);
    const s = SCENARIOS[job.scenario];
    for (const seed of job.seeds) {
      const size = job.looks * job.batch;
      const k = simulateArm(seed, size, 'canary', s.canary);
      const c = simulateArm(seed + 1_000_003, size, 'control', s.control);
      let d;
      for (let look = 1; look <= job.looks; look++) {
        const m = look * job.batch;
        d = decideCanary(k.slice(0, m), c.slice(0, m), rollout, { canary: 'k', control: 'c', look });
        if (d.decision !== 'continue') break;
      }
      out.push({
        seed,
        decision: d.decision,
        look: d.look,
        canaryRecords: d.records.canary,
        triggers: d.metrics.filter((x) => x.status === 'rollback').map((x) => x.metric),
      });
    }
  }
  parentPort.postMessage({ results: out, done: true });
}

/** Wilson score interval for k successes in n trials, 95 %. */
function wilson(k, n) {
  const z = 1.959963984540054;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

function quantile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

if (isMainThread) await main();
else await work();
