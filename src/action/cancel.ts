import type { ChecksApi, CommentsApi } from '../github/api.js';
import { completeCheckRun, type CompletedCheck } from '../publish/check-run.js';
import { CANCELLED_REASON, isCancellation, RunCancelledError, throwIfCancelled } from './cancelled.js';
import type { StartedChecks, StartedCheck } from './started-checks.js';

export { CANCELLED_REASON, isCancellation, RunCancelledError, throwIfCancelled };

/**
 * A cancelled (or timed-out) job, ended cleanly.
 *
 * When a workflow run is cancelled, or a job passes its `timeout-minutes`, the runner sends
 * SIGINT to the step's process, SIGTERM about 7.5 s later, and kills it about 2.5 s after
 * that. action.yml `exec`s node so the signal reaches it (bash, the step's shell, ignores
 * SIGINT while it waits for a child). Then:
 *
 *   1. the first signal aborts `signal`: the runner starts no more model calls, aborts those
 *      in flight and writes the partial Results document; the pipeline unwinds with
 *      `RunCancelledError` and claims no verdict (see trackCheckRuns);
 *   2. once it has unwound, or `unwindMs` after the first signal, or at once on a second
 *      signal, `finish` completes every check run still open as `cancelled`, writes the step
 *      summary and fails the step; beside the checks it runs the last words the mode left
 *      (`onCancel`: pr-mode's is the outdated notice, which must stop saying this commit is
 *      being evaluated), each given up after `lastWordsMs`, a failure only a warning;
 *   3. if the process was killed before 2 could finish, action.yml's finalize step completes
 *      the checks from the state file (finalize.ts).
 *
 * Why `cancelled` and not `neutral`: branch protection counts `neutral` (like `success` and
 * `skipped`) as passing, so a cancelled evaluation would let the pull request merge with no
 * verdict at all. `cancelled` keeps a required check blocking until the job is re-run, which
 * is what "no verdict was reached" means. (A timeout reaches the process as the same signals,
 * so it cannot tell the two apart: `timed_out` is never claimed, and everything written here,
 * the check, the step summary, the log and the outdated notice, says "cancelled or timed out".)
 */

/** The check run of a run that never reached a verdict. `detail` says what was (not) done. */
export function cancelledCheck(detail?: string): CompletedCheck {
  return {
    conclusion: 'cancelled',
    title: 'evalgate: cancelled or timed out, no verdict',
    summary: [
      `⏹️ evalgate did not reach a verdict: ${CANCELLED_REASON}.`,
      ...(detail ? ['', detail] : []),
    ].join('\n'),
    annotations: [],
  };
}

/** The step summary of a run cancelled after its verdict was published (the report above it stands). */
export const CANCELLED_AFTER_VERDICT_SUMMARY = `### ⏹️ evalgate: cancelled or timed out after its verdict was published\n\nThe verdict above was reached and posted on the pull request before the run was cancelled or timed out; the check carries it.\n`;

export const CANCELLED_SUMMARY = `### ⏹️ evalgate: cancelled or timed out, no verdict\n\n${CANCELLED_REASON[0]!.toUpperCase()}${CANCELLED_REASON.slice(1)}. Whatever finished is in the artifact's partial \`evalgate-results.json\`; it is not compared or gated.\n`;

/**
 * Work the cancel path does besides completing the checks, left by a mode while it runs
 * (pr-mode: correcting the outdated notice it wrote). Best effort: it runs beside the check
 * completions on the cancel path's own client, is given up at its deadline, and a failure is
 * a warning, never in the way of the cancelled check.
 */
export interface CancelTask {
  /** For the log: `Could not ${what}`. */
  what: string;
  run(api: CommentsApi): Promise<unknown>;
}

export interface CancellationOptions {
  checks: StartedChecks;
  /** The GitHub API for the cancel path: one that does not queue behind the pipeline's writes. */
  api?: ChecksApi & CommentsApi;
  io: {
    info(message: string): void;
    warning(message: string): void;
    setFailed(message: string): void;
    appendSummary(markdown: string): Promise<void>;
  };
  /** Ends the process (main.ts: process.exit), so a target that ignores its abort cannot keep it alive. */
  exit: (code: number) => void;
  /** How long the pipeline may take to unwind before `finish` runs anyway (default 3 s). */
  unwindMs?: number;
  /**
   * How long `finish` waits for the last words (default 4 s): with the 3 s unwind, within the
   * 7.5 s before the runner's SIGTERM, and well within the 10 s before its SIGKILL.
   */
  lastWordsMs?: number;
}

