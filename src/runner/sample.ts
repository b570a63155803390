import type { LoadedCase, LoadedSuite } from '../config/load.js';
import { caseInput } from '../config/targets.js';
import type { GradeInput } from '../graders/types.js';
import type { GraderVerdict, SampleResult, TargetOutput } from '../results/types.js';
import { plainText } from '../report/escape.js';
import { TargetError, type InvokeResult, type PreparedRequest, type Target } from '../targets/types.js';
import type { ResponseCache } from './cache.js';
import type { RunContext, TargetSetting } from './context.js';
import { errorSample, gradeAnswer, gradedSample, gradeInput, isThenable, sampleStatus } from './grade.js';
import { cacheKey } from './key.js';
import type { Ticket } from './limiter.js';
import { describeFailure, loadingDelay, retryDelay, type Failure } from './retry.js';

/**
 * Step 3, sample: prepare the request → look it up in the cache → invoke the target, with
 * retries → grade (grade.ts). A failure becomes an error sample; null means the run was
 * aborted and the sample is not taken.
 */
export async function takeSample(
  ctx: RunContext,
  suite: LoadedSuite,
  c: LoadedCase,
  position: number,
): Promise<SampleResult | null> {
  const index = ctx.offset + position;
  const target = ctx.targets.get(suite.target)!;
  let request: PreparedRequest;
  try {
    request = target.prepare(caseInput(suite, c, index));
  } catch (e) {
    return errorSample(index, { kind: 'config', message: (e as Error)?.message ?? String(e) }, 0);
  }
  const seed = request.seed;

  let key: string | undefined;
  let hit: { output: TargetOutput; latencyMs: number } | undefined;
  const cacheAs = ctx.settings.get(suite.target)!.cacheAs;
  if (ctx.cache && cacheAs !== null) {
    key = cacheKey(cacheAs, request, index);
    try {
      hit = await ctx.cache.get(key);
    } catch {
      hit = undefined;
    }
  }

  let output: TargetOutput;
  let latencyMs: number;
  let retries = 0;
  let graded: { input: GradeInput; graders: GraderVerdict[] } | undefined;
  if (hit && ctx.refreshFailures) {
    // A cached answer that did not pass is asked for again: a failure must not be permanent.
    const input = gradeInput(ctx, c, target, hit.output, hit.latencyMs);
    const graders = await gradeAnswer(c, input);
    if (sampleStatus(graders) === 'pass') graded = { input, graders };
    else hit = undefined;
  }
  if (hit) {
    output = hit.output;
    latencyMs = hit.latencyMs;
    // A run of cache hits never leaves the microtask queue: let timers and signals in.
    if (++ctx.syncStreak >= 256) await breathe(ctx);
  } else {
    ctx.syncStreak = 0;
    const r = await invokeWithRetries(ctx, suite.target, target, request);
    if (r === ABORTED) return null;
    if ('failure' in r) {
      const { kind, message, status } = r.failure;
      return errorSample(index, { kind, message, ...(status !== undefined && { status }) }, r.retries, seed);
    }
    ({ output, latencyMs, retries } = r);
    if (ctx.cache && key) {
      storeInCache(ctx, ctx.cache, key, { output, latencyMs });
      // Writes run in the background; only a disk slower than the targets makes us wait.
      if (ctx.cacheWrites.size >= ctx.concurrency * 2) await Promise.race(ctx.cacheWrites);
    }
  }

  const input = graded?.input ?? gradeInput(ctx, c, target, output, latencyMs);
  const graders = graded?.graders ?? (await gradeAnswer(c, input));
  return gradedSample(index, seed, input, graders, retries, hit !== undefined);
}

/** The run was aborted: the sample is not taken (and not journaled, so a resume takes it). */
export const ABORTED = Symbol('aborted');

type Invoked =
  { output: TargetOutput; latencyMs: number; retries: number } | { failure: Failure; retries: number };

