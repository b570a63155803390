import * as core from '@actions/core';
import { context } from '@actions/github';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, ConfigErrors, formatConfigErrors } from '../config/errors.js';
import { terminalText } from '../report/escape.js';
import { createGitHubApi, createGitHubClient, isLoopback, type RepoRef } from '../github/index.js';
import { Cancellation } from './cancel.js';
import { readInputs, resolveMode, runAttemptOf, type EventPayload } from './context.js';
import { finalizeStartedChecks } from './finalize.js';
import { runAction } from './modes.js';
import { FILES, type ActionContext, type GitHubPort } from './types.js';
import { StartedChecks, startedChecksFile, trackCheckRuns } from './started-checks.js';

/**
 * The Action's edge, and the only module that touches `@actions/core`, `@actions/github`
 * and `process.env`: reads the inputs and the event, builds the GitHub client, hands all of
 * it to `runAction`, and turns any error into `core.setFailed`.
 *
 * It also owns the process's signals: SIGINT and SIGTERM (a cancelled or timed-out job) abort
 * the run and complete its check as cancelled (see cancel.ts). With `EVALGATE_FINALIZE=true`
 * (action.yml's finalize step) it only completes the check runs a killed run left open.
 */
export async function run(): Promise<void> {
  const env = process.env;
  if (env.EVALGATE_FINALIZE === 'true') return finalize();
  // Installed first: a signal during start-up is kept and acted on once there is a run to stop.
  let cancellation: Cancellation | undefined;
  const early: string[] = [];
  const onSignal = (name: string) => (cancellation ? cancellation.onSignal(name) : early.push(name));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const inputs = readInputs((name) => core.getInput(name));
    if (inputs.token) core.setSecret(inputs.token);
    const payload = context.payload as EventPayload;
    const mode = resolveMode(inputs.mode, context.eventName, payload);
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const repo = repoOf(env.GITHUB_REPOSITORY);
    const apiUrl = context.apiUrl;
    const checks = new StartedChecks(
      repo ? `${repo.owner}/${repo.repo}` : '',
      env.RUNNER_TEMP ? startedChecksFile(env.RUNNER_TEMP, stateKey(env, inputs)) : undefined,
    );
    const io: ActionContext['io'] = {
      debug: core.debug,
      info: core.info,
      warning: core.warning,
      setOutput: core.setOutput,
      setSecret: core.setSecret,
      setFailed: core.setFailed,
      appendSummary: async (markdown) => {
        if (!env.GITHUB_STEP_SUMMARY) return;
        await core.summary.addRaw(markdown).write();
      },
    };
    cancellation = new Cancellation({
      checks,
      // Its own client: one write that must not queue behind the pipeline's spaced-out writes
      // or wait out long retries inside the runner's grace period.
      ...(inputs.token && repo && { api: githubApi(inputs.token, apiUrl, repo, { urgent: true }) }),
      io: {
        ...io,
        // The step summary, and the report file the artifact carries: both say there is no verdict.
        appendSummary: async (markdown) => {
          await io.appendSummary(markdown);
          writeFileSync(join(resolve(workspace, inputs.workingDirectory), FILES.report), markdown);
        },
      },
      exit: (code) => process.exit(code),
    });
    for (const name of early) cancellation.onSignal(name);
    let github: GitHubPort | undefined;
    if (inputs.token && repo) {
      const octokit = client(inputs.token, apiUrl);
      github = { octokit, api: trackCheckRuns(createGitHubApi(octokit, repo), checks, cancellation.signal) };
    } else {
      core.warning(
        inputs.token
          ? 'GITHUB_REPOSITORY is not set: nothing is published to GitHub, the reports are still written.'
          : 'No `github-token`: nothing is published to GitHub (no comment, no check run, no baseline branch); the reports are still written.',
      );
    }
    const runUrl =
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined;
    const ctx: ActionContext = {
      inputs,
      mode,
      payload,
      workspace,
      env,
      repo: repo ?? { owner: '', repo: '' },
      ...(runUrl && { runUrl }),
      ...(env.GITHUB_SERVER_URL && { serverUrl: env.GITHUB_SERVER_URL }),
      ...(github && { github }),
      io,
      signal: cancellation.signal,
      onCancel: (task) => cancellation?.onCancel(task),
      onVerdict: (id, check) => cancellation?.reached(id, check),
      runAttempt: runAttemptOf(env),
    };
    await runAction(ctx);
    if (cancellation.requested) await cancellation.finish();
  } catch (e) {
    // After a cancel, whatever the pipeline threw on its way out is the cancel.
    if (cancellation?.requested) return cancellation.finish();
    core.setFailed(messageOf(e));
  }
}

/** action.yml's finalize step: completes the check runs a killed run left in progress. */
async function finalize(): Promise<void> {
  const env = process.env;
  try {
    const token = core.getInput('github-token').trim();
    if (token) core.setSecret(token);
    const repo = repoOf(env.GITHUB_REPOSITORY);
    if (!env.RUNNER_TEMP || !repo || !token) return;
    const key = {
      workingDirectory: core.getInput('working-directory').trim() || '.',
      config: core.getInput('config').trim() || 'evalgate.yml',
      checkName: core.getInput('check-name').trim() || 'evalgate',
    };
    const { completed } = await finalizeStartedChecks({
      api: githubApi(token, context.apiUrl, repo, { urgent: false }),
      stateFile: startedChecksFile(env.RUNNER_TEMP, stateKey(env, key)),
      repo: `${repo.owner}/${repo.repo}`,
      outcome: env.EVALGATE_OUTCOME ?? '',
      io: { info: core.info, warning: core.warning },
    });
    if (completed.length === 0) core.debug('evalgate finalize: no check run was left open.');
  } catch (e) {
    core.setFailed(messageOf(e));
  }
}

function stateKey(
  env: Record<string, string | undefined>,
  inputs: { workingDirectory: string; config: string; checkName: string },
) {
  return {
    ...(env.GITHUB_JOB && { job: env.GITHUB_JOB }),
    workingDirectory: inputs.workingDirectory,
    config: inputs.config,
    checkName: inputs.checkName,
  };
}

function client(token: string, apiUrl: string, options: { urgent?: boolean } = {}) {
  return createGitHubClient({
    token,
    baseUrl: apiUrl,
    userAgent: 'evalgate-action',
    log: { debug: core.debug, info: core.info, warn: core.warning },
    // A loopback API is never github.com: nothing there asks writes to be spaced out. A
    // cancelled run's last write is one request, not a burst.
    spaceWrites: !options.urgent && !isLoopback(apiUrl),
    ...(options.urgent && { retries: 1, maxRetryAfterSeconds: 2 }),
  });
}

function githubApi(token: string, apiUrl: string, repo: RepoRef, options: { urgent: boolean }) {
  return createGitHubApi(client(token, apiUrl, options), repo);
}

function repoOf(full: string | undefined): { owner: string; repo: string } | undefined {
  const [owner, repo, ...rest] = (full ?? '').split('/');
  return owner && repo && rest.length === 0 ? { owner, repo } : undefined;
}

/** What the job log says: escaped, since it may quote the user's files (a `::` line would be a command). */
function messageOf(e: unknown): string {
  if (e instanceof ConfigErrors || e instanceof ConfigError)
    return formatConfigErrors(e, process.env.GITHUB_WORKSPACE || process.cwd()).trimEnd();
  return `evalgate: ${terminalText(e instanceof Error ? e.message : String(e))}`;
}
