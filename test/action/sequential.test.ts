/**
 * Sequential sampling in the Action's pull-request mode: the cases whose arms disagree are
 * sampled again in both arms, and the comment's footnote says what that cost and saved.
 * Driven in-process (runAction with an ActionContext) against the fake GitHub, the fake
 * OpenAI server and a real git repository; the baseline is the base re-measured (`rerun`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../../src/action/modes.js';
import { prActionContext } from './pr-context.js';
import { DEFAULT_TOKEN, startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { createRepo } from '../helpers/git.js';

// Every case passes on both versions but `broken`, which v2 answers wrong: one disagreement.
const CASES = ['a', 'b', 'c', 'd', 'broken'];

describe('the Action with gate.sampling: sequential', () => {
  let github: FakeGitHub;
  let openai: FakeOpenAI;
  beforeAll(async () => {
    github = await startFakeGitHub({
      tokens: { [DEFAULT_TOKEN]: { login: 'github-actions[bot]', type: 'Bot' } },
    });
    openai = await startFakeOpenAI({
      script: ({ body }) => {
        const v2 = String(body.messages?.[0]?.content ?? '').includes('Prompt v2');
        const id = String(body.messages?.at(-1)?.content ?? '');
        return { content: v2 && id === 'broken' ? 'WRONG' : 'RIGHT' };
      },
    });
  });
  afterAll(async () => {
    await github.close();
    await openai.close();
  });

  it('samples the disagreeing case again in both arms, and the comment footnote says the calls saved', async () => {
    const repo = createRepo();
    repo.write({
      'evalgate.yml': [
        'targets:',
        '  bot:',
        '    type: openai',
        `    baseURL: ${openai.url}`,
        '    apiKeyEnv: TEST_KEY',
        '    prompt: prompts/bot.md',
        '    model: models/bot.yaml',
        'suites: [suites/*.yml]',
        'cache: { enabled: false }',
        'baseline: { store: rerun }',
        'gate:',
        '  sampling: { mode: sequential }',
        '  budgets: { latencyP95: { maxIncreasePct: null } }',
        '',
      ].join('\n'),
      'prompts/bot.md': '[system]\nAnswer RIGHT. Prompt v1.\n[user]\n{{id}}\n',
      'models/bot.yaml': 'model: gpt-4o-mini\nseed: 42\n',
      'suites/quiz.yml': [
        'id: quiz',
        'tier: trusted',
        'graders: [{ type: contains, value: RIGHT }]',
        'cases:',
        ...CASES.map((id) => `  - { id: ${id}, vars: { id: ${id} } }`),
        '',
      ].join('\n'),
    });
    const baseSha = repo.commit('base');
    repo.branch('change', 'main');
    repo.write({ 'prompts/bot.md': '[system]\nAnswer RIGHT. Prompt v2.\n[user]\n{{id}}\n' });
    const headSha = repo.commit('prompt v2');
    github.state.addPullRequest(github.state.repo(), { number: 9, headSha, baseSha, headRef: 'change' });

    const { ctx, outputs } = prActionContext({
      githubUrl: github.url,
      workspace: repo.dir,
      pullRequest: { number: 9, headSha, baseSha },
      env: { TEST_KEY: 'sk-test' },
    });
    const before = openai.requests.length;
    await runAction(ctx);

    // The base re-measured (5, v1) and the change (5, v2), each case once at seed 42; then
    // `broken` once more in each arm with a seed of its own: 2/2 against 0/2 settles it.
    const made = openai.requests.slice(before).map(({ body }) => {
      const version = String(body.messages?.[0]?.content ?? '').includes('Prompt v2') ? 'v2' : 'v1';
      return `${String(body.messages?.at(-1)?.content)} ${version} ${body.seed === 42 ? 'first' : 'fresh'}`;
    });
    expect(made.filter((m) => m.endsWith('fresh')).sort()).toEqual(['broken v1 fresh', 'broken v2 fresh']);
    expect(made).toHaveLength(2 * CASES.length + 2);

    const [comment] = github.state.repo().commentsOn(9);
    // Calls of the change: 5 first samples and 2 fresh ones; `repeat: 3` would have made 15.
    expect(comment!.body).toContain(
      '> ℹ️ Sequential sampling: 7 calls, 8 saved vs `repeat: 3` (1 case sampled again in both arms over 1 round).',
    );
    expect(outputs.verdict).toBeDefined();
    expect(github.responseViolations).toEqual([]);
  }, 90_000);
});
