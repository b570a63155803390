import type { LoadedCase } from '../config/load.js';
import type { SampleResult, TargetOutput } from '../results/types.js';
import { plainText } from '../report/escape.js';
import type { RunContext } from './context.js';
import type { RunEvent, RunOptions } from './types.js';

/**
 * Step 5, record: each finished sample is appended to the journal, folded into its suite's
 * metrics in the ledger (and then dropped), and announced as events.
 */
export function recordSample(
  ctx: RunContext,
  s: number,
  ci: number,
  position: number,
  sample: SampleResult,
): void {
  const { ledger } = ctx;
  const c = ctx.suites[s]!.cases[ci]!;
  const at = ctx.journal.append(s, ci, position, c.id, JSON.stringify(sample));
  const { caseDone, suiteDone, samples } = ledger.record(s, ci, position, sample, at.offset, at.length);
  if (sample.error && !ctx.firstErrors.has(s)) ctx.firstErrors.set(s, sample.error.message);
  if (caseDone && samples && samples.length > 1) checkCopies(ctx, s, c, samples);
  ctx.emit({
    type: 'sample',
    suite: ctx.suites[s]!.id,
    case: c.id,
    index: sample.index,
    status: sample.status,
    cached: sample.cached,
    retries: sample.retries,
    ...(sample.error && { error: sample.error }),
  });
  if (suiteDone) finishSuite(ctx, s);
  ctx.probe?.({ inFlight: ctx.inFlight, heldSamples: ledger.heldSamples });
}

/** The run starts: its size, and the suites a resumed journal already holds whole. */
export function announceRun(ctx: RunContext): void {
  const { suites, ledger } = ctx;
  ctx.emit({
    type: 'run-started',
    runId: ctx.header.runId,
    total: ledger.totalSamples,
    resumed: ctx.resumed,
    suites: suites.length,
  });
  suites.forEach((suite, s) => {
    if (suite.cases.length > 0 && ledger.suiteComplete(s)) {
      ctx.emit({ type: 'suite-started', suite: suite.id, cases: suite.cases.length });
      finishSuite(ctx, s);
    }
  });
}

/** The run's events go to `onEvent`; a broken progress display must not break the run. */
export function eventSink(onEvent: RunOptions['onEvent']): (event: RunEvent) => void {
  return (event) => {
    try {
      onEvent?.(event);
    } catch {
      // A broken progress display must not break the run.
    }
  };
}

function finishSuite(ctx: RunContext, s: number): void {
  const metrics = ctx.ledger.metrics[s]!.snapshot();
  const first = ctx.firstErrors.get(s);
  // Counts alone do not say why: a suite where nothing could be graded shows its first error.
  if (metrics.samples > 0 && metrics.errors === metrics.samples && first !== undefined) {
    ctx.emit({
      type: 'warning',
      message: `suite ${plainText(ctx.suites[s]!.id)}: every sample errored; the first: ${plainText(first, { maxLength: 300 })}`,
    });
  }
  ctx.emit({ type: 'suite-finished', suite: ctx.suites[s]!.id, metrics });
}

/**
 * Repeats of a deterministic target (temperature 0) that came back byte-identical are one
 * answer counted n times: say so, once per suite, rather than let the statistics take them
 * for independent samples.
 */
function checkCopies(ctx: RunContext, s: number, c: LoadedCase, samples: readonly SampleResult[]): void {
  const suite = ctx.suites[s]!;
  if (ctx.copiesWarned.has(s) || !ctx.targets.get(suite.target)!.deterministic) return;
  const first = samples[0]?.output;
  if (!first) return;
  const text = answerText(first);
  for (let i = 1; i < samples.length; i++) {
    const o = samples[i]!.output;
    if (!o || answerText(o) !== text) return;
  }
  ctx.copiesWarned.add(s);
  ctx.emit({
    type: 'warning',
    message: `suite ${plainText(suite.id)}: the ${samples.length} samples of case ${plainText(c.id)} are identical: target '${suite.target}' answers deterministically (temperature 0), so repeat: ${samples.length} adds copies, not independent samples; raise the temperature or use repeat: 1`,
  });
}

/** What makes two answers the same answer: the text and any tool calls. */
function answerText(o: TargetOutput): string {
  return o.toolCalls?.length ? `${o.output}\u0000${JSON.stringify(o.toolCalls)}` : o.output;
}
