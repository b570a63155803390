import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { SETTLE_SAMPLE_OFFSET } from '../../src/pipeline/gate-change.js';
import { createRepo } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';

// A nondeterministic system under test, reproducible: case `id`'s answer to its n-th call
// with sample index `sample` is right with probability `quality` (solid cases: 0.99), the coin
// being a hash of (salt, id, sample, n). Counting earlier calls in the log makes every call a
// fresh draw — as a model at temperature > 0 is — while the whole run stays reproducible.
// The log also records which tree (working tree or the base's worktree) made each call.
const BOT = `const fs = require('node:fs');
const { createHash } = require('node:crypto');
let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', () => {
  const { case: id, sample } = JSON.parse(input);
  const { quality, salt } = JSON.parse(fs.readFileSync('quality.json', 'utf8'));
  const log = process.env.BOT_LOG;
  const key = id + ' ' + sample + ' ';
  const earlier = fs.existsSync(log)
    ? fs.readFileSync(log, 'utf8').split('\\n').filter((l) => l.startsWith(key)).length
    : 0;
  fs.appendFileSync(log, key + process.cwd() + '\\n');
  const u = createHash('sha256').update(salt + '/' + key + earlier).digest().readUInt32BE(0) / 2 ** 32;
  const p = id.startsWith('fragile') ? quality : 0.99;
  process.stdout.write(JSON.stringify({ output: u < p ? 'yes' : 'no' }));
});
`;

const SOLID = 30;
const BUDGET = 60;

interface Scenario {
  fragile: number;
  /** The fragile cases' pass probability at the base and on the change. */
  base: number;
  head: number;
  /** Found by trying salts: one whose stage 1 happens to be an inconclusive regression. */
  salt: string;
}

function project(sc: Scenario) {
  const repo = createRepo();
  const cases = [
    ...Array.from({ length: SOLID }, (_, i) => `solid-${i}`),
    ...Array.from({ length: sc.fragile }, (_, i) => `fragile-${i}`),
  ];
  repo.write({
    'evalgate.yml': [
      'targets:',
      '  bot: { type: command, command: [node, bot.cjs], components: [quality] }',
      'components:',
      '  quality: { kind: prompt, paths: [quality.json] }',
      'suites: [suites/*.yml]',
      'cache: { enabled: false }',
      'concurrency: 4',
      'baseline: { store: path, path: .evalgate/baselines, privacy: raw }',
      // Process start-up times are no latency worth a budget warning here.
      `gate: { resample: { callBudget: ${BUDGET}, samplesPerArm: 3 }, budgets: { latencyP95: { maxIncreasePct: null } } }`,
      '',
    ].join('\n'),
    'bot.cjs': BOT,
    'quality.json': JSON.stringify({ quality: sc.base, salt: sc.salt }),
    'suites/support.yml': [
      'id: support',
      'tier: trusted',
      'cases:',
      ...cases.map(
        (id) => `  - { id: ${id}, vars: { q: ${id} }, graders: [{ type: equals, value: "yes" }] }`,
      ),
      '',
    ].join('\n'),
  });
  repo.commit('base');
  return repo;
}

async function cli(argv: string[], cwd: string, log: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BOT_LOG: log },
    isTTY: false,
  });
  return { code, stdout, stderr };
}

function calls(log: string): { case: string; sample: number; rerun: boolean }[] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, sample, ...cwd] = l.split(' ');
      return { case: id!, sample: Number(sample), rerun: cwd.join(' ').includes('evalgate-rerun-') };
    });
}

/**
 * Runs the base on main (saved as the baseline), changes the prompt on a branch, runs
 * `run --base main`, and checks stage 1 was an inconclusive regression at α₁ and that stage 2
 * re-sampled exactly the planned discordant cases, samplesPerArm each, in both arms, within
 * the budget, and settled the verdict. Returns the comparison document for more checks.
 */
