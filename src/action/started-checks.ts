import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckRunFields, CheckRunInfo, GitHubApi } from '../github/api.js';
import { RunCancelledError } from './cancelled.js';

/**
 * The check runs this process has started and not yet completed: what a cancelled run must
 * still complete, since a required check left `in_progress` blocks the pull request forever.
 *
 * Kept in memory for the process's own signal handler, and in a small JSON file under
 * RUNNER_TEMP for action.yml's finalize step, which runs after the runner killed the process
 * before it could complete them. The file exists exactly while a check is open: written when
 * one starts, removed when the last one completes.
 */
export interface StartedCheck {
  id: number;
  name: string;
  headSha: string;
}

interface StateFile {
  version: 1;
  /** `owner/repo`: the finalize step refuses a file written for another repository. */
  repo: string;
  checks: StartedCheck[];
}

/**
 * Where the state of one use of the Action in a job lives. Two uses in one job (two configs,
 * two check names) get two files; the finalize step, given the same inputs, finds the same one.
 */
export function startedChecksFile(
  runnerTemp: string,
  key: { job?: string; workingDirectory: string; config: string; checkName: string },
): string {
  const id = createHash('sha256')
    .update([key.job ?? '', key.workingDirectory, key.config, key.checkName].join('\0'))
    .digest('hex')
    .slice(0, 16);
  return join(runnerTemp, 'evalgate', `started-checks-${id}.json`);
}

export class StartedChecks {
  private readonly open = new Map<number, StartedCheck>();
  /** Check creations GitHub has not answered yet: the cancel path waits for them (bounded). */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly repo: string,
    /** No file outside a runner (no RUNNER_TEMP): the in-memory record still serves the signal handler. */
    private readonly file?: string,
  ) {}

  get checks(): StartedCheck[] {
    return [...this.open.values()];
  }

  isOpen(id: number): boolean {
    return this.open.has(id);
  }

  started(check: StartedCheck): void {
    this.open.set(check.id, { id: check.id, name: check.name, headSha: check.headSha });
    this.persist();
  }

  completed(id: number): void {
    if (this.open.delete(id)) this.persist();
  }

  /** Waits for check creations in flight, at most `ms`: one answered late is still completed. */
  async settle(ms: number): Promise<void> {
    if (this.pending.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.pending]),
      new Promise((r) => (timer = setTimeout(r, ms))),
    ]);
    clearTimeout(timer);
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.then(
      () => this.pending.delete(promise),
      () => this.pending.delete(promise),
    );
    return promise;
  }

  private persist(): void {
    if (!this.file) return;
    if (this.open.size === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    const state: StateFile = { version: 1, repo: this.repo, checks: this.checks };
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, `${JSON.stringify(state)}\n`);
  }
}

/** The state file the finalize step reads; undefined when there is none (nothing was left open). */
export function readStartedChecks(file: string, repo: string): StartedCheck[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let state: Partial<StateFile> | null;
  try {
    state = JSON.parse(text) as Partial<StateFile> | null;
  } catch {
    throw new Error(`${file} is not JSON: cannot tell which check runs were left open`);
  }
  if (!state || state.version !== 1 || !Array.isArray(state.checks))
    throw new Error(`${file} is not an evalgate state file of this version`);
  if (state.repo !== repo)
    throw new Error(
      `${file} was written for ${String(state.repo)}, not ${repo}: not touching its check runs`,
    );
  return state.checks.filter(
    (c): c is StartedCheck =>
      !!c &&
      Number.isSafeInteger(c.id) &&
      c.id > 0 &&
      typeof c.name === 'string' &&
      typeof c.headSha === 'string',
  );
}

export function removeStartedChecks(file: string): void {
  rmSync(file, { force: true });
}

/**
 * The GitHub port as the Action hands it to the pipeline: every check run it starts is
 * recorded in `checks`, every one it completes is forgotten. Once `signal` is aborted, the
 * pipeline may no longer write to a check that is still open: whatever it would write was
 * computed from a run that was cut short (or, at best, races the cancellation), so it throws
 * `RunCancelledError` instead and the cancel path completes the check as cancelled.
 */
export function trackCheckRuns(api: GitHubApi, checks: StartedChecks, signal: AbortSignal): GitHubApi {
  const record = (info: CheckRunInfo, fields: CheckRunFields) => {
    if (fields.status === 'completed' || fields.conclusion !== undefined || info.status === 'completed')
      checks.completed(info.id);
    else checks.started({ id: info.id, name: info.name, headSha: info.headSha });
    return info;
  };
  return {
    ...api,
    createCheckRun: async (headSha, fields) => {
      if (signal.aborted) throw new RunCancelledError();
      return record(await checks.track(api.createCheckRun(headSha, fields)), fields);
    },
    updateCheckRun: async (id, fields) => {
      if (signal.aborted && (checks.isOpen(id) || fields.status === 'in_progress'))
        throw new RunCancelledError();
      return record(await checks.track(api.updateCheckRun(id, fields)), fields);
    },
  };
}
