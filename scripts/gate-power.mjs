// npm run bench:gate: the gate's false alarms and power, measured end to end. The bundled CLI
// (dist/cli.js, `npm run build` first) runs as separate processes against a stochastic
// OpenAI-compatible server in another process (scripts/gate-power-server.mjs), through the
// `openai` target and the real SDK. Not a test: it prints the README's table.
//
// One trial is one 200-case trusted suite with its own per-case pass probabilities, in a real
// git repository: prompt v1 committed on main and run, then each change committed on a branch
// from main and run:
//   aa     a harmless wording edit (different bytes, the server treats it as v1): any block is
//          a false alarm
//   power  prompt v2, which breaks 20 reliably passing cases (p → 0.02): a block is a detection
// Rows: 1 sample per case and 3 (`repeat: 3`): `evalgate compare` of the branch's Results with
// main's. Settling: `evalgate run --base main` (baseline saved on main with `evalgate baseline
// save`, path store), which plans, runs, compares, and re-samples inconclusive suites in both
// arms (the base arm in a worktree); its run is the one the 1-sample row compares, so the two
// rows judge the same pull requests. The naive gate (pass rate down > 2 points) reads the same runs.
// Sequential (`seq`): a project of its own with `gate.sampling: { mode: sequential }`, judged by
// `evalgate run --base main`, which samples again, in both arms, only the cases whose arms
// disagree (src/gate/sequential.ts); its calls are the run's plus both arms' fresh samples.
// "Blocked" is exit code 1; any other exit but 0, or a single errored sample, stops the measurement.
//
//   node scripts/gate-power.mjs [--trials 200] [--only aa-1,power-1] [--parallel 2] [--seed 1]
//                               [--minutes M] [--json FILE]
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { markdownTable } from 'markdown-table';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');

const MODES = {
  1: { repeat: 1, settle: false, label: '1 sample per case' },
  3: { repeat: 3, settle: false, label: '3 samples per case (`repeat: 3`)' },
  settle: { repeat: 1, settle: true, label: '1 sample per case, settling' },
  seq: { repeat: 1, sequential: true, label: 'sequential sampling' },
};
const CELLS = Object.fromEntries(
  Object.keys(MODES).flatMap((mode) => [
    [`aa-${mode}`, { mode, arm: 'aa' }],
    [`power-${mode}`, { mode, arm: 'power' }],
  ]),
);
const PROMPTS = {
  base: '[system]\nYou answer quiz questions. Prompt v1.\n[user]\n{{question}}\n',
  aa: '[system]\nYou answer quiz questions, briefly. Prompt v1.\n[user]\n{{question}}\n',
  power: '[system]\nYou answer quiz questions. Prompt v2.\n[user]\n{{question}}\n',
};

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '200' },
    only: { type: 'string', default: Object.keys(CELLS).join(',') },
    parallel: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: '200' },
    broken: { type: 'string', default: '20' },
    'call-budget': { type: 'string', default: '120' },
    'samples-per-arm': { type: 'string', default: '3' },
    'max-samples': { type: 'string', default: '3' },
    'sampling-budget': { type: 'string', default: '1.5' },
    minutes: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (args.help) {
  console.log(
    `Usage: node scripts/gate-power.mjs [--trials N] [--only CELL,...] [--parallel P] [--seed S] [--minutes M] [--json FILE]\n` +
      `Cells: ${Object.keys(CELLS).join(', ')}. --minutes stops starting new trials after M minutes.\n` +
      `Also: --cases 200 --broken 20 --call-budget 120 --samples-per-arm 3 --max-samples 3 --sampling-budget 1.5.`,
  );
  process.exit(0);
}
const int = (name, min) => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min) usage(`--${name} takes a whole number ≥ ${min}, got '${args[name]}'`);
  return v;
};
function usage(message) {
  console.error(`gate-power: ${message}`);
  process.exit(2);
}
const trials = int('trials', 1);
const parallel = int('parallel', 1);
const seed = int('seed', 0);
const cases = int('cases', 1);
const broken = int('broken', 0);
const callBudget = int('call-budget', 0);
const samplesPerArm = int('samples-per-arm', 1);
const maxSamples = int('max-samples', 2);
const samplingBudget = Number(args['sampling-budget']);
if (!(samplingBudget >= 1)) usage(`--sampling-budget takes a number ≥ 1, got '${args['sampling-budget']}'`);
const minutes = args.minutes === undefined ? Infinity : Number(args.minutes);
if (!(minutes > 0)) usage(`--minutes takes a positive number, got '${args.minutes}'`);
const cells = args.only.split(',').map((c) => c.trim());
for (const c of cells) if (!CELLS[c]) usage(`unknown cell '${c}': expected ${Object.keys(CELLS).join(', ')}`);
if (!existsSync(cli)) usage(`${cli} is missing: run 'npm run build' first`);
/** The table's rows: per mode, the arms wanted. */
const modes = Object.keys(MODES).flatMap((mode) => {
  const arms = ['aa', 'power'].filter((arm) => cells.includes(`${arm}-${mode}`));
  return arms.length ? [{ mode, arms }] : [];
});
/**
 * The jobs of one trial: one per `repeat`, running the arms its rows want, in a fixed order so
 * the server's call counts (and so every coin) are the same on every run.
 */