export class Cancellation {
  private readonly controller = new AbortController();
  private finishing: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly lastWords: CancelTask[] = [];
  /** Checks whose verdict this run reached and published before the cancel (see `reached`). */
  private readonly verdicts = new Map<number, CompletedCheck>();

  constructor(private readonly options: CancellationOptions) {}

  /**
   * The run reached this verdict and published it on the pull request: a cancel that lands
   * before the check is completed completes it with the verdict, not as cancelled, so the
   * check and the comment say the same (the evaluation did finish). Called only after the
   * comment is posted: a cancel before that still leaves no verdict anywhere.
   */
  reached(checkId: number, check: CompletedCheck): void {
    this.verdicts.set(checkId, check);
  }

  /** Leaves work for the cancel path (see CancelTask). Unused when the run is not cancelled. */
  onCancel(task: CancelTask): void {
    this.lastWords.push(task);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get requested(): boolean {
    return this.controller.signal.aborted;
  }

  /** Call on SIGINT and SIGTERM. */
  onSignal(name: string): void {
    if (!this.requested) {
      this.options.io.info(
        `evalgate: ${name} received (the run was cancelled or timed out): starting no more model calls, completing the check as cancelled.`,
      );
      this.controller.abort(new RunCancelledError());
      const ms = this.options.unwindMs ?? 3000;
      // Not unref'd: a pipeline stuck on a promise with nothing else pending must still finish.
      this.timer = setTimeout(() => void this.finish(), ms);
      return;
    }
    this.options.io.info(`evalgate: ${name} received again: finishing now.`);
    void this.finish();
  }

  /**
   * Completes the open checks as cancelled, writes the step summary, fails the step and ends
   * the process. Idempotent: the signal timer and the unwound pipeline may both call it.
   */
  finish(): Promise<void> {
    this.finishing ??= this.run();
    return this.finishing;
  }

  private async run(): Promise<void> {
    clearTimeout(this.timer);
    const { checks, api, io } = this.options;
    // Beside the checks, not before them: the cancelled check must not wait on a comment.
    const lastWords = this.sayLastWords();
    await checks.settle(2000);
    const open = checks.checks;
    await Promise.all(
      open.map(async (check: StartedCheck) => {
        if (!api) return;
        try {
          const verdict = this.verdicts.get(check.id);
          await completeCheckRun(api, check.id, verdict ?? cancelledCheck());
          checks.completed(check.id);
          io.info(
            verdict
              ? `Check run ${check.id} (${check.name}) completed with the verdict this run had published (${verdict.conclusion}).`
              : `Check run ${check.id} (${check.name}) completed as cancelled.`,
          );
        } catch (e) {
          io.warning(
            `Could not complete check run ${check.id} as cancelled (${e instanceof Error ? e.message : String(e)}); the finalize step will try again.`,
          );
        }
      }),
    );
    await lastWords;
    try {
      await io.appendSummary(this.verdicts.size ? CANCELLED_AFTER_VERDICT_SUMMARY : CANCELLED_SUMMARY);
    } catch (e) {
      io.warning(`Could not write the step summary: ${(e as Error).message}`);
    }
    io.setFailed(`evalgate: ${CANCELLED_REASON}`);
    this.options.exit(1);
  }

  private async sayLastWords(): Promise<void> {
    const { api, io } = this.options;
    const tasks = [...this.lastWords];
    if (!api || tasks.length === 0) return;
    const ms = this.options.lastWordsMs ?? 4000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
    await Promise.all(
      tasks.map(async (task) => {
        const done = Promise.resolve()
          .then(() => task.run(api))
          .then(
            () => 'done' as const,
            (e: unknown) =>
              io.warning(`Could not ${task.what}: ${e instanceof Error ? e.message : String(e)}`),
          );
        if ((await Promise.race([done, deadline])) === 'late')
          io.warning(`Could not ${task.what} within the ${ms / 1000} s the cancel leaves it; gave up.`);
      }),
    );
    clearTimeout(timer);
  }
}
