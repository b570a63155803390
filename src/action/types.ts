import { type GitHubApi, type GitHubOctokit } from '../github/index.js';
import { type CancelTask } from './cancel.js';
import type { CompletedCheck } from '../publish/check-run.js';
import { type ActionInputs, type EventPayload, type Mode } from './context.js';

/**
 * What every mode of the Action is handed: the inputs, the event, the runner's side (log,
 * outputs, masking, summary) and the GitHub port. No `@actions/core`, no `process.env`:
 * main.ts fills it in, a test can build it.
 */
/** The job's side of the runner: log, outputs, masking, the step summary. */
export interface ActionIO {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  setOutput(name: string, value: string): void;
  setSecret(value: string): void;
  /** Appends markdown to the step summary. */
  appendSummary(markdown: string): Promise<void>;
  setFailed(message: string): void;
}

export interface GitHubPort {
  octokit: GitHubOctokit;
  api: GitHubApi;
}

export interface ActionContext {
  inputs: ActionInputs;
  mode: Mode;
  payload: EventPayload;
  /** GITHUB_WORKSPACE: the repository root the comment key and annotations are relative to. */
  workspace: string;
  env: Record<string, string | undefined>;
  repo: { owner: string; repo: string };
  /** The workflow run's page, for links. */
  runUrl?: string;
  /** Absent when there is no token: nothing is published, the reports are still written. */
  github?: GitHubPort;
  io: ActionIO;
  /** GITHUB_SERVER_URL, e.g. `https://github.com`: commit links in the comment. */
  serverUrl?: string;
  /**
   * Aborted when the runner cancels the job (or it times out): no model call starts after it,
   * and nothing claims a verdict the run did not reach (see action/cancel.ts).
   */
  signal?: AbortSignal;
  /** Work for the cancel path if the run is cancelled (see CancelTask in action/cancel.ts). */
  onCancel?: (task: CancelTask) => void;
  /**
   * The verdict this run published on the pull request, for a check it has not completed yet:
   * a cancel from here on completes the check with it (Cancellation.reached), not as cancelled.
   */
  onVerdict?: (checkId: number, check: CompletedCheck) => void;
  /** GITHUB_RUN_ATTEMPT: 1 for the first run of the job, 2 for its first re-run, … */
  runAttempt: number;
}

/** The report files, in the working directory, that action.yml uploads as the artifact. */
export const FILES = {
  results: 'evalgate-results.json',
  comparison: 'evalgate-comparison.json',
  report: 'evalgate-report.md',
  plan: 'evalgate-plan.json',
  /** Which pull request the reports are for: report mode's fallback when GitHub does not say. */
  pr: 'evalgate-pr.json',
} as const;
