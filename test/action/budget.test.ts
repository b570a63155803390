/**
 * budget.maxCostUSD in the Action: a pull request whose affected suites would cost more than
 * the budget is refused before any model call; the comment says why and the check is
 * neutral. Driven in-process (runAction with an ActionContext) against the fake GitHub (real
 * Octokit, requests validated against GitHub's OpenAPI description), a loopback
 * OpenAI-compatible server and a real git repository.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../../src/action/modes.js';
import { prActionContext } from './pr-context.js';
import { DEFAULT_TOKEN, startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { createRepo } from '../helpers/git.js';
import { runCli } from '../helpers/cli.js';

describe('the Action under budget.maxCostUSD', () => {
  let github: FakeGitHub;
  let openai: FakeOpenAI;
  beforeAll(async () => {
    github = await startFakeGitHub({
      tokens: { [DEFAULT_TOKEN]: { login: 'github-actions[bot]', type: 'Bot' } },
    });
    openai = await startFakeOpenAI({ script: () => ({ content: 'ok' }) });
  });
  afterAll(async () => {
    await github.close();
    await openai.close();
  });

  it('refuses an over-budget pull request before any call: a neutral check and a comment that say why', async () => {
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
        'budget: { maxCostUSD: 0.000001 }',
        '',
      ].join('\n'),
      'prompts/bot.md': '[system]\nYou are terse.\n[user]\n{{question}}\n',
      'models/bot.yaml': 'model: gpt-4o\nmax_tokens: 400\n',
      'suites/s.yml':
        'id: s\ncases:\n  - { id: a, vars: { question: hi }, graders: [{ type: contains, value: ok }] }\n',
    });
    const baseSha = repo.commit('base');
    repo.branch('change', 'main');
    repo.write({ 'prompts/bot.md': '[system]\nYou are very terse.\n[user]\n{{question}}\n' });
    const headSha = repo.commit('prompt edit');
    github.state.addPullRequest(github.state.repo(), { number: 7, headSha, baseSha, headRef: 'change' });

    const { ctx, outputs, log, failed } = prActionContext({
      githubUrl: github.url,
      workspace: repo.dir,
      pullRequest: { number: 7, headSha, baseSha },
      env: { TEST_KEY: 'sk-test' },
    });
    const before = openai.requests.length;
    await runAction(ctx);

    expect(openai.requests.length).toBe(before);
    expect(log.join('\n')).toMatch(
      /Estimated before running: 1 call, \d+ prompt tokens, 400 completion tokens, at most \$/,
    );
    expect(outputs.verdict).toBe('inconclusive');
    expect(failed()).toBeUndefined();
    const [check] = github.state.repo().checkRuns.filter((c) => c.headSha === headSha);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    const [comment, ...more] = github.state.repo().commentsOn(7);
    expect(more).toEqual([]);
    // On the first screen: the verdict and why (markdown escapes the dollar signs).
    expect(comment!.body).toMatch(/## ❓ evalgate: inconclusive/);
    expect(comment!.body).toMatch(/\*\*Why:\*\* .*above budget\.maxCostUSD \\\$0\.000001: nothing was run/);
    expect(github.responseViolations).toEqual([]);
  }, 60_000);

  it('lets a pull request whose answers are all in the cache run under the same budget, sending nothing', async () => {
    const repo = createRepo();
    const config = (budget: string) =>
      [
        'targets:',
        '  bot:',
        '    type: openai',
        `    baseURL: ${openai.url}`,
        '    apiKeyEnv: TEST_KEY',
        '    prompt: prompts/bot.md',
        '    model: models/bot.yaml',
        'suites: [suites/*.yml]',
        budget,
        '',
      ].join('\n');
    repo.write({
      '.gitignore': '.evalgate/\nwarm.yml\nevalgate-results.json*\n',
      'evalgate.yml': config('budget: { maxCostUSD: 0.000001 }'),
      'prompts/bot.md': '[system]\nYou are terse.\n[user]\n{{question}}\n',
      'models/bot.yaml': 'model: gpt-4o\nmax_tokens: 400\n',
      'suites/s.yml':
        'id: s\ncases:\n  - { id: a, vars: { question: hi }, graders: [{ type: contains, value: ok }] }\n',
    });
    const baseSha = repo.commit('base');
    repo.branch('change', 'main');
    repo.write({ 'prompts/bot.md': '[system]\nYou are very terse.\n[user]\n{{question}}\n' });
    const headSha = repo.commit('prompt edit');
    github.state.addPullRequest(github.state.repo(), { number: 8, headSha, baseSha, headRef: 'change' });
    // An earlier run (no budget) left the base's and the head's answers in the cache the
    // Action restores (.evalgate/cache in the working directory).
    repo.write({ 'warm.yml': config('') });
    const env = { TEST_KEY: 'sk-test' };
    for (const ref of ['main', 'change']) {
      repo.checkout(ref);
      expect((await runCli(['run', '--config', 'warm.yml'], repo.dir, env)).code).not.toBe(2);
    }
    expect(readdirSync(join(repo.dir, '.evalgate', 'cache')).length).toBeGreaterThan(0);

    const { ctx, outputs, log } = prActionContext({
      githubUrl: github.url,
      workspace: repo.dir,
      pullRequest: { number: 8, headSha, baseSha },
      env: env,
    });
    const before = openai.requests.length;
    await runAction(ctx);

    expect(log.join('\n')).toContain('1 answered from the cache, at most $0 to send');
    expect(log.join('\n')).not.toContain('above budget.maxCostUSD');
    expect(openai.requests.length).toBe(before);
    expect(outputs['suites-run']).toBe('s');
    expect(github.responseViolations).toEqual([]);
  }, 60_000);
});