/**
 * One request through the target's limiter until it answers, fails for good or the run is
 * aborted. A server still loading its model is waited for on a budget of its own (the
 * target's, from its first "loading" answer); other retryable failures get `retries` retries
 * with backoff, and a 429 pauses every request to the target.
 */
async function invokeWithRetries(
  ctx: RunContext,
  name: string,
  target: Target,
  request: PreparedRequest,
): Promise<Invoked | typeof ABORTED> {
  const setting = ctx.settings.get(name)!;
  const { limiter, timeoutMs } = setting;
  // Waits for a loading model are on their own budget, not the ordinary retries'.
  let loadingRetries = 0;
  for (let attempt = 0; ; attempt++) {
    const ticket = await limiter.acquire();
    if (!ticket) return ABORTED;
    if (ctx.signal?.aborted) {
      limiter.release(ticket, 'error');
      return ABORTED;
    }
    const started = ctx.clock.now();
    let result: InvokeResult;
    try {
      result = await invokeOnce(ctx, target, request, timeoutMs);
    } catch (e) {
      if (ctx.signal?.aborted) {
        limiter.release(ticket, 'error');
        return ABORTED;
      }
      const failure = describeFailure(e, ctx.clock.now());
      const loadingFor = setting.loadingSince === null ? 0 : ctx.clock.now() - setting.loadingSince;
      if (failure.loading && loadingFor < ctx.modelLoadWaitMs) {
        limiter.release(ticket, 'error');
        await backoffSleep(ctx, modelLoadDelay(ctx, name, setting, failure, loadingRetries++, loadingFor));
        if (ctx.signal?.aborted) return ABORTED;
        attempt--; // not one of the ordinary retries
        continue;
      }
      const delay = retryDelayAfter(ctx, name, setting, ticket, failure, attempt);
      if (delay === null) return { failure, retries: attempt + loadingRetries };
      await backoffSleep(ctx, delay);
      if (ctx.signal?.aborted) return ABORTED;
      continue;
    }
    const latencyMs = Math.round((ctx.clock.now() - started) * 10) / 10;
    limiter.observe(result.headers);
    limiter.release(ticket, 'ok');
    if (setting.loadingSince !== null) modelLoaded(ctx, name, setting, setting.loadingSince);
    return { output: result.output, latencyMs, retries: attempt + loadingRetries };
  }
}

/** How long to wait for a loading model before asking again; says so on its first answer. */
function modelLoadDelay(
  ctx: RunContext,
  name: string,
  setting: TargetSetting,
  failure: Failure,
  loadingRetry: number,
  loadingFor: number,
): number {
  // The load budget is the target's, from its first "loading" answer: a model that never
  // loads costs the run two minutes, not two minutes per sample.
  const delay = Math.min(
    loadingDelay(loadingRetry, ctx.random, failure.retryAfterMs),
    ctx.modelLoadWaitMs - loadingFor,
  );
  if (setting.loadingSince === null) {
    setting.loadingSince = ctx.clock.now();
    ctx.emit({
      type: 'warning',
      message: `${name}: the server is loading its model (HTTP ${failure.status ?? 503}: ${plainText(failure.message, { maxLength: 120 })}); waiting up to ${formatMs(ctx.modelLoadWaitMs)} for it`,
    });
  }
  return delay;
}

/** A model that was loading answered: say how long it took, and reset its load budget. */
function modelLoaded(ctx: RunContext, name: string, setting: TargetSetting, since: number): void {
  ctx.emit({
    type: 'warning',
    message: `${name}: the model is loaded; it took ${formatMs(ctx.clock.now() - since)}`,
  });
  setting.loadingSince = null;
  setting.loadGivenUp = false;
}

/**
 * After a failed attempt: releases its ticket (pausing the target first on a 429) and returns
 * the backoff before the next attempt, or null when the failure is final.
 */
