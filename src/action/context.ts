/**
 * What the Action was asked to do, parsed once at the edge: the inputs (action.yml) and the
 * event that started the job, turned into one mode. Pure: main.ts hands in `core.getInput`
 * and `github.context`, tests hand in plain objects.
 */

import { parseShard, type ShardSpec } from '../plan/shard.js';

export type Mode = 'pr' | 'baseline' | 'full' | 'report' | 'incident' | 'drift' | 'canary';
export type InputMode = 'auto' | Mode;

export interface ActionInputs {
  config: string;
  token: string;
  mode: InputMode;
  base: string;
  /** Suite ids to run instead of the plan's (or all, in baseline and full runs). */
  suites: string[];
  comment: boolean;
  checkName: string;
  failOnInconclusive: boolean;
  workingDirectory: string;
  /** `shard: I/N`: this job runs one shard of a matrix and only writes its Results. */
  shard?: ShardSpec;
  /** `shards: DIR`: the matrix's downloaded artifacts, merged and then gated, saved or compared. */
  shards?: string;
  /** `mode: incident`: the report to sync and the record to turn into a case (incident-mode.ts). */
  incident?: IncidentInputs;
  /** mode drift: globs of the current and the reference window's records (one a line; `baseline`). */
  current?: string[];
  reference?: string[];
  /** mode `canary`: the records, the two system version ids and the look number. */
  canary?: CanaryInputs;
}

export interface IncidentInputs {
  /** `incident-report`: a canary decision or drift report (JSON), relative to working-directory. */
  report?: string;
  /** `incident-scope`: ROLE=ID version ids the report does not carry. */
  scope: string[];
  /** `incident-label`; default evalgate-incident. */
  label?: string;
  /** `add-case-*`: open a pull request adding the record's regression case. */
  addCase?: {
    record: string;
    records: string[];
    suite: string;
    expect?: string;
    refusal?: boolean;
  };
}

export interface CanaryInputs {
  records: string[];
  canary: string;
  control: string;
  look: number;
}

/** An input the user got wrong: the message says which and what is allowed. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

const MODES: readonly InputMode[] = [
  'auto',
  'pr',
  'baseline',
  'full',
  'report',
  'incident',
  'drift',
  'canary',
];

function bool(name: string, raw: string, fallback: boolean): boolean {
  const value = raw.trim().toLowerCase();
  if (value === '') return fallback;
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off'].includes(value)) return false;
  throw new InputError(`input '${name}' must be true or false, got '${raw}'`);
}

/** `getInput(name)` returns '' for an input that is not set, as `core.getInput` does. */
export function readInputs(getInput: (name: string) => string): ActionInputs {
  const mode = (getInput('mode').trim() || 'auto') as InputMode;
  if (!MODES.includes(mode))
    throw new InputError(`input 'mode' must be one of ${MODES.join(', ')}, got '${getInput('mode')}'`);
  return {
    config: getInput('config').trim() || 'evalgate.yml',
    token: getInput('github-token').trim(),
    mode,
    base: getInput('base').trim(),
    suites: getInput('suites')
      .split(/[\s,]+/)
      .filter(Boolean),
    comment: bool('comment', getInput('comment'), true),
    checkName: getInput('check-name').trim() || 'evalgate',
    failOnInconclusive: bool('fail-on-inconclusive', getInput('fail-on-inconclusive'), false),
    workingDirectory: getInput('working-directory').trim() || '.',
    ...shardInputs(getInput),
    ...(mode === 'incident' && { incident: incidentInputs(getInput) }),
    // One glob a line: a glob may hold a comma ({a,b}) or a space.
    ...(lines(getInput('current')).length && { current: lines(getInput('current')) }),
    ...(lines(getInput('reference')).length && { reference: lines(getInput('reference')) }),
    ...(mode === 'canary' && { canary: canaryInputs(getInput) }),
  };
}

function incidentInputs(getInput: (name: string) => string): IncidentInputs {
  const list = (name: string) =>
    getInput(name)
      .split(/[\s,]+/)
      .filter(Boolean);
  const report = getInput('incident-report').trim();
  const label = getInput('incident-label').trim();
  const record = getInput('add-case-record').trim();
  const suite = getInput('add-case-suite').trim();
  const records = list('add-case-records');
  const expect = getInput('add-case-expect');
  const refusal = getInput('add-case-refusal').trim();
  if (!report && !record)
    throw new InputError(
      "mode: incident needs 'incident-report' (a canary or drift report to open, update or close the incident's issue) or 'add-case-record' (a record to propose as a regression case), or both",
    );
  if (record && (!suite || records.length === 0))
    throw new InputError(
      "'add-case-record' needs 'add-case-suite' (the suite file) and 'add-case-records' (the records files)",
    );
  return {
    ...(report && { report }),
    scope: list('incident-scope'),
    ...(label && { label }),
    ...(record && {
      addCase: {
        record,
        records,
        suite,
        ...(expect.trim() && { expect }),
        ...(refusal && { refusal: bool('add-case-refusal', refusal, false) }),
      },
    }),
  };
}

const lines = (raw: string): string[] =>
  raw
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** `mode: canary`'s inputs: every one required but `look`, which defaults to 1. */
function canaryInputs(getInput: (name: string) => string): CanaryInputs {
  const records = getInput('records')
    .split(/[\s,]+/)
    .filter(Boolean);
  const canary = getInput('canary-version').trim();
  const control = getInput('control-version').trim();
  const look = getInput('look').trim() || '1';
  if (!records.length || !canary || !control)
    throw new InputError(
      "mode: canary needs 'records' (records files or globs), 'canary-version' and 'control-version' (system version ids)",
    );
  if (!/^[1-9][0-9]{0,8}$/.test(look))
    throw new InputError(`input 'look' must be a positive whole number, got '${look}'`);
  return { records, canary, control, look: Number(look) };
}

