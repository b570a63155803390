import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { LoadedSuite } from '../../src/config/load.js';
import { caseWeight, parseShard, shardSuites } from '../../src/plan/shard.js';
import type { ResultsDocument, SuiteResult } from '../../src/results/types.js';
import { createRepo, type TempRepo } from '../helpers/git.js';

const cli = runCli;

/** Suites as the splitter sees them: ids, vars and repeats. */
function suites(spec: Record<string, { id: string; repeat?: number; size?: number }[]>): LoadedSuite[] {
  return Object.entries(spec).map(
    ([id, cases]) =>
      ({
        id,
        cases: cases.map((c) => ({
          id: c.id,
          repeat: c.repeat ?? 1,
          vars: { text: 'x'.repeat(c.size ?? 10) },
        })),
      }) as unknown as LoadedSuite,
  );
}

describe('the split (--shard I/N)', () => {
  const many = suites({
    a: Array.from({ length: 40 }, (_, i) => ({ id: `a${i}`, size: (i * 37) % 900, repeat: 1 + (i % 3) })),
    b: Array.from({ length: 25 }, (_, i) => ({ id: `b${i}`, size: (i * 53) % 400 })),
    c: [{ id: 'heavy', repeat: 10, size: 3000 }],
  });

  it('puts every case in exactly one shard, the same whatever order the suites were read in', () => {
    const n = 4;
    const seen = new Map<string, number>();
    const keys = new Set<string>();
    for (let i = 1; i <= n; i++) {
      const forward = shardSuites(many, { index: i, count: n });
      const shuffled = shardSuites(
        [...many].reverse().map((s) => ({ ...s, cases: [...s.cases].reverse() })),
        { index: i, count: n },
      );
      const ids = (x: LoadedSuite[]) => x.flatMap((s) => s.cases.map((c) => `${s.id}/${c.id}`)).sort();
      expect(ids(shuffled.suites)).toEqual(ids(forward.suites));
      keys.add(forward.info.key);
      keys.add(shuffled.info.key);
      for (const id of ids(forward.suites)) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    expect(keys.size).toBe(1); // one split, one key, on every shard
    expect(seen.size).toBe(66);
    expect([...seen.values()].every((k) => k === 1)).toBe(true);
  });

  it('balances expected cost, not counts: the heaviest shard is within one case of an even share', () => {
    for (const n of [2, 3, 5, 8]) {
      const loads = Array.from({ length: n }, (_, i) =>
        shardSuites(many, { index: i + 1, count: n }).suites.reduce(
          (sum, s) => sum + s.cases.reduce((t, c) => t + caseWeight(c), 0),
          0,
        ),
      );
      const total = loads.reduce((a, b) => a + b, 0);
      const heaviestCase = Math.max(...many.flatMap((s) => s.cases.map(caseWeight)));
      expect(Math.max(...loads)).toBeLessThanOrEqual(total / n + heaviestCase);
      // The 10-sample case weighs far more than a short one-shot case: it is not dealt like one.
      const withHeavy = Array.from(
        { length: n },
        (_, i) => shardSuites(many, { index: i + 1, count: n }).suites,
      )
        .map((x) => x.flatMap((s) => s.cases).length)
        .sort((a, b) => a - b);
      expect(withHeavy[0]).toBeLessThan(withHeavy.at(-1)!);
    }
  });

  it('names a different split by a different key, and rejects a malformed --shard', () => {
    const fewer = suites({ a: [{ id: 'a0' }, { id: 'a1' }] });
    expect(shardSuites(fewer, { index: 1, count: 2 }).info.key).not.toBe(
      shardSuites(many, { index: 1, count: 2 }).info.key,
    );
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1', '1/2/3', '-1/2'])
      expect(() => parseShard(bad), bad).toThrow(/--shard takes INDEX\/COUNT/);
  });
});

// The system under test answers by topic; one case errors, one blocker fails.
const BOT = `let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', () => {
  const { vars } = JSON.parse(input);
  if (vars.topic === 'crash') { process.stderr.write('down'); process.exit(3); }
  const answers = JSON.parse(require('node:fs').readFileSync('answers.json', 'utf8'));
  process.stdout.write(JSON.stringify({ output: answers[vars.topic] ?? "I don't know." }));
});
`;

function project(): TempRepo {
  const repo = createRepo();
  const cases = Array.from(
    { length: 9 },
    (_, i) =>
      `  - { id: q${i}, vars: { topic: t${i % 3} }, graders: [{ type: contains, value: "${i % 3}" }] }`,
  );
  repo.write({
    'evalgate.yml': [
      'targets:',
      '  bot: { type: command, command: [node, bot.cjs], components: [answers] }',
      'components:',
      '  answers: { kind: prompt, paths: [answers.json] }',
      'suites: [suites/*.yml]',
      'cache: { enabled: false }',
      'retries: 0',
      'baseline: { store: path, path: .evalgate/baselines, privacy: raw }',
      'gate: { budgets: { latencyP95: { maxIncreasePct: null } }, errors: { maxRate: 1 } }',
      '',
    ].join('\n'),
    'bot.cjs': BOT,
    'answers.json': JSON.stringify({
      t0: 'zero 0',
      t1: 'one 1',
      t2: 'two',
      refunds: 'Refunds take 30 days.',
    }),
    'suites/support.yml': [
      'id: support',
      'tier: trusted',
      'dataset: support.jsonl',
      'cases:',
      '  - { id: refunds, vars: { topic: refunds }, blocker: true, graders: [{ type: contains, value: 30 days }] }',
      '  - { id: crash, vars: { topic: crash }, graders: [{ type: contains, value: x }] }',
      ...cases,
      '',
    ].join('\n'),
    'suites/support.jsonl': ['a', 'b', 'c', 'd']
      .map((t) =>
        JSON.stringify({ id: `ds-${t}`, vars: { topic: 't0' }, graders: [{ type: 'contains', value: '0' }] }),
      )
      .join('\n'),
    'suites/tone.yml': [
      'id: tone',
      'cases:',
      '  - { id: polite, vars: { topic: t1 }, blocker: true, graders: [{ type: contains, value: please }] }',
      '  - { id: short, vars: { topic: t2 }, graders: [{ type: contains, value: zero }] }',
      '',
    ].join('\n'),
  });
  repo.commit('base');
  return repo;
}

/** What must not depend on how the run was split: everything but ids, times and latencies. */
function comparable(doc: ResultsDocument) {
  const suite = (s: SuiteResult) => ({
    ...s,
    metrics: { ...s.metrics, latencyMs: null },
    cases: s.cases.map((c) => ({ ...c, samples: c.samples.map((x) => ({ ...x, latencyMs: 0 })) })),
  });
  return {
    summary: doc.summary,
    suites: doc.suites.map(suite),
    configHash: doc.run.configHash,
    gitSha: doc.run.gitSha,
  };
}

describe('evalgate run --shard and evalgate merge', () => {
  let repo: TempRepo;
  let full: ResultsDocument;
  beforeAll(async () => {
    repo = project();
    const run = await cli(['run', '--out', 'full.json'], repo.dir);
    expect(run.code, run.stderr).toBe(1); // the failing blocker
    full = JSON.parse(readFileSync(join(repo.dir, 'full.json'), 'utf8')) as ResultsDocument;
    for (const i of [1, 2, 3]) {
      const shard = await cli(
        ['run', '--shard', `${i}/3`, '--out', `artifacts/shard-${i}/evalgate-results.json`],
        repo.dir,
      );
      expect([0, 1]).toContain(shard.code);
    }
  }, 180_000);

  it('merges the shards into what the unsplit run wrote: the same cases, verdicts, metrics and summary', async () => {
    // A folder as download-artifact lays it out, with a stray non-Results JSON file in it.
    mkdirSync(join(repo.dir, 'artifacts', 'plan'), { recursive: true });
    cpSync(join(repo.dir, 'evalgate.yml'), join(repo.dir, 'artifacts', 'plan', 'not-results.json'));
    const merged = await cli(['merge', 'artifacts', '--out', 'merged.json'], repo.dir);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).toContain('Merged 3 shards: 2 suites, 17 cases');
    const doc = JSON.parse(readFileSync(join(repo.dir, 'merged.json'), 'utf8')) as ResultsDocument;
    expect(doc.run.options.shards).toBe(3);
    expect(doc.run.options.shard).toBeUndefined();
    expect(comparable(doc)).toEqual(comparable(full));
    // Each shard really held only part of the run.
    for (const i of [1, 2, 3]) {
      const part = JSON.parse(
        readFileSync(join(repo.dir, 'artifacts', `shard-${i}`, 'evalgate-results.json'), 'utf8'),
      ) as ResultsDocument;
      expect(part.summary.cases).toBeLessThan(17);
      expect(part.run.options.shard).toMatchObject({ index: i, count: 3, totalCases: 17 });
    }
  });

  it('refuses a missing shard, a shard given twice, shards of another split and a document that is not a shard', async () => {
    const s = (i: number) => `artifacts/shard-${i}/evalgate-results.json`;
    const missing = await cli(['merge', s(1), s(3), '--out', 'x.json'], repo.dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing shard 2 of 3');

    const twice = await cli(['merge', s(1), s(2), s(2), s(3), '--out', 'x.json'], repo.dir);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/shard 2\/3 is given twice/);
    expect(twice.stderr).toMatch(/case 'support \/ \S+' is in two shards/);

    const other = await cli(
      ['run', '--shard', '2/3', '--suite', 'support', '--out', 'other-2.json'],
      repo.dir,
    );
    expect([0, 1]).toContain(other.code);
    const mixed = await cli(['merge', s(1), 'other-2.json', s(3), '--out', 'x.json'], repo.dir);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('has another split (the selected suites and cases differ)');

    const notShard = await cli(['merge', 'full.json', '--out', 'x.json'], repo.dir);
    expect(notShard.code).toBe(2);
    expect(notShard.stderr).toContain('full.json is not a shard');
    expect(`${missing.stderr}${twice.stderr}${mixed.stderr}`).not.toMatch(/\n\s+at /);
  });

  it('gates the merged shards with --base --results, as an unsplit run --base would', async () => {
    const saved = await cli(['baseline', 'save', '--results', 'full.json'], repo.dir);
    expect(saved.code, saved.stderr).toBe(0);
    repo.write({
      'answers.json': JSON.stringify({
        t0: 'zero',
        t1: 'one 1',
        t2: 'two',
        refunds: 'Refunds take 30 days.',
      }),
    });
    const head = repo.commit('answers changed');
    for (const i of [1, 2]) {
      const shard = await cli(['run', '--shard', `${i}/2`, '--out', `head/s${i}.json`], repo.dir);
      expect([0, 1]).toContain(shard.code);
    }
    expect((await cli(['merge', 'head', '--out', 'head-merged.json'], repo.dir)).code).toBe(0);
    const gated = await cli(['run', '--base', `${head}~1`, '--results', 'head-merged.json'], repo.dir);
    expect(gated.stderr).toContain('evalgate: gate verdict:');
    const comparison = JSON.parse(readFileSync(join(repo.dir, 'evalgate-comparison.json'), 'utf8')) as {
      comparison: { suites: { id: string; transitions: { id: string; change: string }[] }[] };
    };
    const support = comparison.comparison.suites.find((x) => x.id === 'support')!;
    // The t0 answers lost their "0": those cases got worse, and the comparison saw it.
    expect(
      support.transitions
        .filter((t) => t.change === 'worse')
        .map((t) => t.id)
        .sort(),
    ).toEqual(['ds-a', 'ds-b', 'ds-c', 'ds-d', 'q0', 'q3', 'q6']);
    const tooEarly = await cli(['run', '--results', 'head-merged.json'], repo.dir);
    expect(tooEarly.code).toBe(2);
    expect(tooEarly.stderr).toContain('--results goes with --base');
  });
});