function retryDelayAfter(
  ctx: RunContext,
  name: string,
  setting: TargetSetting,
  ticket: Ticket,
  failure: Failure,
  attempt: number,
): number | null {
  const { limiter } = setting;
  if (failure.loading && !setting.loadGivenUp) {
    setting.loadGivenUp = true;
    ctx.emit({
      type: 'warning',
      message: `${name}: the model did not load within ${formatMs(ctx.modelLoadWaitMs)}; its requests now get the ordinary retries`,
    });
  }
  const retry = failure.retryable && attempt < setting.retries;
  const delay = retry ? retryDelay(attempt, ctx.random, ctx.backoff, failure.retryAfterMs) : 0;
  // Pause before releasing the slot, or the release would hand it straight to a waiter.
  limiter.observe(failure.headers);
  const wait = failure.rateLimited ? (failure.retryAfterMs ?? delay) : 0;
  if (wait > 0) {
    limiter.pause(wait, `${failure.status ?? 429} rate limited: pausing requests for ${formatMs(wait)}`);
  }
  limiter.release(ticket, failure.rateLimited ? 'rate-limited' : 'error');
  return retry ? delay : null;
}

/** One request, bounded by its timeout and the run's abort, even if the target ignores both. */
async function invokeOnce(
  ctx: RunContext,
  target: Target,
  request: PreparedRequest,
  timeoutMs: number,
): Promise<InvokeResult> {
  const { runAbort } = ctx;
  const ctrl = new AbortController();
  let timedOut = false;
  const onRunAbort = () => ctrl.abort(runAbort.reason);
  runAbort.subscribe(onRunAbort);
  const cancelTimer = ctx.clock.setTimer(timeoutMs, () => {
    timedOut = true;
    // The reason AbortSignal.timeout() gives, which targets read as "timed out, retry".
    ctrl.abort(new DOMException(`no response within ${timeoutMs} ms`, 'TimeoutError'));
  });
  // A target that ignores its signal must not hold a worker past the timeout.
  const aborted = new Promise<never>((_, reject) => {
    ctrl.signal.addEventListener('abort', () => reject(ctrl.signal.reason), { once: true });
  });
  try {
    const result = await Promise.race([target.invoke(request, { signal: ctrl.signal, timeoutMs }), aborted]);
    if (!result || typeof result.output?.output !== 'string') {
      throw new TargetError('malformed', 'target returned no output text');
    }
    return result;
  } catch (e) {
    if (timedOut) throw new TargetError('timeout', `no response within ${timeoutMs} ms`, { retryable: true });
    throw e;
  } finally {
    cancelTimer();
    runAbort.unsubscribe(onRunAbort);
  }
}

/** Sleeps through a backoff unless the run is aborted first. */
async function backoffSleep(ctx: RunContext, ms: number): Promise<void> {
  const wait = ctx.runAbort.child();
  try {
    await ctx.clock.sleep(ms, wait.signal);
  } finally {
    wait.done();
  }
}

/** Writes a fresh answer to the cache in the background, tracked so the run can wait for it. */
function storeInCache(
  ctx: RunContext,
  store: ResponseCache,
  key: string,
  value: { output: TargetOutput; latencyMs: number },
): void {
  const { cacheWrites } = ctx;
  let written: void | Promise<void>;
  try {
    written = store.set(key, value);
  } catch (e) {
    ctx.cacheWarning(e);
    return;
  }
  if (!isThenable(written)) return;
  const tracked: Promise<void> = Promise.resolve(written)
    .catch(ctx.cacheWarning)
    .finally(() => cacheWrites.delete(tracked));
  cacheWrites.add(tracked);
}

/** The run's handler of failed cache writes: the first is warned about, the rest are not. */
export function cacheWarning(emit: RunContext['emit']): (e: unknown) => void {
  let warned = false;
  return (e) => {
    if (warned) return;
    warned = true;
    emit({ type: 'warning', message: `response cache not written: ${(e as Error)?.message ?? String(e)}` });
  };
}

/** One turn of the event loop, shared, so all workers park together and timers really run. */
function breathe(ctx: RunContext): Promise<void> {
  return (ctx.breather ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      ctx.breather = undefined;
      ctx.syncStreak = 0;
      resolve();
    }),
  ));
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)}s` : `${Math.round(ms)}ms`;
}