const jobKinds = [
  ...[1, 3].flatMap((repeat) => {
    const rows = modes.filter(({ mode }) => MODES[mode].repeat === repeat && !MODES[mode].sequential);
    const arms = ['aa', 'power'].filter((arm) => rows.some((r) => r.arms.includes(arm)));
    return arms.length ? [{ repeat, arms }] : [];
  }),
  ...modes
    .filter(({ mode }) => MODES[mode].sequential)
    .map(({ arms }) => ({ repeat: 1, sequential: true, arms })),
];

// ---------------------------------------------------------------- processes and clean-up

const work = mkdtempSync(join(tmpdir(), 'evalgate-power-'));
// The CLI's own temporary files (the settling worktree) go under `work` too, so they are
// removed with it even when a CLI process is killed half way.
const childTmp = join(work, 'tmp');
mkdirSync(childTmp);
const children = new Set();
let server;
let stopping = false;

function cleanUp() {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  server?.child.kill('SIGKILL');
  // A child killed a moment ago may still be writing: retry a directory that is not empty yet.
  rmSync(work, { recursive: true, force: true, maxRetries: 5 });
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, () => {
    console.error(`\ngate-power: ${signal}: stopping, removing ${work}`);
    stopping = true;
    cleanUp();
    process.exit(130);
  });

