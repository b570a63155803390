import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEQUENTIAL_SAMPLE_OFFSET } from '../../src/pipeline/gate-change.js';
import { runCli } from '../helpers/cli.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { createRepo } from '../helpers/git.js';

/**
 * Sequential sampling end to end: `evalgate run --base main` with `gate.sampling: sequential`,
 * an `openai` target (the real SDK) against the local fake OpenAI server, the base arm in a
 * git worktree. The server answers by case, prompt version and seed, so every sample is known:
 *
 *   case       v1 (main)        v2 (the change)                          expected
 *   steady-*   right            right                                    1 sample: the arms agree
 *   dead       wrong            wrong                                    1 sample
 *   broken     right            wrong                                    2 per arm: 2/2 vs 0/2 settles
 *   wobbly     right            wrong on its first sample, then right    3 per arm: capped at 2/3 vs 3/3
 *
 * Sample 0 sends the model file's seed (42); fresh samples send seeds of their own, which is
 * how the server tells a first sample from a fresh one.
 */

const STEADY = 6;
const CASES = [...Array.from({ length: STEADY }, (_, i) => `steady-${i}`), 'dead', 'broken', 'wobbly'];

function answer(id: string, version: 'v1' | 'v2', firstSample: boolean): boolean {
  if (id === 'dead') return false;
  if (version === 'v1') return true;
  if (id === 'broken') return false;
  if (id === 'wobbly') return !firstSample;
  return true;
}

describe('evalgate run --base with gate.sampling: sequential', () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI({
      script: ({ body }) => {
        const system = String(body.messages?.[0]?.content ?? '');
        const id = String(body.messages?.at(-1)?.content ?? '').replace(/^Case /, '');
        const version = system.includes('Prompt v2') ? 'v2' : 'v1';
        return { content: answer(id, version, body.seed === 42) ? 'RIGHT' : 'WRONG' };
      },
    });
  });
  afterAll(() => server.close());

  /** Requests received since `from`, as "case version first|fresh". */
  const received = (from: number) =>
    server.requests.slice(from).map(({ body }) => {
      const system = String(body.messages?.[0]?.content ?? '');
      const id = String(body.messages?.at(-1)?.content ?? '').replace(/^Case /, '');
      return `${id} ${system.includes('Prompt v2') ? 'v2' : 'v1'} ${body.seed === 42 ? 'first' : 'fresh'}`;
    });

  it('samples again, in both arms, only the cases whose arms disagree, and reports the calls saved', async () => {
    const repo = createRepo();
    repo.write({
      'evalgate.yml': [
        'targets:',
        '  bot:',
        '    type: openai',
        `    baseURL: ${server.url}`,
        '    apiKeyEnv: TEST_KEY',
        '    prompt: prompts/bot.md',
        '    model: models/bot.yaml',
        'suites: [suites/*.yml]',
        'cache: { enabled: false }',
        'concurrency: 4',
        'baseline: { store: path, path: .evalgate/baselines }',
        'gate:',
        '  sampling: { mode: sequential, maxSamples: 3, callBudget: 2 }',
        '  budgets: { latencyP95: { maxIncreasePct: null } }',
        '',
      ].join('\n'),
      'prompts/bot.md': '[system]\nAnswer RIGHT. Prompt v1.\n[user]\nCase {{id}}\n',
      'models/bot.yaml': 'model: gpt-4o-mini\nseed: 42\ntemperature: 1\n',
      'suites/quiz.yml': [
        'id: quiz',
        'tier: trusted',
        'graders: [{ type: contains, value: RIGHT }]',
        'cases:',
        ...CASES.map((id) => `  - { id: ${id}, vars: { id: ${id} } }`),
        '',
      ].join('\n'),
      '.gitignore': '.evalgate/\nevalgate-*.json\n',
    });
    repo.commit('v1');
    const env = { TEST_KEY: 'sk-test' };
    expect((await runCli(['run'], repo.dir, env)).code).toBe(0);
    expect((await runCli(['baseline', 'save'], repo.dir, env)).code).toBe(0);

    repo.branch('change');
    repo.write({ 'prompts/bot.md': '[system]\nAnswer RIGHT. Prompt v2.\n[user]\nCase {{id}}\n' });
    repo.commit('v2');
    const before = server.requests.length;
    const r = await runCli(['run', '--base', 'main'], repo.dir, env);
    const made = received(before);

    // The first pass: every case once, on the change.
    const first = made.slice(0, CASES.length);
    expect(first.sort()).toEqual(CASES.map((id) => `${id} v2 first`).sort());
    // Then fresh samples of the two cases whose arms disagreed, in both arms; only wobbly,
    // still 1/2 against 2/2, gets a third.
    expect(made.slice(CASES.length).sort()).toEqual(
      [
        'broken v1 fresh',
        'broken v2 fresh',
        'wobbly v1 fresh',
        'wobbly v1 fresh',
        'wobbly v2 fresh',
        'wobbly v2 fresh',
      ].sort(),
    );

    const doc = JSON.parse(readFileSync(join(repo.dir, 'evalgate-comparison.json'), 'utf8'));
    expect(doc.sampling).toMatchObject({
      status: 'ran',
      rounds: 2,
      repeat: 3,
      calls: { first: 9, extra: 6, total: 15, fixed: 27, saved: 12 },
      suites: [
        {
          id: 'quiz',
          budget: 18,
          cases: [
            {
              case: 'broken',
              baseline: { passed: 2, failed: 0 },
              current: { passed: 0, failed: 2 },
              state: 'settled',
            },
            {
              case: 'wobbly',
              baseline: { passed: 3, failed: 0 },
              current: { passed: 2, failed: 1 },
              state: 'capped',
            },
          ],
          unsettled: 0,
        },
      ],
    });
    // The comparison is made on every sample: the paired cases carry their fresh ones.
    const transitions = doc.comparison.suites[0].transitions;
    const broken = transitions.find((t: { id: string }) => t.id === 'broken');
    expect(broken.baseline).toMatchObject({ passed: 2, failed: 0 });
    expect(broken.current).toMatchObject({ passed: 0, failed: 2 });
    // Fresh samples have indices of their own: round r is sample SEQUENTIAL_SAMPLE_OFFSET + r.
    const results = JSON.parse(readFileSync(join(repo.dir, 'evalgate-sequential-current.json'), 'utf8'));
    expect(results.suites[0].cases.map((c: { samples: { index: number }[] }) => c.samples[0]!.index)).toEqual(
      [SEQUENTIAL_SAMPLE_OFFSET + 1],
    );

    const note =
      'Sequential sampling: 15 calls, 12 saved vs `repeat: 3` (2 cases sampled again in both arms over 2 rounds).';
    expect(r.stdout).toContain(note);
    expect(r.stderr).toContain('Sequential sampling: 2 round(s), 6 fresh calls in both arms.');
    expect([0, 1]).toContain(r.code);
  }, 60_000);
});
