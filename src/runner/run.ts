import type { RunContext } from './context.js';
import { announceRun } from './record.js';
import { schedule } from './schedule.js';
import { summarizeRun } from './summarize.js';
import type { RunOptions, RunOutcome } from './types.js';
import { planRun, workItems } from './work.js';

export { sampleStatus } from './grade.js';
export { cacheNamespace, computeRunKey } from './work.js';

export type { RunEvent, RunMetadata, RunOptions, RunOutcome } from './types.js';

/**
 * The run stage: every (suite, case, sample) of `suites` against its target, graded, into
 * the Results document at `outFile`. The steps, each in its own file:
 *
 *   1. plan       work.ts       options → one context; the journal opened, an interrupted
 *                               run's samples replayed; the work as a lazy iterator
 *   2. schedule   schedule.ts   `concurrency` workers drain it; limiters, abort, faults
 *   3. sample     sample.ts     prepare → cache lookup → invoke with retries
 *   4. grade      grade.ts      the case's graders on the answer → the sample's status
 *   5. record     record.ts     journal + ledger + events, then the sample is dropped
 *   6. summarize  summarize.ts  the document assembled from the journal (writer.ts)
 *
 * Work is a lazy iterator drained by `concurrency` workers, so 100,000 cases never become
 * 100,000 promises. Each finished sample is appended to the journal and folded into its
 * suite's metrics, then dropped; the document is assembled from the journal at the end (see
 * journal.ts and writer.ts). Per-sample failures become error samples and never stop the run.
 *
 * Work is issued in document order, so while one target is paused (rate limited) the workers
 * holding its samples wait rather than move on to another target's suite: simpler, and a
 * pause lasts seconds. Targets are the caller's: it closes them.
 */
export async function runEval(options: RunOptions): Promise<RunOutcome> {
  const ctx = planRun(options);
  announceRun(ctx);
  let complete = false;
  try {
    await schedule(ctx, workItems(ctx));
    ctx.journal.flush();
    const outcome = summarizeRun(ctx);
    complete = outcome.journal === undefined; // a partial run keeps its journal
    return outcome;
  } finally {
    closeRun(ctx, complete);
  }
}

/** The journal outlives anything short of a complete document: the next run resumes from it. */
function closeRun(ctx: RunContext, complete: boolean): void {
  ctx.runAbort.dispose();
  try {
    if (complete) ctx.journal.remove();
    else ctx.journal.close();
  } catch (e) {
    // Not worth failing a run whose document is written (or hiding the error that stopped it).
    ctx.emit({ type: 'warning', message: `journal ${ctx.journalFile}: ${(e as Error).message}` });
  }
}