function startServer() {
  const child = fork(
    join(root, 'scripts', 'gate-power-server.mjs'),
    [JSON.stringify({ seed, cases, broken, brokenP: 0.02 })],
    { execPath: nodeWithTypeStripping(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const waiters = [];
  child.on('message', (m) => waiters.shift()?.(m));
  child.on('exit', (code) => {
    if (!stopping) fatal(new Error(`the server exited (${code}) during the measurement`));
  });
  const next = () => new Promise((r) => waiters.push(r));
  return next().then(({ url }) => ({
    child,
    url,
    stats: () => (child.send('stats'), next()),
    forget: (trial) => child.send({ forget: trial }),
  }));
}

function nodeWithTypeStripping() {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 23 ? process.execPath : join(root, 'node_modules', 'node', 'bin', 'node');
}

/** Runs a command to its end; resolves with its exit code and output, never rejects on a non-zero exit. */
function exec(command, argv, cwd, env = {}) {
  return new Promise((resolve, reject) => {
    if (stopping) return reject(new Error('stopping'));
    const child = spawn(command, argv, {
      cwd,
      env: {
        ...process.env,
        ...env,
        TMPDIR: childTmp,
        CI: 'true',
        NO_COLOR: '1',
        GIT_AUTHOR_NAME: 'gate-power',
        GIT_AUTHOR_EMAIL: 'gate-power@localhost',
        GIT_COMMITTER_NAME: 'gate-power',
        GIT_COMMITTER_EMAIL: 'gate-power@localhost',
        GIT_CONFIG_NOSYSTEM: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code: code ?? signal, stdout, stderr });
    });
  });
}

const evalgate = (argv, cwd, stream) =>
  exec(process.execPath, [cli, ...argv], cwd, {
    POWER_API_KEY: 'power-key',
    EVALGATE_POWER_STREAM: stream,
  });

async function git(argv, cwd) {
  const r = await exec('git', ['-c', 'commit.gpgsign=false', ...argv], cwd);
  if (r.code !== 0) throw new Error(`git ${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
}

function expectExit(r, allowed, what) {
  if (allowed.includes(r.code)) return r;
  const tail = (s) => s.trim().split('\n').slice(-15).join('\n');
  throw new Error(`${what} exited ${r.code}:\n${tail(r.stderr)}\n${tail(r.stdout)}`);
}

/** `evalgate run --json`'s output ({path, summary}), checked: every sample answered, none errored. */
function checkRun(r, samples, what) {
  expectExit(r, [0, 1], what);
  const doc = JSON.parse(r.stdout);
  const { summary } = doc;
  if (summary.errors !== 0 || summary.partial || summary.samples !== samples)
    throw new Error(`${what}: ${JSON.stringify(summary)} (expected ${samples} samples, no errors)`);
  return doc;
}

// ---------------------------------------------------------------- the project under test

function writeProject(dir, { repeat, settle, sequential }) {
  mkdirSync(join(dir, 'suites'), { recursive: true });
  writeFileSync(
    join(dir, 'evalgate.yml'),
    [
      'version: 1',
      'targets:',
      '  quiz:',
      '    type: openai',
      `    baseURL: ${server.url}`,
      '    apiKeyEnv: POWER_API_KEY',
      '    prompt: prompt.md',
      '    model: model.yaml',
      // Which trial and arm a request belongs to: the server's coins are keyed on it.
      "    headers: { X-Power-Stream: '${env:EVALGATE_POWER_STREAM}' }",
      'suites: [suites/quiz.yml]',
      'concurrency: 8',
      'retries: 2',
      'cache: { enabled: false, dir: .evalgate/cache }',
      'baseline: { store: path, path: .evalgate/baselines }',
      'gate:',
      // The local server's latency measures only how busy the machine is: its budget would
      // add warnings that depend on the load, and make the verdicts differ between runs.
      '  budgets: { latencyP95: { maxIncreasePct: null } }',
      ...(settle ? [`  resample: { callBudget: ${callBudget}, samplesPerArm: ${samplesPerArm} }`] : []),
      ...(sequential
        ? [`  sampling: { mode: sequential, maxSamples: ${maxSamples}, callBudget: ${samplingBudget} }`]
        : []),
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'model.yaml'), 'model: gpt-4o-mini\ntemperature: 1\nmax_tokens: 16\n');
  writeFileSync(
    join(dir, 'suites', 'quiz.yml'),
    `id: quiz\ntier: trusted\nrepeat: ${repeat}\ngraders:\n  - { type: contains }\ndataset: cases.jsonl\n`,
  );
  const lines = [];
  for (let i = 0; i < cases; i++)
    lines.push(
      JSON.stringify({ id: `case-${i}`, vars: { question: `Question ${i}?` }, expected: `ANSWER-${i}` }),
    );
  writeFileSync(join(dir, 'suites', 'cases.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, '.gitignore'), '.evalgate/\nevalgate-*.json\n*.out.json\n');
  writeFileSync(join(dir, 'prompt.md'), PROMPTS.base);
}

// ---------------------------------------------------------------- one trial at one repeat

/**
 * One trial at one `repeat`, in a git repository: v1 committed on main and run; each change
 * committed on a branch from main and run. The 1-sample row and the settling row judge the same
 * runs (a paired design): `evalgate compare` gates the branch's Results against main's, and
 * `evalgate run --base main` (whose run stage is the branch's run) adds settling on top.
 */
async function trialJob({ trial, repeat, arms, sequential }, dir) {
  if (sequential) return sequentialJob({ trial, arms }, dir);
  const settleArms = arms.filter((arm) => repeat === 1 && cells.includes(`${arm}-settle`));
  writeProject(dir, { repeat, settle: settleArms.length > 0 });
  const stream = (arm) => `${trial}/r${repeat}-${arm}`;
  const samples = cases * repeat;
  await git(['init', '-q', '-b', 'main'], dir);
  await git(['add', '.'], dir);
  await git(['commit', '-q', '-m', 'v1'], dir);
  const main = checkRun(
    await evalgate(['run', '--json', '--out', 'main.out.json'], dir, stream('main')),
    samples,
    'the run on main',
  );
  if (settleArms.length)
    expectExit(
      await evalgate(['baseline', 'save', '--results', 'main.out.json'], dir, stream('main')),
      [0],
      'baseline save',
    );
  const out = [];
  for (const arm of arms) {
    await git(['checkout', '-q', '-B', arm, 'main'], dir);
    writeFileSync(join(dir, 'prompt.md'), PROMPTS[arm]);
    await git(['commit', '-q', '-am', arm], dir);
    let run;
    if (settleArms.includes(arm)) {
      const r = await evalgate(['run', '--base', 'main', '--json'], dir, stream(arm));
      run = checkRun(r, samples, `run --base main (${arm})`);
      const file = JSON.parse(readFileSync(join(dir, 'evalgate-comparison.json'), 'utf8'));
      const s = file.settlement;
      // Stage 2 always has both arms here: one that could not run, or compared nothing (every
      // fresh sample of an arm errored), says the harness is broken, not the gate.
      const stage2 = s?.suites.flatMap((x) => x.metrics.map((m) => m.stage2?.verdict ?? 'missing')) ?? [];
      if (s?.status === 'failed' || stage2.some((v) => v === 'missing' || v === 'not-comparable'))
        throw new Error(`run --base main (${arm}): settling did not compare: ${JSON.stringify(s)}`);
      out.push({
        cell: `${arm}-settle`,
        trial,
        code: r.code,
        verdict: file.verdict,
        why: reasonsOf(file),
        ...(s && {
          settlement: {
            status: s.status,
            before: s.verdictBefore,
            after: s.verdictAfter,
            calls: s.calls.made,
            cases: s.cases.length,
          },
        }),
      });
    } else {
      run = checkRun(
        await evalgate(['run', '--json', '--out', `${arm}.out.json`], dir, stream(arm)),
        samples,
        `the ${arm} run`,
      );
    }
    if (repeat === 1) {
      // The naive gate, on the same runs: block when the pass rate drops by more than 2 points.
      const rate = (doc) => doc.summary.passed / doc.summary.samples;
      const drop = rate(main) - rate(run);
      out.push({
        cell: `${arm}-naive`,
        trial,
        code: drop > 0.02 ? 1 : 0,
        verdict: drop > 0.02 ? 'fail' : 'pass',
        drop,
      });
    }
    const results = run.path;
    if (cells.includes(`${arm}-${repeat}`)) {
      // compare reads only the `gate:` section, and never settles: the full α, one stage.
      const c = expectExit(
        await evalgate(
          [
            'compare',
            '--baseline',
            'main.out.json',
            '--current',
            results,
            '--config',
            'evalgate.yml',
            '--format',
            'json',
          ],
          dir,
          stream(arm),
        ),
        [0, 1],
        `compare (${arm})`,
      );
      const verdict = JSON.parse(c.stdout);
      out.push({
        cell: `${arm}-${repeat}`,
        trial,
        code: c.code,
        verdict: verdict.verdict,
        why: reasonsOf(verdict),
      });
    }
  }
  return out;
}

/**
 * One trial of sequential sampling, in a git repository of its own: v1 run on main and saved as
 * the baseline, then each change judged by `evalgate run --base main`.
 */
async function sequentialJob({ trial, arms }, dir) {
  writeProject(dir, { repeat: 1, sequential: true });
  const stream = (arm) => `${trial}/seq-${arm}`;
  await git(['init', '-q', '-b', 'main'], dir);
  await git(['add', '.'], dir);
  await git(['commit', '-q', '-m', 'v1'], dir);
  checkRun(
    await evalgate(['run', '--json', '--out', 'main.out.json'], dir, stream('main')),
    cases,
    'the run on main',
  );
  expectExit(
    await evalgate(['baseline', 'save', '--results', 'main.out.json'], dir, stream('main')),
    [0],
    'baseline save',
  );
  const out = [];
  for (const arm of arms) {
    await git(['checkout', '-q', '-B', arm, 'main'], dir);
    writeFileSync(join(dir, 'prompt.md'), PROMPTS[arm]);
    await git(['commit', '-q', '-am', arm], dir);
    const r = await evalgate(['run', '--base', 'main', '--json'], dir, stream(arm));
    checkRun(r, cases, `run --base main (${arm}, sequential)`);
    const file = JSON.parse(readFileSync(join(dir, 'evalgate-comparison.json'), 'utf8'));
    const s = file.sampling;
    if (s?.status !== 'ran')
      throw new Error(`run --base main (${arm}): sequential sampling did not run: ${JSON.stringify(s)}`);
    // A fresh sample that errored is not noise to average away: it stops the measurement.
    const errors = file.comparison.suites.flatMap((x) => x.transitions).filter((t) => t.current.errors > 0);
    if (errors.length)
      throw new Error(`run --base main (${arm}): ${errors.length} case(s) with errored samples`);
    out.push({
      cell: `${arm}-seq`,
      trial,
      code: r.code,
      verdict: file.verdict,
      why: reasonsOf(file),
      sampling: { calls: s.calls.total, extra: s.calls.extra, rounds: s.rounds },
    });
  }
  return out;
}

/** The verdict's reasons above `info`, for the JSON: why a trial blocked or stayed inconclusive. */
function reasonsOf(verdict) {
  return verdict.reasons.filter((r) => r.level !== 'info').map((r) => `${r.level}: ${r.message}`);
}

async function runJob(job) {
  const dir = mkdtempSync(join(work, `t${job.trial}-${job.sequential ? 'seq' : `r${job.repeat}`}-`));
  try {
    return await trialJob(job, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the measurement

function wilson(x, n) {
  if (n === 0) return [0, 1];
  const z = 1.959963984540054;
  const p = x / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z / d) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [x === 0 ? 0 : Math.max(0, c - h), x === n ? 1 : Math.min(1, c + h)];
}

function summarise(records) {
  const naive = ['aa-naive', 'power-naive'].filter((c) => records.some((r) => r.cell === c));
  return Object.fromEntries(
    [...cells, ...naive].map((cell) => {
      const rs = records.filter((r) => r.cell === cell);
      const n = rs.length;
      const blocked = rs.filter((r) => r.code === 1).length;
      const inconclusive = rs.filter((r) => r.verdict === 'inconclusive').length;
      const settled = rs.filter((r) => r.settlement?.status === 'ran');
      const sampled = rs.filter((r) => r.sampling);
      return [
        cell,
        {
          trials: n,
          blocked,
          rate: n ? blocked / n : null,
          wilson95: wilson(blocked, n),
          inconclusive,
          inconclusiveRate: n ? inconclusive / n : null,
          ...(cell.endsWith('-settle') && {
            settlingRan: settled.length,
            meanCallsWhenRan: settled.length
              ? settled.reduce((k, r) => k + r.settlement.calls, 0) / settled.length
              : 0,
            meanCallsPerTrial: n ? settled.reduce((k, r) => k + r.settlement.calls, 0) / n : 0,
          }),
          ...(cell.endsWith('-seq') && {
            meanCallsPerCase: n ? sampled.reduce((k, r) => k + r.sampling.calls, 0) / n / cases : 0,
          }),
        },
      ];
    }),
  );
}

const pct = (x) => (x === null ? '—' : `${(100 * x).toFixed(x < 0.1 && x > 0 ? 1 : 0)}%`);
const interval = ([lo, hi]) => `${pct(lo)}–${pct(hi)}`;

/** The README's table and the paragraph under it, formatted as prettier would (ready to paste). */
function table(summary, machine) {
  const cell = (id) => summary[id];
  const rate = (c) => (c ? `${pct(c.rate)} (${interval(c.wilson95)})` : '—');
  const share = (c) => (c ? pct(c.inconclusiveRate) : '—');
  const count = (...cs) => [...new Set(cs.filter(Boolean).map((c) => c.trials))].join(' / ');
  const label = (mode) =>
    MODES[mode].settle
      ? `evalgate, 1 sample per case, settling (\`resample: { callBudget: ${callBudget}, samplesPerArm: ${samplesPerArm} }\`)`
      : MODES[mode].sequential
        ? `evalgate, sequential sampling (\`sampling: { mode: sequential, maxSamples: ${maxSamples}, callBudget: ${samplingBudget} }\`)`
        : `evalgate, ${MODES[mode].label}`;
  const rows = modes.map(({ mode }) => {
    const aa = cell(`aa-${mode}`);
    const pw = cell(`power-${mode}`);
    return [label(mode), rate(aa), share(aa), rate(pw), share(pw), count(aa, pw)];
  });
  const [naiveAa, naivePower] = [cell('aa-naive'), cell('power-naive')];
  if (naiveAa || naivePower)
    rows.push([
      'naive gate: fail when the pass rate drops > 2 pp (the same 1-sample runs)',
      rate(naiveAa),
      '—',
      rate(naivePower),
      '—',
      count(naiveAa, naivePower),
    ]);
  const calls = modes
    .filter(({ mode }) => MODES[mode].settle)
    .flatMap(({ arms }) => arms.map((arm) => [arm, cell(`${arm}-settle`)]))
    .map(
      ([arm, c]) =>
        `${arm === 'aa' ? 'A/A' : 'power'}: re-sampled in ${pct(c.settlingRan / c.trials)} of trials, ${c.meanCallsPerTrial.toFixed(0)} extra calls per trial on average`,
    );
  const seqCalls = modes
    .filter(({ mode }) => MODES[mode].sequential)
    .flatMap(({ arms }) => arms.map((arm) => [arm, cell(`${arm}-seq`)]))
    .map(([arm, c]) => `${arm === 'aa' ? 'A/A' : 'power'} ${c.meanCallsPerCase.toFixed(2)}×`);
  const flags = [
    `--trials ${trials}`,
    ...(args.only !== Object.keys(CELLS).join(',') ? [`--only ${args.only}`] : []),
    ...(args.minutes !== undefined ? [`--minutes ${args.minutes}`] : []),
    ...(seed !== 1 ? [`--seed ${seed}`] : []),
  ];
  const header = [
    `${cases}-case trusted suite, end to end`,
    'A/A false blocks',
    'A/A inconclusive',
    `power: ${broken} of ${cases} cases break`,
    'power: inconclusive',
    'trials',
  ];
  return [
    markdownTable([header, ...rows]),
    '',
    [
      ...(calls.length
        ? [
            `Settling judges the same runs as the 1-sample row and re-samples when they are inconclusive; ${calls.join('; ')}.`,
          ]
        : []),
      ...(seqCalls.length
        ? [
            `Sequential sampling runs a project of its own per trial; its calls, both arms' fresh samples included, per case: ${seqCalls.join(', ')}.`,
          ]
        : []),
      `Measured ${machine.date} on ${machine.cores} × ${machine.cpu}, Node ${machine.node}, load average ${machine.loadStart} at the start and ${machine.loadEnd} at the end, seed ${seed}, \`npm run bench:gate -- ${flags.join(' ')}\`, ${machine.minutes} min.`,
    ].join(' '),
  ].join('\n');
}

let failure;
function fatal(e) {
  if (failure || stopping) return;
  failure = e;
  stopping = true;
  for (const child of children) child.kill('SIGKILL');
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
  `gate-power: ${trials} trials × ${cells.join(', ')}; ${parallel} at a time; ${machine.cores} × ${machine.cpu}, Node ${machine.node}, load ${machine.loadStart}`,
);
server = await startServer();

const started = Date.now();
const records = [];
const jobs = [];
let trialsStarted = 0;
/** Jobs in trial order, each trial's together; no new trial starts after --minutes. */
function nextJob() {
  if (stopping) return undefined;
  if (jobs.length === 0) {
    if (trialsStarted >= trials || Date.now() - started > minutes * 60_000) return undefined;
    const trial = trialsStarted++;
    for (const kind of jobKinds) jobs.push({ ...kind, trial });
  }
  return jobs.shift();
}
const pending = new Map();
let done = 0;
const totalJobs = trials * jobKinds.length;
async function worker() {
  for (let job = nextJob(); job; job = nextJob()) {
    const t0 = Date.now();
    try {
      const out = await runJob(job);
      records.push(...out);
      done++;
      const left = (pending.get(job.trial) ?? jobKinds.length) - 1;
      if (left === 0) {
        pending.delete(job.trial);
        server.forget(job.trial);
      } else pending.set(job.trial, left);
      const elapsed = (Date.now() - started) / 1000;
      const eta = (elapsed / done) * (totalJobs - done);
      console.error(
        `  [${done}/${totalJobs}] trial ${job.trial} ${job.sequential ? 'sequential' : `repeat ${job.repeat}`}: ${out.map((r) => `${r.cell} ${r.verdict}${r.settlement ? ` (${r.settlement.status} ${r.settlement.before}→${r.settlement.after}, ${r.settlement.calls} calls)` : ''} exit ${r.code}`).join('; ')} · ${((Date.now() - t0) / 1000).toFixed(1)} s · ETA ${Math.round(eta)} s`,
      );
    } catch (e) {
      fatal(e);
    }
  }
}
await Promise.all(Array.from({ length: parallel }, worker));
if (failure) {
  console.error(`gate-power: the measurement stopped: ${failure.stack ?? failure}`);
  process.exit(1);
}
const stats = await server.stats();
stopping = true;
server.child.send('close');
machine.loadEnd = load();
machine.minutes = ((Date.now() - started) / 60_000).toFixed(1);
const summary = summarise(records);
const markdown = table(summary, machine);
if (args.json) {
  writeFileSync(
    args.json,
    `${JSON.stringify(
      {
        machine,
        options: {
          trials,
          cells,
          parallel,
          seed,
          cases,
          broken,
          brokenP: 0.02,
          callBudget,
          samplesPerArm,
          maxSamples,
          samplingBudget,
        },
        server: stats,
        summary,
        records: records.sort((a, b) => a.trial - b.trial || a.cell.localeCompare(b.cell)),
      },
      null,
      2,
    )}\n`,
  );
}
console.log(markdown);
