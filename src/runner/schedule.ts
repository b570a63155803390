import type { RunContext } from './context.js';
import { errorSample } from './grade.js';
import { recordSample } from './record.js';
import { describeFailure } from './retry.js';
import { takeSample } from './sample.js';

/**
 * Step 2, schedule: `concurrency` workers drain the lazy work iterator, each taking one
 * sample at a time and recording it; the target's limiter decides when its request goes.
 * An abort stops new work; a fault of the runner's own (a full disk under the journal) stops
 * every worker and is thrown once they have all stopped. Returns when the work is done and
 * every background cache write has settled.
 */
export async function schedule(ctx: RunContext, items: Iterator<[number, number, number]>): Promise<void> {
  const { signal } = ctx;
  // Per-sample failures are samples; anything thrown here is the runner's own.
  let fatal: { error: unknown } | undefined;
  const worker = async () => {
    while (!signal?.aborted && !fatal) {
      const next = items.next();
      if (next.done) return;
      ctx.inFlight++;
      try {
        await processItem(ctx, ...next.value);
      } catch (error) {
        fatal ??= { error };
      } finally {
        ctx.inFlight--;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: ctx.concurrency }, worker));
  } finally {
    for (const { limiter } of ctx.settings.values()) limiter.close();
    await Promise.all(ctx.cacheWrites);
  }
  if (fatal) throw fatal.error;
}

/** One work item: take the sample (an unexpected throw is an error sample), then record it. */
async function processItem(ctx: RunContext, s: number, ci: number, position: number): Promise<void> {
  const suite = ctx.suites[s]!;
  let sample;
  try {
    sample = await takeSample(ctx, suite, suite.cases[ci]!, position);
  } catch (e) {
    if (ctx.signal?.aborted) return;
    const { kind, message } = describeFailure(e, ctx.clock.now());
    sample = errorSample(ctx.offset + position, { kind, message }, 0);
  }
  if (sample) recordSample(ctx, s, ci, position, sample);
}
