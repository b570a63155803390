/**
 * A cancelled (or timed-out) job, end to end: the bundled Action started exactly as action.yml's
 * step runs it (bash running the step's `run:` line, which `exec`s node), a slow fake model,
 * the fake GitHub (validated against GitHub's OpenAPI description), and the runner's cancel
 * sent to the step's root process: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that.
 * Then action.yml's finalize step, as the runner runs it after a cancel.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubApi, createGitHubClient } from '../../src/github/index.js';
import { upsertStickyComment } from '../../src/publish/sticky-comment.js';
import { outdatedNotice, renderPrComment } from '../../src/report/comment.js';
import { LINKS, promptRegression } from '../kits/pr-fixtures.js';
import {
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  startFakeGitHub,
  type FakeGitHub,
  type RecordedRequest,
} from '../helpers/fake-github.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { createRepo, type TempRepo } from '../helpers/git.js';
import {
  actionDefaults,
  cancelLikeTheRunner,
  findStep,
  pullRequestPayload,
  startStep,
  waitFor,
} from './steps.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE24 = join(ROOT, 'node_modules/node/bin/node');
const FULL_NAME = `${DEFAULT_OWNER}/${DEFAULT_REPO}`;
const CONCURRENCY = 4;
const CASES = 400;

describe('a cancelled run, as the runner cancels it (bash root process, SIGINT → SIGTERM → SIGKILL)', () => {
  let actionPath: string;
  let github: FakeGitHub;
  let openai: FakeOpenAI;
  let repo: TempRepo;
  let baseSha: string;
  let job: string;
  const temp: string[] = [];

  beforeAll(async () => {
    // GITHUB_ACTION_PATH: the action's checkout, with the bundle in dist/.
    actionPath = tempDir('evalgate-action-');
    temp.push(actionPath);
    execFileSync(process.execPath, ['scripts/build.mjs', join(actionPath, 'dist')], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    github = await startFakeGitHub();
    // Slow enough that the run is still going when the test cancels it, whatever the load.
    openai = await startFakeOpenAI({ latencyMs: 250 });
    repo = createRepo();
    temp.push(repo.dir);
    repo.write({
      'evalgate.yml': [
        'targets:',
        '  assistant:',
        '    type: openai',
        '    baseURL: ${env:FAKE_OPENAI_URL}',
        '    apiKeyEnv: EVALGATE_E2E_KEY',
        '    prompt: prompts/assistant.md',
        '    model: models/assistant.yml',
        'suites:',
        '  - suites/*.yml',
        `concurrency: ${CONCURRENCY}`,
        'cache:',
        '  enabled: false',
        '',
      ].join('\n'),
      'prompts/assistant.md': 'You answer questions.\nQuestion: {{input}}\n',
      'models/assistant.yml': 'model: gpt-4o-mini\ntemperature: 0\n',
      'suites/qa.yml': [
        'id: qa',
        'tier: trusted',
        'target: assistant',
        'graders: [{ type: contains, value: echo }]',
        'cases:',
        ...Array.from({ length: CASES }, (_, i) => `  - { id: case-${i}, input: "question ${i}" }`),
        '',
      ].join('\n'),
      '.gitignore': '.evalgate/\nevalgate-*\n',
    });
    baseSha = repo.commit('base');
  }, 120_000);

  afterAll(async () => {
    await github?.close();
    await openai?.close();
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    job = tempDir('evalgate-job-');
  });
  afterEach(() => {
    rmSync(job, { recursive: true, force: true });
  });

  let prNumber = 0;
  /** A pull request changing the prompt, checked out, and the runner's environment for its job. */
  function pullRequest() {
    const n = ++prNumber;
    repo.checkout('main');
    repo.branch(`change-${n}`, 'main');
    repo.write({ 'prompts/assistant.md': `You answer questions (${n}).\nQuestion: {{input}}\n` });
    const headSha = repo.commit(`change ${n}`);
    github.state.addPullRequest(github.state.repo(), { number: n, headSha, baseSha, headRef: `change-${n}` });
    const files = {
      event: join(job, 'event.json'),
      output: join(job, 'output'),
      summary: join(job, 'summary.md'),
      temp: join(job, 'runner-temp'),
    };
    mkdirSync(files.temp);
    writeFileSync(files.event, JSON.stringify(pullRequestPayload(n, headSha, baseSha)));
    writeFileSync(files.output, '');
    writeFileSync(files.summary, '');
    const env: Record<string, string> = {
      PATH: `${dirname(NODE24)}${delimiter}${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? job,
      TMPDIR: tmpdir(),
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: files.event,
      GITHUB_REPOSITORY: FULL_NAME,
      GITHUB_REPOSITORY_OWNER: DEFAULT_OWNER,
      GITHUB_SHA: headSha,
      GITHUB_WORKSPACE: repo.dir,
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '5151',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'evalgate',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      RUNNER_TEMP: files.temp,
      FAKE_OPENAI_URL: openai.url,
      EVALGATE_E2E_KEY: 'sk-evalgate-e2e-cancel',
    };
    const inputs = { ...actionDefaults(), 'github-token': DEFAULT_TOKEN };
    return { n, headSha, env, files, inputs };
  }

  const checksOn = (sha: string) => github.state.repo().checkRuns.filter((c) => c.headSha === sha);
  const runStep = (pr: ReturnType<typeof pullRequest>) =>
    startStep(
      findStep((s) => s.id === 'evalgate'),
      { inputs: pr.inputs, node: NODE24, env: pr.env, cwd: repo.dir, scriptDir: job },
    );
  const finalizeStep = (pr: ReturnType<typeof pullRequest>, outcome: string) =>
    startStep(
      findStep((s) => s.env?.EVALGATE_FINALIZE === 'true'),
      { inputs: pr.inputs, node: NODE24, outcome, env: pr.env, cwd: repo.dir, scriptDir: job },
    );
  /** Waits until the run has started its check and is calling the model. */
  const midRun = async (
    pr: ReturnType<typeof pullRequest>,
    step: ReturnType<typeof runStep>,
    calls: number,
  ) => {
    let exited = false;
    void step.exited.then(() => (exited = true));
    await waitFor(
      'the run to start its check and call the model',
      () => {
        if (exited) throw new Error(`the step ended before the cancel:\n${step.stdout()}${step.stderr()}`);
        return checksOn(pr.headSha)[0]?.status === 'in_progress' && openai.requests.length >= calls;
      },
      90_000,
    );
  };

  it('stops calling the model, completes its check as cancelled (no verdict), writes what it has and fails the step', async () => {
    const pr = pullRequest();
    const callsBefore = openai.requests.length;
    const step = runStep(pr);
    await midRun(pr, step, callsBefore + 2 * CONCURRENCY);

    const signalledAt = Date.now();
    const result = await cancelLikeTheRunner(step);
    const log = step.stdout() + step.stderr();

    // It ended on its own, within the runner's grace period for SIGINT, and not successfully.
    expect(result.sent, log).toEqual(['SIGINT']);
    expect(result.signal, log).toBeNull();
    expect(result.code, log).toBe(1);
    expect(log).toMatch(
      /::error::evalgate: the workflow run was cancelled or timed out before a verdict was reached; re-run the job/,
    );

    // Requests already on their way may still land; none is started after the signal.
    const after = openai.requests.filter((r) => r.at >= signalledAt).length;
    expect(after).toBeLessThanOrEqual(CONCURRENCY);
    expect(openai.requests.length - callsBefore).toBeLessThan(CASES);

    const [check, ...more] = checksOn(pr.headSha);
    expect(more).toEqual([]);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(check!.output.title).toBe('evalgate: cancelled or timed out, no verdict');
    expect(check!.output.summary).toContain('re-run the job');

    // No verdict claimed anywhere: no comment, no verdict output.
    expect(github.state.repo().commentsOn(pr.n)).toEqual([]);
    const outputs = readFileSync(pr.files.output, 'utf8');
    expect(outputs).not.toMatch(/^verdict<</m);
    const summary = readFileSync(pr.files.summary, 'utf8');
    expect(summary).toContain('evalgate: cancelled or timed out, no verdict');
    expect(summary).not.toMatch(/evalgate: (pass|fail|warn|inconclusive)/);
    // What finished is written, marked partial.
    const results = JSON.parse(readFileSync(join(repo.dir, 'evalgate-results.json'), 'utf8')) as {
      summary: { partial: boolean; samples: number };
    };
    expect(results.summary.partial).toBe(true);
    expect(readFileSync(join(repo.dir, 'evalgate-report.md'), 'utf8')).toContain('no verdict');
    // Nothing left for the finalize step: its state file is gone, and it changes nothing.
    expect(readdirSync(join(pr.files.temp, 'evalgate'))).toEqual([]);
    const writes = github.requests.filter((r) => r.method !== 'GET').length;
    const fin = finalizeStep(pr, 'cancelled');
    expect((await fin.exited).code, fin.stdout() + fin.stderr()).toBe(0);
    expect(github.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
    expect(github.responseViolations).toEqual([]);
  }, 180_000);

  it('a run that marked the earlier verdict outdated and is cancelled says on the notice that the evaluation of its commit was cancelled or timed out', async () => {
    const pr = pullRequest();
    // The verdict of the pull request's previous commit, posted by an earlier run.
    const earlier = baseSha;
    const api = createGitHubApi(
      createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: github.url, spaceWrites: false }),
      { owner: DEFAULT_OWNER, repo: DEFAULT_REPO },
    );
    await upsertStickyComment(api, {
      issueNumber: pr.n,
      key: 'evalgate.yml',
      body: renderPrComment({
        ...promptRegression(),
        key: 'evalgate.yml',
        links: LINKS,
        commit: { sha: earlier },
      }),
      authors: ['github-actions[bot]'],
    });
    const comment = () => {
      const [ours, ...more] = github.state.repo().commentsOn(pr.n);
      expect(more).toEqual([]);
      return ours!.body;
    };
    const callsBefore = openai.requests.length;
    const step = runStep(pr);
    await midRun(pr, step, callsBefore + 2 * CONCURRENCY);
    await waitFor(
      'the earlier verdict to be marked outdated',
      () => outdatedNotice(comment())?.state === 'evaluating',
      90_000,
    );
    expect(outdatedNotice(comment())).toEqual({ state: 'evaluating', sha: pr.headSha });

    const result = await cancelLikeTheRunner(step);
    const log = step.stdout() + step.stderr();
    expect(result.sent, log).toEqual(['SIGINT']);
    expect(result.code, log).toBe(1);
    expect(log).not.toMatch(/::warning::Could not/);
    expect(log).toContain(
      `The outdated notice now says the evaluation of ${pr.headSha.slice(0, 7)} was cancelled or timed out`,
    );

    const [check, ...more] = checksOn(pr.headSha);
    expect(more).toEqual([]);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(check!.output.title).toBe('evalgate: cancelled or timed out, no verdict');
    // The earlier verdict still reads as outdated, and no longer as being re-evaluated.
    const body = comment();
    expect(outdatedNotice(body)).toEqual({ state: 'cancelled', sha: pr.headSha });
    expect(body).toContain(
      `this verdict is for [\`${earlier.slice(0, 7)}\`](https://github.com/${FULL_NAME}/commit/${earlier}); the evaluation of [\`${pr.headSha.slice(0, 7)}\`](https://github.com/${FULL_NAME}/commit/${pr.headSha}) was cancelled or timed out before a verdict: re-run the job.`,
    );
    expect(body).not.toContain('evaluating');
    expect(github.responseViolations).toEqual([]);
  }, 180_000);

  it('when the runner has to SIGKILL it before it could complete the check, the finalize step completes it as cancelled', async () => {
    const pr = pullRequest();
    // GitHub does not answer the process's own attempt to complete the check: it is still
    // waiting when the runner kills it.
    let holding = true;
    const held: RecordedRequest[] = [];
    github.script(
      (r) => {
        const hit =
          holding &&
          r.method === 'PATCH' &&
          /\/check-runs\/\d+$/.test(r.path) &&
          (r.body as { conclusion?: string } | undefined)?.conclusion === 'cancelled';
        if (hit) held.push(r);
        return hit;
      },
      { status: 200, body: {}, delayMs: 600_000 },
      100,
    );
    const callsBefore = openai.requests.length;
    const step = runStep(pr);
    await midRun(pr, step, callsBefore + 2 * CONCURRENCY);
    const result = await cancelLikeTheRunner(step);
    holding = false;
    const log = step.stdout() + step.stderr();
    expect(result.sent, log).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL']);
    expect(result.signal, log).toBe('SIGKILL');
    expect(held.length, log).toBeGreaterThan(0);
    expect(checksOn(pr.headSha)[0]).toMatchObject({ status: 'in_progress' });
    expect(existsSync(join(pr.files.temp, 'evalgate'))).toBe(true);

    const fin = finalizeStep(pr, 'cancelled');
    const done = await fin.exited;
    expect(done.code, fin.stdout() + fin.stderr()).toBe(0);
    const [check, ...more] = checksOn(pr.headSha);
    expect(more).toEqual([]);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(check!.output.summary).toContain("the job's finalize step completed it");
    expect(github.state.repo().commentsOn(pr.n)).toEqual([]);
    expect(readdirSync(join(pr.files.temp, 'evalgate'))).toEqual([]);

    // Run again (a re-run of the step, or a second finalize): nothing left to do.
    const writes = github.requests.filter((r) => r.method !== 'GET').length;
    const again = finalizeStep(pr, 'cancelled');
    expect((await again.exited).code).toBe(0);
    expect(github.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
  }, 180_000);
});
