import type { ChecksApi } from '../github/api.js';
import { completeCheckRun } from '../publish/check-run.js';
import { cancelledCheck } from './cancel.js';
import { readStartedChecks, removeStartedChecks } from './started-checks.js';

/**
 * action.yml's last word on the check runs (`EVALGATE_FINALIZE`, `if: always()` after the
 * evalgate step): completes the ones the evalgate process started and could not complete,
 * because the runner killed it (a cancel or timeout that outlasted the grace period) or it
 * crashed. The state file exists only while a check is open, so after a normal run this
 * reads nothing and does nothing.
 *
 * A check is completed only if GitHub still shows it unfinished: one the process completed
 * just before being killed (before it could remove the file) keeps its verdict.
 */
export async function finalizeStartedChecks(options: {
  api: ChecksApi;
  stateFile: string;
  repo: string;
  /** `steps.evalgate.outcome`: cancelled, failure, success (or empty outside action.yml). */
  outcome: string;
  io: { info(message: string): void; warning(message: string): void };
}): Promise<{ completed: number[] }> {
  const { api, io } = options;
  const checks = readStartedChecks(options.stateFile, options.repo);
  if (!checks) return { completed: [] };
  const completed: number[] = [];
  const failures: string[] = [];
  const detail =
    options.outcome === 'cancelled'
      ? "The evalgate step was stopped before it could complete this check itself; the job's finalize step completed it."
      : `The evalgate step ended (${options.outcome || 'outcome unknown'}) without completing this check; the job's finalize step completed it.`;
  for (const check of checks) {
    try {
      // The checks API lists by commit (it is the call evalgate already makes); the id picks ours.
      const now = (await api.listCheckRunsForRef(check.headSha, { checkName: check.name })).find(
        (c) => c.id === check.id,
      );
      if (!now) {
        io.info(`Check run ${check.id} (${check.name}) is no longer on ${check.headSha.slice(0, 12)}.`);
        continue;
      }
      if (now.status === 'completed') {
        io.info(`Check run ${check.id} (${check.name}) is already completed (${now.conclusion}).`);
        continue;
      }
      await completeCheckRun(api, check.id, cancelledCheck(detail));
      completed.push(check.id);
      io.info(`Check run ${check.id} (${check.name}) completed as cancelled.`);
    } catch (e) {
      failures.push(`check run ${check.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (failures.length) {
    // The file stays: a re-run of this step (or a person) can still see what is open.
    io.warning(`Could not complete every check run left open: ${failures.join('; ')}`);
    throw new Error(`evalgate finalize: ${failures.length} check run(s) left in progress`);
  }
  removeStartedChecks(options.stateFile);
  return { completed };
}