function shardInputs(getInput: (name: string) => string): Pick<ActionInputs, 'shard' | 'shards'> {
  const raw = getInput('shard').trim();
  const shards = getInput('shards').trim();
  if (raw && shards)
    throw new InputError(
      "inputs 'shard' and 'shards' are for different jobs: the matrix jobs set 'shard', the job that merges them sets 'shards'",
    );
  if (!raw) return shards ? { shards } : {};
  try {
    return { shard: parseShard(raw) };
  } catch {
    throw new InputError(`input 'shard' must be INDEX/COUNT with 1 ≤ INDEX ≤ COUNT (e.g. 2/4), got '${raw}'`);
  }
}

/** The fields of the webhook payload the Action reads; everything optional, as payloads vary. */
export interface EventPayload {
  ref?: string;
  repository?: { full_name?: string; default_branch?: string };
  pull_request?: {
    number?: number;
    head?: { sha?: string; repo?: { full_name?: string } | null };
    base?: { sha?: string; ref?: string };
  };
  workflow_run?: {
    head_sha?: string;
    /** 1, 2, … for a re-run: which of the run's `evalgate-<job>-<attempt>` artifacts to publish. */
    run_attempt?: number;
    pull_requests?: { number?: number; head?: { sha?: string } }[];
  };
}

export const TWO_WORKFLOW_HINT =
  'use the two-workflow pattern instead: a `pull_request` workflow runs evalgate with no secrets and uploads its reports, and a `workflow_run` workflow runs evalgate with `mode: report` to post the comment and the check (see README)';

/**
 * The mode for `auto`, by event: a pull request is reviewed; a push to the default branch
 * records the baseline; a push elsewhere, a manual or scheduled run measures everything
 * against the baseline; a `workflow_run` publishes another run's reports.
 *
 * `pull_request_target` is refused whatever the mode asks for (except `report`, which runs
 * no code from the pull request): it runs with the base repository's secrets and a
 * write token, so running a fork's prompts, graders or command targets there hands them
 * both.
 */
export function resolveMode(input: InputMode, eventName: string, payload: EventPayload): Mode {
  if (eventName === 'pull_request_target' && input !== 'report') {
    throw new InputError(
      "evalgate refuses to run on `pull_request_target`: that event runs with the repository's secrets and a write token, and evaluating a pull request executes its code (prompts, graders, command targets). " +
        TWO_WORKFLOW_HINT,
    );
  }
  if (input !== 'auto') return input;
  switch (eventName) {
    case 'pull_request':
      return 'pr';
    case 'push': {
      const branch = payload.repository?.default_branch;
      return branch && payload.ref === `refs/heads/${branch}` ? 'baseline' : 'full';
    }
    case 'workflow_dispatch':
    case 'schedule':
      return 'full';
    case 'workflow_run':
      return 'report';
    default:
      throw new InputError(
        `mode: auto does not know what to do on a '${eventName || '(unknown)'}' event: set \`mode\` to pr, baseline, full or report`,
      );
  }
}

/** The pull request a `pr` run reviews. */
export interface PullRequestRef {
  number: number;
  /** The commit branch protection looks at: the check run goes there. */
  headSha: string;
  baseSha: string;
  /** True when the head is in another repository (a fork): its token is read-only. */
  fromFork: boolean;
}

export function pullRequestOf(payload: EventPayload): PullRequestRef {
  const pr = payload.pull_request;
  const number = pr?.number;
  const headSha = pr?.head?.sha;
  const baseSha = pr?.base?.sha;
  if (typeof number !== 'number' || !headSha || !baseSha) {
    throw new InputError(
      'mode: pr needs a `pull_request` event (its payload names the pull request, its head and its base); on other events set `mode`',
    );
  }
  const headRepo = pr?.head?.repo?.full_name;
  const baseRepo = payload.repository?.full_name;
  return { number, headSha, baseSha, fromFork: !!headRepo && !!baseRepo && headRepo !== baseRepo };
}

/**
 * The pull request a `report` run publishes for: the `workflow_run` that produced the artifact.
 * `number` is missing when GitHub left `workflow_run.pull_requests` empty, as it does for some
 * fork pull requests; the caller then recovers it from the artifact and checks it.
 */
export function reportTargetOf(payload: EventPayload): { number?: number; headSha: string } {
  const run = payload.workflow_run;
  const pr = run?.pull_requests?.[0];
  const headSha = run?.head_sha ?? pr?.head?.sha;
  if (!run) {
    throw new InputError(
      'mode: report publishes the reports of another workflow run: run it on `workflow_run` (after the `pull_request` workflow that ran evalgate)',
    );
  }
  if (!headSha) throw new InputError('the workflow_run names no head commit: nothing to report on');
  return { ...(typeof pr?.number === 'number' && { number: pr.number }), headSha };
}

/**
 * GITHUB_RUN_ATTEMPT as a number: 1 for the first run of a job, 2 for its first re-run, and
 * 1 when it is unset or not a positive integer (outside a runner).
 */
export function runAttemptOf(env: Record<string, string | undefined>): number {
  const raw = (env.GITHUB_RUN_ATTEMPT ?? '').trim();
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}
