import * as core from '@actions/core';
import { context } from '@actions/github';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import { createGitHubApi, createGitHubClient, isLoopback } from '../github/index.js';
import { readInputs, resolveMode, type EventPayload } from './context.js';
import { runAction, type ActionContext, type GitHubPort } from './modes.js';

/**
 * The Action's edge, and the only module that touches `@actions/core`, `@actions/github`
 * and `process.env`: reads the inputs and the event, builds the GitHub client, hands all of
 * it to `runAction`, and turns any error into `core.setFailed`.
 */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs((name) => core.getInput(name));
    if (inputs.token) core.setSecret(inputs.token);
    const payload = context.payload as EventPayload;
    const mode = resolveMode(inputs.mode, context.eventName, payload);
    const env = process.env;
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const repo = repoOf(env.GITHUB_REPOSITORY);
    const apiUrl = context.apiUrl;
    let github: GitHubPort | undefined;
    if (inputs.token && repo) {
      const octokit = createGitHubClient({
        token: inputs.token,
        baseUrl: apiUrl,
        userAgent: 'evalgate-action',
        log: { debug: core.debug, info: core.info, warn: core.warning },
        // A loopback API is never github.com: nothing there asks writes to be spaced out.
        spaceWrites: !isLoopback(apiUrl),
      });
      github = { octokit, api: createGitHubApi(octokit, repo) };
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
      ...(github && { github }),
      io: {
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
      },
    };
    await runAction(ctx);
  } catch (e) {
    core.setFailed(messageOf(e));
  }
}

function repoOf(full: string | undefined): { owner: string; repo: string } | undefined {
  const [owner, repo, ...rest] = (full ?? '').split('/');
  return owner && repo && rest.length === 0 ? { owner, repo } : undefined;
}

function messageOf(e: unknown): string {
  if (e instanceof ConfigErrors)
    return `evalgate: ${e.errors.length} config errors:\n${e.errors.map((err) => `  ${err.format()}`).join('\n')}`;
  if (e instanceof ConfigError) return `evalgate: config error: ${e.format()}`;
  return `evalgate: ${e instanceof Error ? e.message : String(e)}`;
}