async function settleScenario(sc: Scenario) {
  const repo = project(sc);
  const log = join(tempDir('evalgate-bot-'), 'calls.log');
  expect((await cli(['run'], repo.dir, log)).code).toBe(0);
  expect((await cli(['baseline', 'save'], repo.dir, log)).code).toBe(0);

  repo.branch('change');
  repo.write({ 'quality.json': JSON.stringify({ quality: sc.head, salt: sc.salt, note: 'reworded' }) });
  repo.commit('reword the prompt');
  const before = calls(log).length;
  const r = await cli(['run', '--base', 'main'], repo.dir, log);
  const made = calls(log).slice(before);
  const doc = JSON.parse(readFileSync(join(repo.dir, 'evalgate-comparison.json'), 'utf8'));
  const { settlement } = doc;
  const passRate = doc.comparison.suites[0].metrics.find((m: { metric: string }) => m.metric === 'passRate');

  // Stage 1, at α₁: one sample of every case, and an inconclusive regression.
  const stage1 = made.slice(0, SOLID + sc.fragile);
  expect(stage1.every((c) => !c.rerun && c.sample === 0)).toBe(true);
  expect(passRate.alpha).toBe(0.031);
  expect(settlement).toMatchObject({ status: 'ran', verdictBefore: 'inconclusive' });
  // The comparison shows the verdict re-sampling reached, and says so.
  const outcome = settlement.suites[0].metrics.find(
    (m: { metric: string }) => m.metric === 'passRate',
  ).outcome;
  if (outcome === 'inconclusive') expect(passRate.verdict).toBe('inconclusive');
  else expect(passRate).toMatchObject({ settledBy: 'resampling' });

  // Stage 2: the same discordant cases, samplesPerArm each, in the working tree and at the base.
  const discordant = doc.comparison.suites[0].transitions
    .filter((t: { change: string }) => t.change === 'worse' || t.change === 'better')
    .map((t: { id: string }) => t.id);
  const stage2 = made.slice(SOLID + sc.fragile);
  const resampled = settlement.cases.map((c: { case: string }) => c.case).sort();
  expect(resampled.length).toBeGreaterThan(0);
  expect(discordant).toEqual(expect.arrayContaining(resampled));
  const arm = (rerun: boolean) =>
    stage2
      .filter((c) => c.rerun === rerun)
      .map((c) => `${c.case}#${c.sample}`)
      .sort();
  // Fresh samples: indices (and so seeds) past any the first run used.
  const expected = resampled
    .flatMap((id: string) => [0, 1, 2].map((s) => `${id}#${SETTLE_SAMPLE_OFFSET + s}`))
    .sort();
  expect(arm(false)).toEqual(expected);
  expect(arm(true)).toEqual(expected);
  expect(stage2.length).toBeLessThanOrEqual(BUDGET);
  expect(settlement.calls).toMatchObject({ budget: BUDGET, made: stage2.length });

  // Settled, one way or the other, and said so.
  expect(['pass', 'fail']).toContain(settlement.verdictAfter);
  expect(doc.verdict).toBe(settlement.verdictAfter);
  expect(r.stderr).toMatch(
    /Re-sampling \(α split 0\.031 \+ 0\.0189, budget 60 calls\): \d+ discordant cases? × 3/,
  );
  expect(r.stderr).toContain(`Verdict: inconclusive → ${settlement.verdictAfter}`);
  expect(r.stderr).toContain(`evalgate: gate verdict: ${settlement.verdictAfter}`);
  expect(r.code).toBe(settlement.verdictAfter === 'fail' ? 1 : 0);
  return { doc, settlement, passRate, discordant, stdout: r.stdout };
}

describe('evalgate run --base with gate.resample: settle an inconclusive regression by re-sampling', () => {
  it('confirms a real regression that stage 1 could not tell from noise: the gate fails', async () => {
    // 14 fragile cases fall from 95% to 30%; one sample each leaves McNemar at p = 0.11.
    const { settlement, passRate, discordant, stdout } = await settleScenario({
      fragile: 14,
      base: 0.95,
      head: 0.3,
      salt: 'r0.95-0.3-s4',
    });
    expect(passRate.reason).toMatch(/^confirmed by re-sampling \d+ discordant cases: /);
    // The budget covers 10 of the discordant cases: 60 calls, 3 samples × 2 arms each.
    expect(settlement.cases).toHaveLength(10);
    expect(settlement.skipped).toBe(discordant.length - 10);
    expect(settlement.verdictAfter).toBe('fail');
    expect(settlement.suites[0].metrics[0]).toMatchObject({
      outcome: 'regressed',
      stage2: { verdict: 'regressed' },
    });
    expect(stdout).toMatch(/pass rate regressed on re-sampling: 10 discordant cases re-sampled/i);
  }, 60_000);

  it('settles a drop that was noise: fresh samples of the discordant cases agree, the gate passes', async () => {
    const { settlement, passRate } = await settleScenario({
      fragile: 14,
      base: 0.9,
      head: 0.9,
      salt: 'a0.9-s7',
    });
    expect(passRate.reason).toMatch(/^settled by re-sampling \d+ discordant cases: /);
    expect(settlement.cases).toHaveLength(4);
    expect(settlement.calls.made).toBe(24);
    expect(settlement.verdictAfter).toBe('pass');
    expect(settlement.suites[0].metrics[0]).toMatchObject({
      outcome: 'settled',
      stage2: { verdict: 'unchanged' },
    });
  }, 60_000);
});
