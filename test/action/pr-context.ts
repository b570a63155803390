import type { ActionContext } from '../../src/action/types.js';
import { createGitHubApi, createGitHubClient } from '../../src/github/index.js';
import { DEFAULT_OWNER, DEFAULT_REPO, DEFAULT_TOKEN } from '../helpers/fake-github.js';
import { pullRequestPayload } from './steps.js';

/**
 * The Action's context for a pull-request run against the fake GitHub at `githubUrl`, run
 * in-process by `runAction`, with what it says collected: outputs, the log (info and
 * warnings) and the message it failed with, if any.
 */
export function prActionContext(options: {
  githubUrl: string;
  workspace: string;
  pullRequest: { number: number; headSha: string; baseSha: string };
  env?: Record<string, string>;
}): { ctx: ActionContext; outputs: Record<string, string>; log: string[]; failed: () => string | undefined } {
  const client = createGitHubClient({ token: DEFAULT_TOKEN, baseUrl: options.githubUrl, spaceWrites: false });
  const outputs: Record<string, string> = {};
  const log: string[] = [];
  let failed: string | undefined;
  const { number, headSha, baseSha } = options.pullRequest;
  const ctx: ActionContext = {
    inputs: {
      config: 'evalgate.yml',
      token: DEFAULT_TOKEN,
      mode: 'pr',
      base: '',
      suites: [],
      comment: true,
      checkName: 'evalgate',
      failOnInconclusive: false,
      workingDirectory: '.',
    },
    mode: 'pr',
    payload: pullRequestPayload(number, headSha, baseSha) as ActionContext['payload'],
    workspace: options.workspace,
    env: { PATH: process.env.PATH, ...options.env },
    repo: { owner: DEFAULT_OWNER, repo: DEFAULT_REPO },
    serverUrl: 'https://github.com',
    github: {
      octokit: client,
      api: createGitHubApi(client, { owner: DEFAULT_OWNER, repo: DEFAULT_REPO }),
    },
    runAttempt: 1,
    io: {
      debug: () => {},
      info: (m) => log.push(m),
      warning: (m) => log.push(`warning: ${m}`),
      setOutput: (k, v) => void (outputs[k] = v),
      setSecret: () => {},
      setFailed: (m) => void (failed = m),
      appendSummary: async () => {},
    },
  };
  return { ctx, outputs, log, failed: () => failed };
}
