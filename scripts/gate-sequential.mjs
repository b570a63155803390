// npm run bench:sequential: sequential sampling (src/gate/sequential.ts) against fixed repeats,
// with enough seeded trials to state the rates. Not a test: it prints the README's table.
//
// Each trial is a fresh 200-case suite of the realistic mix the gate simulations use (most
// cases near 0 or 1, 15% flaky around ½), a baseline of one sample per case, and two changes:
// A/A (the same probabilities: any block is a false one) and 20 reliably passing cases
// breaking to p = 0.02 (a block is a detection). Rows: one sample per case, `repeat: 3` (the
// baseline at 3 too), and sequential sampling, whose fresh samples in both arms are drawn from
// the true probabilities, as re-running the cases would give. Every row goes through the real
// rounds (sampleSequentially), comparison and gate: test/kits/sequential-simulation.ts, bundled with esbuild
// for this run. Calls are the pull request's: both arms' fresh samples count, the stored
// baseline's own do not.
//
//   node scripts/gate-sequential.mjs [--trials 2000] [--seed 1] [--cases 200] [--broken 20]
//                                    [--max-samples 3] [--call-budget 1.5] [--json FILE]
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { markdownTable } from 'markdown-table';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: '200' },
    broken: { type: 'string', default: '20' },
    'max-samples': { type: 'string', default: '3' },
    'call-budget': { type: 'string', default: '1.5' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (args.help) {
  console.log(
    'Usage: node scripts/gate-sequential.mjs [--trials 2000] [--seed 1] [--cases 200] [--broken 20] [--max-samples 3] [--call-budget 1.5] [--json FILE]',
  );
  process.exit(0);
}
function usage(message) {
  console.error(`gate-sequential: ${message}`);
  process.exit(2);
}
const num = (name, min, integer = true) => {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)))
    usage(`--${name} takes a ${integer ? 'whole ' : ''}number ≥ ${min}, got '${args[name]}'`);
  return v;
};
const trials = num('trials', 1);
const seed = num('seed', 0);
const cases = num('cases', 1);
const broken = num('broken', 0);
const maxSamples = num('max-samples', 2);
const callBudget = num('call-budget', 1, false);

// The simulation is TypeScript (test/kits); bundle it once into a temporary folder.
const work = mkdtempSync(join(tmpdir(), 'evalgate-sequential-'));
let simulateSequential;
try {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const outfile = join(work, 'simulation.mjs');
  await build({
    entryPoints: [join(root, 'test', 'kits', 'sequential-simulation.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
    define: { __EVALGATE_VERSION__: JSON.stringify(pkg.version) },
    external: ['@duckdb/node-api'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  ({ simulateSequential } = await import(pathToFileURL(outfile).href));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown CPU',
  cores: cpus().length,
  node: process.version,
  date: new Date().toISOString().slice(0, 10),
  loadStart: load(),
};
console.error(
  `gate-sequential: ${trials} trials of a ${cases}-case suite, ${broken} broken; maxSamples ${maxSamples}, callBudget ${callBudget}; ${machine.cores} × ${machine.cpu}, Node ${machine.node}`,
);
const started = Date.now();
// In chunks, each with its own seed, so progress shows and a long run can be watched.
const CHUNK = 100;
const rows = { repeat1: null, repeat3: null, sequential: null };
for (let done = 0, chunk = 0; done < trials; chunk++) {
  const n = Math.min(CHUNK, trials - done);
  const r = await simulateSequential({
    trials: n,
    cases,
    broken,
    seed: seed * 1_000_003 + chunk,
    maxSamples,
    callBudget,
  });
  for (const key of Object.keys(rows)) {
    const acc = (rows[key] ??= { aa: blank(), power: blank() });
    for (const arm of ['aa', 'power']) {
      const x = r[key][arm];
      acc[arm].trials += x.trials;
      acc[arm].blocked += x.blocked;
      acc[arm].inconclusive += x.inconclusive;
      acc[arm].callSum += x.calls * x.trials;
      acc[arm].calls.push(x.calls);
    }
  }
  done += n;
  const elapsed = (Date.now() - started) / 1000;
  console.error(
    `  ${done}/${trials} trials · ${elapsed.toFixed(0)} s · ETA ${Math.round((elapsed / done) * (trials - done))} s`,
  );
}
machine.loadEnd = load();
machine.seconds = Math.round((Date.now() - started) / 1000);

function blank() {
  return { trials: 0, blocked: 0, inconclusive: 0, callSum: 0, calls: [] };
}

function wilson(x, n) {
  if (n === 0) return [0, 1];
  const z = 1.959963984540054;
  const p = x / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z / d) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [x === 0 ? 0 : Math.max(0, c - h), x === n ? 1 : Math.min(1, c + h)];
}

const pct = (x) => `${(100 * x).toFixed(x > 0 && x < 0.1 ? 2 : 1)}%`;
const rate = (a) => {
  const [lo, hi] = wilson(a.blocked, a.trials);
  return `${pct(a.blocked / a.trials)} (${pct(lo)}–${pct(hi)})`;
};
const ratio = (a) => `${(a.callSum / a.trials / cases).toFixed(2)}×`;
const LABELS = {
  repeat1: '1 sample per case',
  repeat3: '3 samples per case (`repeat: 3`)',
  sequential: `sequential (\`sampling: { mode: sequential, maxSamples: ${maxSamples}, callBudget: ${callBudget} }\`)`,
};
const table = markdownTable([
  [
    `${cases}-case suite, ${trials} trials`,
    'A/A false blocks',
    'A/A inconclusive',
    'A/A calls ÷ cases',
    `power: ${broken} cases break`,
    'power: calls ÷ cases',
  ],
  ...Object.entries(rows).map(([key, r]) => [
    LABELS[key],
    rate(r.aa),
    pct(r.aa.inconclusive / r.aa.trials),
    ratio(r.aa),
    rate(r.power),
    ratio(r.power),
  ]),
]);
const flags = [`--trials ${trials}`, ...(seed !== 1 ? [`--seed ${seed}`] : [])];
console.log(
  `${table}\n\nWilson 95% intervals in brackets. Measured ${machine.date} on ${machine.cores} × ${machine.cpu}, Node ${machine.node}, load average ${machine.loadStart} at the start and ${machine.loadEnd} at the end, seed ${seed}, \`npm run bench:sequential -- ${flags.join(' ')}\`, ${machine.seconds} s.`,
);
if (args.json) {
  const summary = Object.fromEntries(
    Object.entries(rows).map(([key, r]) => [
      key,
      Object.fromEntries(
        ['aa', 'power'].map((arm) => {
          const a = r[arm];
          return [
            arm,
            {
              trials: a.trials,
              blocked: a.blocked,
              rate: a.blocked / a.trials,
              wilson95: wilson(a.blocked, a.trials),
              inconclusive: a.inconclusive,
              callsPerCase: a.callSum / a.trials / cases,
            },
          ];
        }),
      ),
    ]),
  );
  writeFileSync(
    args.json,
    `${JSON.stringify({ machine, options: { trials, seed, cases, broken, maxSamples, callBudget }, summary }, null, 2)}\n`,
  );
}
