// What a cancelled run throws and how the pipeline recognises it: apart from cancel.ts, which
// ends the run and completes its checks, so that started-checks.ts (which cancel.ts drives)
// can throw it without importing cancel.ts. See cancel.ts for the whole story.

export const CANCELLED_REASON =
  'the workflow run was cancelled or timed out before a verdict was reached; re-run the job';

/** Thrown where the pipeline stops because the job was cancelled: never a verdict, never a pass. */
export class RunCancelledError extends Error {
  constructor() {
    super(`evalgate: ${CANCELLED_REASON}`);
    this.name = 'RunCancelledError';
  }
}

export function isCancellation(e: unknown): e is RunCancelledError {
  return e instanceof RunCancelledError;
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunCancelledError();
}
