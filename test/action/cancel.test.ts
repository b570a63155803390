/**
 * The pieces of a clean cancel, against the fake GitHub (real Octokit, OpenAPI-validated):
 * the record of started checks and its state file, the port that refuses writes after a
 * cancel, the signal handling, and the finalize step's completion.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CANCELLED_AFTER_VERDICT_SUMMARY,
  CANCELLED_SUMMARY,
  Cancellation,
  RunCancelledError,
} from '../../src/action/cancel.js';
import { publishPullRequest } from '../../src/action/publish.js';
import { runAttemptOf } from '../../src/action/context.js';
import { finalizeStartedChecks } from '../../src/action/finalize.js';
import { markOutdated, noteCancelled, type OutdatedContext } from '../../src/action/outdated.js';
import { StartedChecks, startedChecksFile, trackCheckRuns } from '../../src/action/started-checks.js';
import { createGitHubApi, createGitHubClient, type GitHubApi } from '../../src/github/index.js';
import { completeCheckRun, startCheckRun } from '../../src/publish/check-run.js';
import { upsertStickyComment } from '../../src/publish/sticky-comment.js';
import { outdatedNotice, renderPrComment } from '../../src/report/comment.js';
import { LINKS, promptRegression } from '../kits/pr-fixtures.js';
import {
  DEFAULT_OWNER,
  DEFAULT_REPO,
  DEFAULT_TOKEN,
  startFakeGitHub,
  type FakeGitHub,
} from '../helpers/fake-github.js';
import { tempDir } from '../helpers/tmp.js';
import { prActionContext } from './pr-context.js';

const REPO = `${DEFAULT_OWNER}/${DEFAULT_REPO}`;

describe('runAttemptOf', () => {
  it('reads GITHUB_RUN_ATTEMPT, and is 1 when it is unset or not a positive integer', () => {
    expect(runAttemptOf({ GITHUB_RUN_ATTEMPT: '3' })).toBe(3);
    expect(runAttemptOf({ GITHUB_RUN_ATTEMPT: ' 2 ' })).toBe(2);
    for (const raw of [undefined, '', '0', '-1', '1.5', 'two', '99999999999999999999'])
      expect(runAttemptOf({ GITHUB_RUN_ATTEMPT: raw })).toBe(1);
  });
});

describe('a clean cancel against the fake GitHub', () => {
  let github: FakeGitHub;
  let api: GitHubApi;
  let temp: string;
  let sha = 0;
  const nextSha = () => String(++sha).padStart(40, 'a');
  const run = (id: number) => github.state.repo().checkRuns.find((c) => c.id === id)!;

  beforeAll(async () => {
    github = await startFakeGitHub();
    api = createGitHubApi(
      createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: github.url, spaceWrites: false, msPerSecond: 1 }),
      { owner: DEFAULT_OWNER, repo: DEFAULT_REPO },
    );
  });
  afterAll(() => github.close());
  beforeEach(() => {
    temp = tempDir('evalgate-cancel-');
  });
  afterEach(() => rmSync(temp, { recursive: true, force: true }));

  const stateFile = () =>
    startedChecksFile(temp, {
      job: 'evalgate',
      workingDirectory: '.',
      config: 'evalgate.yml',
      checkName: 'evalgate',
    });

  it('keeps a state file exactly while a started check is open, and one file per use of the Action', async () => {
    expect(stateFile()).toBe(stateFile());
    expect(
      startedChecksFile(temp, { workingDirectory: 'b', config: 'evalgate.yml', checkName: 'evalgate' }),
    ).not.toBe(stateFile());
    const checks = new StartedChecks(REPO, stateFile());
    const tracked = trackCheckRuns(api, checks, new AbortController().signal);
    const headSha = nextSha();
    const started = await startCheckRun(tracked, { headSha, name: 'evalgate' });
    expect(JSON.parse(readFileSync(stateFile(), 'utf8'))).toEqual({
      version: 1,
      repo: REPO,
      checks: [{ id: started.id, name: 'evalgate', headSha }],
    });
    await completeCheckRun(tracked, started.id, {
      conclusion: 'success',
      title: 't',
      summary: 's',
      annotations: [],
    });
    expect(existsSync(stateFile())).toBe(false);
    expect(checks.checks).toEqual([]);
  });

  it('after the cancel the pipeline can neither complete an open check nor start one; the cancel completes it as cancelled', async () => {
    const checks = new StartedChecks(REPO, stateFile());
    const cancelled = new AbortController();
    const tracked = trackCheckRuns(api, checks, cancelled.signal);
    const started = await startCheckRun(tracked, { headSha: nextSha(), name: 'evalgate' });
    const writes = () => github.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();

    const events: string[] = [];
    let exitCode: number | undefined;
    const cancellation = new Cancellation({
      checks,
      api,
      io: {
        info: (m) => events.push(`info: ${m}`),
        warning: (m) => events.push(`warning: ${m}`),
        setFailed: (m) => events.push(`failed: ${m}`),
        appendSummary: async (md) => void events.push(`summary: ${md}`),
      },
      exit: (code) => void (exitCode = code),
      unwindMs: 60_000,
    });
    cancellation.onSignal('SIGINT');
    cancelled.abort();
    expect(cancellation.signal.aborted).toBe(true);
    expect(exitCode).toBeUndefined();

    // What the pipeline would write from its cut-short run is refused before reaching GitHub.
    await expect(
      completeCheckRun(tracked, started.id, {
        conclusion: 'failure',
        title: 'x',
        summary: 'y',
        annotations: [],
      }),
    ).rejects.toBeInstanceOf(RunCancelledError);
    await expect(startCheckRun(tracked, { headSha: nextSha(), name: 'evalgate' })).rejects.toBeInstanceOf(
      RunCancelledError,
    );
    expect(writes()).toBe(before);
    expect(run(started.id).status).toBe('in_progress');

    // A second signal (SIGTERM) finishes at once, without waiting for the unwind timer.
    cancellation.onSignal('SIGTERM');
    await cancellation.finish();
    expect(run(started.id)).toMatchObject({
      status: 'completed',
      conclusion: 'cancelled',
      output: { title: 'evalgate: cancelled or timed out, no verdict' },
    });
    expect(run(started.id).output.summary).toMatch(/before a verdict was reached; re-run the job/);
    expect(existsSync(stateFile())).toBe(false);
    expect(events).toContain(`summary: ${CANCELLED_SUMMARY}`);
    expect(events.at(-1)).toBe(
      'failed: evalgate: the workflow run was cancelled or timed out before a verdict was reached; re-run the job',
    );
    expect(exitCode).toBe(1);
    // Idempotent: the unwound pipeline calling finish again writes nothing more.
    const after = writes();
    await cancellation.finish();
    expect(writes()).toBe(after);
    expect(github.responseViolations).toEqual([]);
  });

  /**
   * A pull-request run as pr-mode wires it: its check started through the tracked port, the
   * earlier commit's comment marked outdated, and the notice's correction left for the cancel
   * path; then the runner's signals. Returns what the cancel did.
   */
  let prNumber = 0;
  async function markThenCancel(
    options: { lastWordsMs?: number; beforeCancel?: (n: number) => Promise<void> } = {},
  ) {
    const n = ++prNumber;
    const judgedSha = nextSha();
    const headSha = nextSha();
    github.state.addPullRequest(github.state.repo(), { number: n, headSha });
    await upsertStickyComment(api, {
      issueNumber: n,
      key: 'evalgate.yml',
      body: renderPrComment({
        ...promptRegression(),
        key: 'evalgate.yml',
        links: LINKS,
        commit: { sha: judgedSha },
      }),
      authors: ['github-actions[bot]'],
    });
    const events: string[] = [];
    const io = {
      debug: () => {},
      info: (m: string) => events.push(`info: ${m}`),
      warning: (m: string) => events.push(`warning: ${m}`),
      setFailed: (m: string) => events.push(`failed: ${m}`),
      appendSummary: async () => {},
    };
    const checks = new StartedChecks(REPO, stateFile());
    let exitCode: number | undefined;
    const cancellation = new Cancellation({
      checks,
      api,
      io,
      exit: (code) => void (exitCode = code),
      unwindMs: 60_000,
      // Generous unless the deadline is what is tested: a busy machine must not turn a write into a give-up.
      lastWordsMs: options.lastWordsMs ?? 60_000,
    });
    const tracked = trackCheckRuns(api, checks, cancellation.signal);
    const ctx = (sha: string): OutdatedContext => ({
      inputs: { comment: true, config: 'evalgate.yml', workingDirectory: '.' },
      workspace: temp,
      repo: { owner: DEFAULT_OWNER, repo: DEFAULT_REPO },
      signal: cancellation.signal,
      github: { api: tracked },
      io: { ...io, info: (m) => io.info(`${sha.slice(0, 7)}: ${m}`) },
    });
    const pr = { number: n, headSha };
    const started = await startCheckRun(tracked, { headSha, name: 'evalgate' });
    const marking = markOutdated(ctx(headSha), pr);
    cancellation.onCancel({
      what: 'update the outdated notice',
      run: (cancelApi) => noteCancelled(ctx(headSha), pr, marking, cancelApi),
    });
    expect(await marking).toBe('marked');
    const comment = () => github.state.repo().commentsOn(n)[0]!.body;
    expect(outdatedNotice(comment())).toEqual({ state: 'evaluating', sha: headSha });
    await options.beforeCancel?.(n);
    cancellation.onSignal('SIGINT');
    cancellation.onSignal('SIGTERM');
    await cancellation.finish();
    expect(exitCode).toBe(1);
    return { n, headSha, check: run(started.id), comment: comment(), events, ctx };
  }

  it('a run that marked the old comment outdated and is cancelled says on the notice that the evaluation of its commit was cancelled or timed out', async () => {
    const { headSha, check, comment, events } = await markThenCancel();
    expect(check).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(outdatedNotice(comment)).toEqual({ state: 'cancelled', sha: headSha });
    expect(comment).toContain(
      `the evaluation of \`${headSha.slice(0, 7)}\` was cancelled or timed out before a verdict: re-run the job.`,
    );
    expect(comment).not.toContain('evaluating');
    expect(events.filter((e) => e.startsWith('warning:'))).toEqual([]);
    expect(github.responseViolations).toEqual([]);
  });

  it('leaves the notice alone when a newer run already marked it for a later commit', async () => {
    const newer = nextSha();
    let marked = '';
    const { headSha, check, comment, events } = await markThenCancel({
      // The push that cancels this run started the newer commit's run, which marked the comment first.
      beforeCancel: async (n) => {
        const newerRun: OutdatedContext = {
          inputs: { comment: true, config: 'evalgate.yml', workingDirectory: '.' },
          workspace: temp,
          repo: { owner: DEFAULT_OWNER, repo: DEFAULT_REPO },
          github: { api },
          io: { debug: () => {}, info: () => {}, warning: () => {} },
        };
        expect(await markOutdated(newerRun, { number: n, headSha: newer })).toBe('marked');
        marked = github.state.repo().commentsOn(n)[0]!.body;
      },
    });
    expect(check).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(comment).toBe(marked);
    expect(outdatedNotice(comment)).toEqual({ state: 'evaluating', sha: newer });
    expect(events).toContain(
      `info: ${headSha.slice(0, 7)}: The outdated notice no longer names ${headSha.slice(0, 7)} (it names ${newer.slice(0, 7)}): left as it is.`,
    );
    expect(events.filter((e) => e.startsWith('warning:'))).toEqual([]);
    expect(github.responseViolations).toEqual([]);
  });

  it('a comment update GitHub refuses during the cancel is a warning; the check is still completed as cancelled', async () => {
    const { headSha, check, comment, events } = await markThenCancel({
      beforeCancel: async () => {
        github.script(
          { method: 'PATCH', path: /\/issues\/comments\/\d+$/ },
          { status: 403, body: { message: 'Resource not accessible by integration' } },
        );
      },
    });
    expect(check).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(outdatedNotice(comment)).toEqual({ state: 'evaluating', sha: headSha });
    expect(events.filter((e) => e.startsWith('warning:'))).toEqual([
      expect.stringMatching(
        /^warning: Could not say on the outdated notice that the evaluation of \w{7} was cancelled or timed out: .*403/,
      ),
    ]);
    expect(events.at(-1)).toMatch(/^failed: evalgate: the workflow run was cancelled or timed out/);
    expect(github.responseViolations).toEqual([]);
  });

  it('a comment update GitHub does not answer is given up at the deadline; the check is still completed as cancelled', async () => {
    const { headSha, check, comment, events } = await markThenCancel({
      lastWordsMs: 300,
      beforeCancel: async () => {
        github.script(
          { method: 'PATCH', path: /\/issues\/comments\/\d+$/ },
          { status: 200, body: {}, delayMs: 600_000 },
        );
      },
    });
    expect(check).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(outdatedNotice(comment)).toEqual({ state: 'evaluating', sha: headSha });
    expect(events).toContain(
      'warning: Could not update the outdated notice within the 0.3 s the cancel leaves it; gave up.',
    );
    expect(events.at(-1)).toMatch(/^failed: evalgate: the workflow run was cancelled or timed out/);
  });

  it('a cancel after the verdict comment is posted completes the check with that verdict, not as cancelled', async () => {
    const number = ++prNumber;
    const headSha = nextSha();
    github.state.addPullRequest(github.state.repo(), { number, headSha });
    const checks = new StartedChecks(REPO, stateFile());
    const summaries: string[] = [];
    let exitCode: number | undefined;
    const { ctx, log } = prActionContext({
      githubUrl: github.url,
      workspace: temp,
      pullRequest: { number, headSha, baseSha: nextSha() },
    });
    const cancellation = new Cancellation({
      checks,
      api,
      io: { ...ctx.io, appendSummary: async (md) => void summaries.push(md) },
      exit: (code) => void (exitCode = code),
      unwindMs: 60_000,
    });
    const tracked = trackCheckRuns(api, checks, cancellation.signal);
    const started = await startCheckRun(tracked, { headSha, name: 'evalgate' });
    const fixture = promptRegression();
    await expect(
      publishPullRequest(
        {
          ...ctx,
          github: { octokit: ctx.github!.octokit, api: tracked },
          signal: cancellation.signal,
          // The runner's signal lands the moment the comment is up, before the check's completion.
          onVerdict: (id, check) => {
            cancellation.reached(id, check);
            cancellation.onSignal('SIGINT');
          },
        },
        { number, headSha, check: { id: started.id, htmlUrl: null }, ...fixture },
      ),
    ).rejects.toBeInstanceOf(RunCancelledError);
    cancellation.onSignal('SIGTERM');
    await cancellation.finish();
    expect(exitCode).toBe(1);
    const [comment] = github.state.repo().commentsOn(number);
    expect(comment!.body).toMatch(/## ❌ evalgate: fail/);
    expect(run(started.id)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(log.join('\n')).toContain(`completed with the verdict this run had published (failure)`);
    expect(summaries.at(-1)).toBe(CANCELLED_AFTER_VERDICT_SUMMARY);
    expect(github.responseViolations).toEqual([]);
  });

  it('finalize completes only checks GitHub still shows unfinished, then removes the state file', async () => {
    const checks = new StartedChecks(REPO, stateFile());
    const tracked = trackCheckRuns(api, checks, new AbortController().signal);
    const open = await startCheckRun(tracked, { headSha: nextSha(), name: 'evalgate' });
    const done = await startCheckRun(tracked, { headSha: nextSha(), name: 'evalgate' });
    // Completed by the process just before it was killed, before it could update the file.
    await completeCheckRun(api, done.id, {
      conclusion: 'failure',
      title: 'evalgate: fail',
      summary: 's',
      annotations: [],
    });
    expect(JSON.parse(readFileSync(stateFile(), 'utf8')).checks).toHaveLength(2);

    const log: string[] = [];
    const io = { info: (m: string) => log.push(m), warning: (m: string) => log.push(`warning: ${m}`) };
    const result = await finalizeStartedChecks({
      api,
      stateFile: stateFile(),
      repo: REPO,
      outcome: 'cancelled',
      io,
    });
    expect(result.completed).toEqual([open.id]);
    expect(run(open.id)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(run(open.id).output.summary).toMatch(/stopped before it could complete this check itself/);
    expect(run(done.id)).toMatchObject({ conclusion: 'failure', output: { title: 'evalgate: fail' } });
    expect(log).toContain(`Check run ${done.id} (evalgate) is already completed (failure).`);
    expect(existsSync(stateFile())).toBe(false);
    // Nothing left: a second finalize reads no file and does nothing.
    expect(
      await finalizeStartedChecks({ api, stateFile: stateFile(), repo: REPO, outcome: 'cancelled', io }),
    ).toEqual({
      completed: [],
    });
  });

  it('finalize refuses a state file written for another repository, and one it cannot read', async () => {
    const io = { info: () => {}, warning: () => {} };
    mkdirSync(dirname(stateFile()), { recursive: true });
    writeFileSync(
      stateFile(),
      JSON.stringify({ version: 1, repo: 'someone/else', checks: [{ id: 1, name: 'e', headSha: 'x' }] }),
    );
    await expect(
      finalizeStartedChecks({ api, stateFile: stateFile(), repo: REPO, outcome: '', io }),
    ).rejects.toThrow(/written for someone\/else, not octo-org\/octo-repo/);
    writeFileSync(stateFile(), '{');
    await expect(
      finalizeStartedChecks({ api, stateFile: stateFile(), repo: REPO, outcome: '', io }),
    ).rejects.toThrow(/is not JSON/);
  });
});
