import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { LoadedCase, LoadedProject, LoadedSuite } from '../config/load.js';
import type { Price } from '../config/schema.js';
import { isHumanReviewed } from '../graders/layers.js';
import { detectRefusal } from '../graders/refusal.js';
import { plainText } from '../report/escape.js';
import type { GradeInput, Grader } from '../graders/types.js';
import type {
  GraderVerdict,
  ResultsDocument,
  RunInfo,
  SampleError,
  SampleResult,
  SampleStatus,
  SuiteMetrics,
  TargetOutput,
} from '../results/types.js';
import {
  TargetError,
  type CaseInput,
  type InvokeResult,
  type PreparedRequest,
  type Target,
} from '../targets/types.js';
import { canonicalJson, sha256 } from '../util/hash.js';
import { EVALGATE_VERSION } from '../version.js';
import type { ResponseCache } from './cache.js';
import { RunAbort } from './abort.js';
import { systemClock, type Clock } from './clock.js';
import { Journal, type JournalHeader, type JournalRecord } from './journal.js';
import { RunLedger } from './ledger.js';
import { AdaptiveLimiter } from './limiter.js';
import { PriceTable } from './pricing.js';
import {
  DEFAULT_BACKOFF,
  DEFAULT_MODEL_LOAD_WAIT_MS,
  describeFailure,
  loadingDelay,
  retryDelay,
  type BackoffPolicy,
  type Failure,
} from './retry.js';
import { writeResultsDocument } from './writer.js';
import { cacheKey } from './key.js';

/** What the caller knows about the run that the runner cannot: embedded in `run`. */
export interface RunMetadata {
  /** Defaults to a random UUID (an interrupted run keeps its id when resumed). */
  id?: string;
  gitSha?: string;
  gitRef?: string;
  /** Relative to the working directory; defaults to the config path relative to the project root. */
  configPath?: string;
  components?: RunInfo['components'];
  /** Defaults to each used target's `info`. */
  targets?: RunInfo['targets'];
  /** concurrency and cache default to the run's; suites and filters as the user gave them. */
  options?: Partial<RunInfo['options']>;
  nodeVersion?: string;
}

export type RunEvent =
  /** `resumed` samples were found in the journal of an interrupted run and are not run again. */
  | { type: 'run-started'; runId: string; total: number; resumed: number; suites: number }
  | { type: 'suite-started'; suite: string; cases: number }
  | { type: 'suite-finished'; suite: string; metrics: SuiteMetrics }
  | {
      type: 'sample';
      suite: string;
      case: string;
      index: number;
      status: SampleStatus;
      cached: boolean;
      retries: number;
      error?: SampleError;
    }
  /** Every request to `target` waits `pauseMs` (a 429's retry-after, or an exhausted quota). */
  | { type: 'rate-limit'; target: string; pauseMs: number; reason: string }
  | { type: 'warning'; message: string };

export interface RunOptions {
  project: LoadedProject;
  /** The suites to run, in the order the document should list them (already filtered). */
  suites: LoadedSuite[];
  /** By target name; every suite's target must be here. The caller closes them. */
  targets: Map<string, Target>;
  outFile: string;
  /** Defaults to `<outFile>.journal`. */
  journalFile?: string;
  /** Requests in flight at once across the run; a target's own `concurrency` may lower it for that target. */
  concurrency: number;
  /** Per request; a target's `timeoutMs` overrides it. */
  timeoutMs: number;
  /** Retries of a retryable failure; a target's `retries` overrides it. */
  retries: number;
  /**
   * How long a target's requests wait out a server answering "503 Loading model", from its
   * first such answer, before the ordinary `retries` take over (default 120,000: two minutes).
   */
  modelLoadWaitMs?: number;
  cache: ResponseCache | null;
  /**
   * Where sample indices start (default 0): sample k of a case is index `sampleOffset + k`,
   * and its seed and cache key derive from that index. A re-sampling run passes an offset past
   * every index the original run used (e.g. 1000), so it gets fresh seeds and never the
   * original samples' cached answers.
   */
  sampleOffset?: number;
  /**
   * A cached answer whose sample grades fail (or error) is requested afresh, and the fresh
   * answer replaces it in the cache; cached passes are replayed as usual. For a re-run of a
   * failed CI job: a failure once cached is otherwise replayed forever.
   */
  refreshFailures?: boolean;
  /** USD per million tokens by model, over the built-in defaults. */
  prices?: Record<string, Price>;
  run?: RunMetadata;
  onEvent?: (event: RunEvent) => void;
  /** Abort to stop: no new work starts, in-flight requests are aborted, a partial document is written. */
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Request timeouts; give it with `sleep` when time is virtual. */
  setTimer?: (ms: number, fn: () => void) => () => void;
  random?: () => number;
  backoff?: BackoffPolicy;
  /** Test hook, called after every sample: what the runner holds in memory. */
  probe?: (stats: { inFlight: number; heldSamples: number }) => void;
}

export interface RunOutcome {
  path: string;
  runId: string;
  summary: ResultsDocument['summary'];
  suites: { id: string; tier: LoadedSuite['tier']; target: string; metrics: SuiteMetrics }[];
  /** Samples taken from an interrupted run's journal rather than run again. */
  resumed: number;
  /** Kept when the run was interrupted, so the next run with the same inputs resumes. */
  journal?: string;
}

const ABORTED = Symbol('aborted');

/**
 * The run stage: every (suite, case, sample) of `suites` against its target, graded, into
 * the Results document at `outFile`.
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
  const { project, suites, targets, cache, signal } = options;
  const clock: Clock = {
    now: options.now ?? systemClock.now,
    sleep: options.sleep ?? systemClock.sleep,
    setTimer: options.setTimer ?? (options.sleep ? timerFromSleep(options.sleep) : systemClock.setTimer),
  };
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const offset = options.sampleOffset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new Error(`runEval: sampleOffset must be a whole number ≥ 0, got ${offset}`);
  const modelLoadWaitMs = Math.max(0, options.modelLoadWaitMs ?? DEFAULT_MODEL_LOAD_WAIT_MS);
  const refreshFailures = options.refreshFailures === true;
  const prices = new PriceTable(options.prices ?? project.config.prices);
  const meta = options.run ?? {};
  const emit = (event: RunEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken progress display must not break the run.
    }
  };

  for (const s of suites) {
    if (!targets.has(s.target)) throw new Error(`runEval: no target '${s.target}' for suite '${s.id}'`);
  }

  const settings = new Map<
    string,
    {
      timeoutMs: number;
      retries: number;
      limiter: AdaptiveLimiter;
      cacheAs: string | null;
      /** Since when the server has been answering "loading model" (null: it is not). */
      loadingSince: number | null;
      /** The load budget ran out (said once). */
      loadGivenUp: boolean;
    }
  >();
  for (const name of new Set(suites.map((s) => s.target))) {
    const spec = project.config.targets[name];
    const max = Math.min(spec?.concurrency ?? concurrency, concurrency);
    settings.set(name, {
      timeoutMs: spec?.timeoutMs ?? options.timeoutMs,
      retries: spec?.retries ?? options.retries,
      cacheAs: cacheNamespace(name, spec, meta.targets?.[name]?.systemVersion),
      loadingSince: null,
      loadGivenUp: false,
      limiter: new AdaptiveLimiter(name, max, clock, (pauseMs, reason) =>
        emit({ type: 'rate-limit', target: name, pauseMs, reason }),
      ),
    });
  }

  const outFile = resolve(options.outFile);
  const journalFile = options.journalFile ? resolve(options.journalFile) : `${outFile}.journal`;
  mkdirSync(dirname(outFile), { recursive: true });
  mkdirSync(dirname(journalFile), { recursive: true });

  const ledger = new RunLedger(suites);
  const runKey = computeRunKey(project, suites, meta, targets, offset);
  const opened = Journal.open(
    journalFile,
    {
      evalgateJournal: 1,
      runKey,
      runId: meta.id ?? randomUUID(),
      startedAt: new Date(clock.now()).toISOString(),
    },
    (record) => replayRecord(record, suites, ledger, offset),
  );
  const { journal } = opened;
  const header: JournalHeader = opened.header;
  const resumed = ledger.doneSamples;
  if (opened.discarded)
    emit({ type: 'warning', message: `started afresh: ${journalFile} held ${opened.discarded}` });

  // One listener on the caller's signal, however many requests wait on it (abort.ts).
  const runAbort = new RunAbort(signal);
  runAbort.subscribe(() => {
    for (const { limiter } of settings.values()) limiter.close();
  });
  /** Suites already warned that their repeats are copies; each suite's first error (for an all-error suite). */
  const copiesWarned = new Set<number>();
  const firstErrors = new Map<number, string>();

  let inFlight = 0;
  let syncStreak = 0;
  let breather: Promise<void> | undefined;
  // Shared, so all workers park together and the event loop really gets a turn.
  const breathe = () =>
    (breather ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        breather = undefined;
        syncStreak = 0;
        resolve();
      }),
    ));
  let cacheWarned = false;
  const cacheWarning = (e: unknown) => {
    if (cacheWarned) return;
    cacheWarned = true;
    emit({ type: 'warning', message: `response cache not written: ${(e as Error)?.message ?? String(e)}` });
  };
  const cacheWrites = new Set<Promise<void>>();
  const storeInCache = (
    store: ResponseCache,
    key: string,
    value: { output: TargetOutput; latencyMs: number },
  ) => {
    let written: void | Promise<void>;
    try {
      written = store.set(key, value);
    } catch (e) {
      cacheWarning(e);
      return;
    }
    if (!isThenable(written)) return;
    const tracked: Promise<void> = Promise.resolve(written)
      .catch(cacheWarning)
      .finally(() => cacheWrites.delete(tracked));
    cacheWrites.add(tracked);
  };

  // ------------------------------------------------------------------ one sample

  const invokeOnce = async (
    target: Target,
    request: PreparedRequest,
    timeoutMs: number,
  ): Promise<InvokeResult> => {
    const ctrl = new AbortController();
    let timedOut = false;
    const onRunAbort = () => ctrl.abort(runAbort.reason);
    runAbort.subscribe(onRunAbort);
    const cancelTimer = clock.setTimer(timeoutMs, () => {
      timedOut = true;
      // The reason AbortSignal.timeout() gives, which targets read as "timed out, retry".
      ctrl.abort(new DOMException(`no response within ${timeoutMs} ms`, 'TimeoutError'));
    });
    // A target that ignores its signal must not hold a worker past the timeout.
    const aborted = new Promise<never>((_, reject) => {
      ctrl.signal.addEventListener('abort', () => reject(ctrl.signal.reason), { once: true });
    });
    try {
      const result = await Promise.race([
        target.invoke(request, { signal: ctrl.signal, timeoutMs }),
        aborted,
      ]);
      if (!result || typeof result.output?.output !== 'string') {
        throw new TargetError('malformed', 'target returned no output text');
      }
      return result;
    } catch (e) {
      if (timedOut)
        throw new TargetError('timeout', `no response within ${timeoutMs} ms`, { retryable: true });
      throw e;
    } finally {
      cancelTimer();
      runAbort.unsubscribe(onRunAbort);
    }
  };

  type Invoked =
    { output: TargetOutput; latencyMs: number; retries: number } | { failure: Failure; retries: number };

  /** Sleeps through a backoff unless the run is aborted first. */
  const backoffSleep = async (ms: number) => {
    const wait = runAbort.child();
    try {
      await clock.sleep(ms, wait.signal);
    } finally {
      wait.done();
    }
  };

  const invokeWithRetries = async (
    name: string,
    target: Target,
    request: PreparedRequest,
  ): Promise<Invoked | typeof ABORTED> => {
    const setting = settings.get(name)!;
    const { limiter, timeoutMs, retries: maxRetries } = setting;
    // Waits for a loading model are on their own budget, not the ordinary retries'.
    let loadingRetries = 0;
    for (let attempt = 0; ; attempt++) {
      const ticket = await limiter.acquire();
      if (!ticket) return ABORTED;
      if (signal?.aborted) {
        limiter.release(ticket, 'error');
        return ABORTED;
      }
      const started = clock.now();
      let result: InvokeResult;
      try {
        result = await invokeOnce(target, request, timeoutMs);
      } catch (e) {
        if (signal?.aborted) {
          limiter.release(ticket, 'error');
          return ABORTED;
        }
        const failure = describeFailure(e, clock.now());
        // The load budget is the target's, from its first "loading" answer: a model that never
        // loads costs the run two minutes, not two minutes per sample.
        const loadingFor = setting.loadingSince === null ? 0 : clock.now() - setting.loadingSince;
        if (failure.loading && loadingFor < modelLoadWaitMs) {
          limiter.release(ticket, 'error');
          const delay = Math.min(
            loadingDelay(loadingRetries++, random, failure.retryAfterMs),
            modelLoadWaitMs - loadingFor,
          );
          if (setting.loadingSince === null) {
            setting.loadingSince = clock.now();
            emit({
              type: 'warning',
              message: `${name}: the server is loading its model (HTTP ${failure.status ?? 503}: ${plainText(failure.message, { maxLength: 120 })}); waiting up to ${formatMs(modelLoadWaitMs)} for it`,
            });
          }
          await backoffSleep(delay);
          if (signal?.aborted) return ABORTED;
          attempt--; // not one of the ordinary retries
          continue;
        }
        if (failure.loading && !setting.loadGivenUp) {
          setting.loadGivenUp = true;
          emit({
            type: 'warning',
            message: `${name}: the model did not load within ${formatMs(modelLoadWaitMs)}; its requests now get the ordinary retries`,
          });
        }
        const retry = failure.retryable && attempt < maxRetries;
        const delay = retry ? retryDelay(attempt, random, backoff, failure.retryAfterMs) : 0;
        // Pause before releasing the slot, or the release would hand it straight to a waiter.
        limiter.observe(failure.headers);
        const wait = failure.rateLimited ? (failure.retryAfterMs ?? delay) : 0;
        if (wait > 0) {
          limiter.pause(
            wait,
            `${failure.status ?? 429} rate limited: pausing requests for ${formatMs(wait)}`,
          );
        }
        limiter.release(ticket, failure.rateLimited ? 'rate-limited' : 'error');
        if (!retry) return { failure, retries: attempt + loadingRetries };
        await backoffSleep(delay);
        if (signal?.aborted) return ABORTED;
        continue;
      }
      const latencyMs = Math.round((clock.now() - started) * 10) / 10;
      limiter.observe(result.headers);
      limiter.release(ticket, 'ok');
      if (setting.loadingSince !== null) {
        emit({
          type: 'warning',
          message: `${name}: the model is loaded; it took ${formatMs(clock.now() - setting.loadingSince)}`,
        });
        setting.loadingSince = null;
        setting.loadGivenUp = false;
      }
      return { output: result.output, latencyMs, retries: attempt + loadingRetries };
    }
  };

  /** What the graders see of one answer, its tokens and cost included. */
  const gradeInput = (c: LoadedCase, target: Target, output: TargetOutput, latencyMs: number): GradeInput => {
    const tokens = output.usage;
    const cost = prices.cost(tokens, target.info.model, output.model);
    return {
      case: c,
      output,
      latencyMs,
      ...(tokens && { tokens }),
      ...(cost !== undefined && { cost }),
      ...(tokens &&
        cost === undefined && { unpriced: PriceTable.namesLookedUp(target.info.model, output.model) }),
    };
  };

  const executeSample = async (
    suite: LoadedSuite,
    c: LoadedCase,
    position: number,
  ): Promise<SampleResult | null> => {
    const index = offset + position;
    const target = targets.get(suite.target)!;
    const input: CaseInput = {
      suite: suite.id,
      caseId: c.id,
      vars: c.vars,
      ...(c.expected !== undefined && { expected: c.expected }),
      ...(c.reference !== undefined && { reference: c.reference }),
      ...(c.context !== undefined && { context: c.context }),
      tags: c.tags,
      sample: index,
    };
    let request: PreparedRequest;
    try {
      request = target.prepare(input);
    } catch (e) {
      return errorSample(index, { kind: 'config', message: (e as Error)?.message ?? String(e) }, 0);
    }
    const seed = request.seed;

    let key: string | undefined;
    let hit: { output: TargetOutput; latencyMs: number } | undefined;
    const cacheAs = settings.get(suite.target)!.cacheAs;
    if (cache && cacheAs !== null) {
      key = cacheKey(cacheAs, request, index);
      try {
        hit = await cache.get(key);
      } catch {
        hit = undefined;
      }
    }

    let output: TargetOutput;
    let latencyMs: number;
    let retries = 0;
    let graded: { input: GradeInput; graders: GraderVerdict[] } | undefined;
    if (hit && refreshFailures) {
      // A cached answer that did not pass is asked for again: a failure must not be permanent.
      const input = gradeInput(c, target, hit.output, hit.latencyMs);
      const graders = asReviewed(c, await grade(c.graders, input));
      if (sampleStatus(graders) === 'pass') graded = { input, graders };
      else hit = undefined;
    }
    if (hit) {
      output = hit.output;
      latencyMs = hit.latencyMs;
      // A run of cache hits never leaves the microtask queue: let timers and signals in.
      if (++syncStreak >= 256) await breathe();
    } else {
      syncStreak = 0;
      const r = await invokeWithRetries(suite.target, target, request);
      if (r === ABORTED) return null;
      if ('failure' in r) {
        const { kind, message, status } = r.failure;
        return errorSample(
          index,
          { kind, message, ...(status !== undefined && { status }) },
          r.retries,
          seed,
        );
      }
      ({ output, latencyMs, retries } = r);
      if (cache && key) {
        storeInCache(cache, key, { output, latencyMs });
        // Writes run in the background; only a disk slower than the targets makes us wait.
        if (cacheWrites.size >= concurrency * 2) await Promise.race(cacheWrites);
      }
    }

    const gradedInput = graded?.input ?? gradeInput(c, target, output, latencyMs);
    const graders = graded?.graders ?? asReviewed(c, await grade(c.graders, gradedInput));
    const { tokens, cost } = gradedInput;
    let refusal: boolean | undefined;
    try {
      refusal = detectRefusal(output.output);
    } catch {
      refusal = undefined;
    }
    return {
      index,
      ...(seed !== undefined && { seed }),
      status: sampleStatus(graders),
      output,
      graders,
      latencyMs,
      ...(tokens && { tokens }),
      ...(cost !== undefined && { cost }),
      retries,
      cached: hit !== undefined,
      ...(refusal !== undefined && { refusal }),
    };
  };

  /**
   * Repeats of a deterministic target (temperature 0) that came back byte-identical are one
   * answer counted n times: say so, once per suite, rather than let the statistics take them
   * for independent samples.
   */
  const checkCopies = (s: number, c: LoadedCase, samples: readonly SampleResult[]) => {
    if (copiesWarned.has(s) || !targets.get(suites[s]!.target)!.deterministic) return;
    const first = samples[0]?.output;
    if (!first) return;
    const text = answerText(first);
    for (let i = 1; i < samples.length; i++) {
      const o = samples[i]!.output;
      if (!o || answerText(o) !== text) return;
    }
    copiesWarned.add(s);
    const suite = suites[s]!;
    emit({
      type: 'warning',
      message: `suite ${plainText(suite.id)}: the ${samples.length} samples of case ${plainText(c.id)} are identical: target '${suite.target}' answers deterministically (temperature 0), so repeat: ${samples.length} adds copies, not independent samples; raise the temperature or use repeat: 1`,
    });
  };

  const processItem = async (s: number, ci: number, position: number): Promise<void> => {
    const suite = suites[s]!;
    const c = suite.cases[ci]!;
    let sample: SampleResult | null;
    try {
      sample = await executeSample(suite, c, position);
    } catch (e) {
      if (signal?.aborted) return;
      const { kind, message } = describeFailure(e, clock.now());
      sample = errorSample(offset + position, { kind, message }, 0);
    }
    if (!sample) return;
    const at = journal.append(s, ci, position, c.id, JSON.stringify(sample));
    const { caseDone, suiteDone, samples } = ledger.record(s, ci, position, sample, at.offset, at.length);
    if (sample.error && !firstErrors.has(s)) firstErrors.set(s, sample.error.message);
    if (caseDone && samples && samples.length > 1) checkCopies(s, c, samples);
    emit({
      type: 'sample',
      suite: suite.id,
      case: c.id,
      index: sample.index,
      status: sample.status,
      cached: sample.cached,
      retries: sample.retries,
      ...(sample.error && { error: sample.error }),
    });
    if (suiteDone) finishSuite(s);
    options.probe?.({ inFlight, heldSamples: ledger.heldSamples });
  };

  const finishSuite = (s: number) => {
    const metrics = ledger.metrics[s]!.snapshot();
    const first = firstErrors.get(s);
    // Counts alone do not say why: a suite where nothing could be graded shows its first error.
    if (metrics.samples > 0 && metrics.errors === metrics.samples && first !== undefined) {
      emit({
        type: 'warning',
        message: `suite ${plainText(suites[s]!.id)}: every sample errored; the first: ${plainText(first, { maxLength: 300 })}`,
      });
    }
    emit({ type: 'suite-finished', suite: suites[s]!.id, metrics });
  };

  // ------------------------------------------------------------------ the pool

  function* workItems(): Generator<[number, number, number]> {
    for (let s = 0; s < suites.length; s++) {
      const suite = suites[s]!;
      if (ledger.suiteComplete(s)) continue;
      emit({ type: 'suite-started', suite: suite.id, cases: suite.cases.length });
      for (let ci = 0; ci < suite.cases.length; ci++) {
        const repeat = ledger.repeatOf(s, ci);
        for (let i = 0; i < repeat; i++) if (!ledger.isDone(s, ci, i)) yield [s, ci, i];
      }
    }
  }

  emit({
    type: 'run-started',
    runId: header.runId,
    total: ledger.totalSamples,
    resumed,
    suites: suites.length,
  });
  suites.forEach((suite, s) => {
    if (suite.cases.length > 0 && ledger.suiteComplete(s)) {
      emit({ type: 'suite-started', suite: suite.id, cases: suite.cases.length });
      finishSuite(s);
    }
  });

  let complete = false;
  try {
    const items = workItems();
    // Per-sample failures are samples; anything thrown here is the runner's own (a full disk
    // under the journal): stop every worker, keep the journal, and let the caller see it.
    let fatal: { error: unknown } | undefined;
    const worker = async () => {
      while (!signal?.aborted && !fatal) {
        const next = items.next();
        if (next.done) return;
        inFlight++;
        try {
          await processItem(...next.value);
        } catch (error) {
          fatal ??= { error };
        } finally {
          inFlight--;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      for (const { limiter } of settings.values()) limiter.close();
      await Promise.all(cacheWrites);
    }
    if (fatal) throw fatal.error;
    journal.flush();

    // ---------------------------------------------------------------- the document

    const partial = ledger.doneSamples < ledger.totalSamples;
    const metrics = suites.map((_, s) => ledger.metrics[s]!.snapshot());
    const summary = summarize(suites, metrics, partial);
    const targetInfo: RunInfo['targets'] = {};
    for (const name of settings.keys()) targetInfo[name] = targets.get(name)!.info;
    const run: RunInfo = {
      id: header.runId,
      ...(meta.gitSha !== undefined && { gitSha: meta.gitSha }),
      ...(meta.gitRef !== undefined && { gitRef: meta.gitRef }),
      startedAt: header.startedAt,
      finishedAt: new Date(clock.now()).toISOString(),
      evalgateVersion: EVALGATE_VERSION,
      nodeVersion: meta.nodeVersion ?? process.version,
      configPath: meta.configPath ?? relativePosix(project.rootDir, project.configPath),
      configHash: project.configHash,
      components: meta.components ?? {},
      targets: meta.targets ?? targetInfo,
      options: {
        concurrency,
        cache: cache !== null,
        ...meta.options,
        ...(offset !== 0 && { sampleOffset: offset }),
        ...(refreshFailures && { refreshFailures }),
      },
    };
    writeResultsDocument({
      path: outFile,
      run,
      summary,
      suites,
      metrics,
      rootDir: project.rootDir,
      ledger,
      journal,
    });
    complete = !partial;
    return {
      path: outFile,
      runId: header.runId,
      summary,
      suites: suites.map((s, i) => ({ id: s.id, tier: s.tier, target: s.target, metrics: metrics[i]! })),
      resumed,
      ...(partial && { journal: journalFile }),
    };
  } finally {
    runAbort.dispose();
    // The journal outlives anything short of a complete document: the next run resumes from it.
    try {
      if (complete) journal.remove();
      else journal.close();
    } catch (e) {
      // Not worth failing a run whose document is written (or hiding the error that stopped it).
      emit({ type: 'warning', message: `journal ${journalFile}: ${(e as Error).message}` });
    }
  }
}

// ------------------------------------------------------------------ helpers

/** A case whose expectation a reviewer set is the human-review layer, whatever checks it. */
function asReviewed(c: LoadedCase, graded: GraderVerdict[]): GraderVerdict[] {
  return isHumanReviewed(c.tags) ? graded.map((v) => ({ ...v, layer: 'human-review' as const })) : graded;
}

async function grade(graders: readonly Grader[], input: GradeInput): Promise<GraderVerdict[]> {
  const verdicts = new Array<GraderVerdict>(graders.length);
  let waiting: Promise<void>[] | undefined;
  graders.forEach((g, k) => {
    try {
      const v = g.grade(input);
      if (isThenable(v)) {
        (waiting ??= []).push(
          Promise.resolve(v).then(
            (r) => void (verdicts[k] = markAdvisory(g, checkVerdict(g, r))),
            (e: unknown) => void (verdicts[k] = markAdvisory(g, thrownVerdict(g, e))),
          ),
        );
      } else verdicts[k] = markAdvisory(g, checkVerdict(g, v));
    } catch (e) {
      verdicts[k] = markAdvisory(g, thrownVerdict(g, e));
    }
  });
  if (waiting) await Promise.all(waiting);
  return verdicts;
}

/** Copies a verdict into a fixed shape: an error is never a pass, a score stays in [0, 1]. */
function checkVerdict(g: Grader, v: GraderVerdict | undefined): GraderVerdict {
  if (!v || typeof v !== 'object') {
    return { grader: g.name, pass: false, score: 0, reason: 'grader returned no verdict', error: true };
  }
  const error = v.error === true;
  const pass = !error && v.pass === true;
  const score =
    typeof v.score === 'number' && Number.isFinite(v.score)
      ? Math.min(1, Math.max(0, v.score))
      : pass
        ? 1
        : 0;
  return {
    grader: typeof v.grader === 'string' && v.grader ? v.grader : g.name,
    pass,
    score,
    reason: typeof v.reason === 'string' ? v.reason : String(v.reason ?? ''),
    ...(error && { error: true }),
  };
}

/** A verdict says its layer; an advisory grader's verdicts say so, and why it does not block. */
function markAdvisory(g: Grader, v: GraderVerdict): GraderVerdict {
  const out = g.layer ? { ...v, layer: g.layer } : v;
  return g.advisory ? { ...out, reason: `${v.reason} (advisory: ${g.advisory})`, advisory: true } : out;
}

function thrownVerdict(g: Grader, e: unknown): GraderVerdict {
  const message = e instanceof Error ? e.message : String(e);
  return { grader: g.name, pass: false, score: 0, reason: `grader error: ${message}`, error: true };
}

function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** fail if any verdict failed; else error if any grader could not decide; else pass. */
export function sampleStatus(verdicts: readonly GraderVerdict[]): SampleStatus {
  let errored = false;
  for (const v of verdicts) {
    // Recorded and reported, never blocking: neither its fails nor its errors decide the sample.
    if (v.advisory) continue;
    if (v.error) errored = true;
    else if (!v.pass) return 'fail';
  }
  return errored ? 'error' : 'pass';
}

function errorSample(index: number, error: SampleError, retries: number, seed?: number): SampleResult {
  return {
    index,
    ...(seed !== undefined && { seed }),
    status: 'error',
    graders: [],
    error,
    retries,
    cached: false,
  };
}

function summarize(
  suites: readonly LoadedSuite[],
  metrics: readonly SuiteMetrics[],
  partial: boolean,
): ResultsDocument['summary'] {
  let cases = 0;
  let samples = 0;
  let passed = 0;
  let failed = 0;
  let errors = 0;
  let cost: number | null = null;
  const blockerFailures: { suite: string; case: string }[] = [];
  metrics.forEach((m, i) => {
    cases += m.cases;
    samples += m.samples;
    passed += m.passed;
    failed += m.failed;
    errors += m.errors;
    if (m.cost) cost = (cost ?? 0) + m.cost.total;
    for (const id of m.blockerFailures) blockerFailures.push({ suite: suites[i]!.id, case: id });
  });
  return { suites: suites.length, cases, samples, passed, failed, errors, blockerFailures, cost, partial };
}

/**
 * Identifies "the same run" for resuming: the config, each suite's content and exactly which
 * cases (and how many samples each) were selected, the filters, and the component and target
 * versions. Concurrency and cache use are left out: changing them must not throw work away.
 */
export function computeRunKey(
  project: LoadedProject,
  suites: readonly LoadedSuite[],
  meta: RunMetadata,
  targets: Map<string, Target>,
  sampleOffset = 0,
): string {
  return sha256(
    canonicalJson({
      v: 1,
      config: project.configHash,
      suites: suites.map((s) => ({
        id: s.id,
        content: s.contentHash,
        target: s.target,
        cases: sha256(s.cases.map((c) => `${c.id}\u0000${c.repeat}`).join('\n')),
      })),
      selected: meta.options?.suites ?? null,
      filters: meta.options?.filters ?? null,
      components: meta.components ?? {},
      targets: [...new Set(suites.map((s) => s.target))]
        .sort()
        .map((name) => [name, targets.get(name)?.info ?? null]),
      // Only when set, so the keys of runs without one (and their journals) stay as they were.
      ...(sampleOffset !== 0 && { sampleOffset }),
    }),
  ).slice(0, 32);
}

function replayRecord(
  record: JournalRecord,
  suites: readonly LoadedSuite[],
  ledger: RunLedger,
  sampleOffset: number,
): boolean {
  const suite = suites[record.suite];
  const c = suite?.cases[record.case];
  if (!c || c.id !== record.caseId || record.sample >= ledger.repeatOf(record.suite, record.case))
    return false;
  const r = record.result as Partial<SampleResult>;
  if (
    r.index !== sampleOffset + record.sample ||
    !(r.status === 'pass' || r.status === 'fail' || r.status === 'error') ||
    !Array.isArray(r.graders)
  ) {
    return false;
  }
  ledger.record(record.suite, record.case, record.sample, r as SampleResult, record.offset, record.length);
  return true;
}

function timerFromSleep(sleep: Clock['sleep']): Clock['setTimer'] {
  return (ms, fn) => {
    const cancel = new AbortController();
    void sleep(ms, cancel.signal).then(() => {
      if (!cancel.signal.aborted) fn();
    });
    return () => cancel.abort();
  };
}

/** What makes two answers the same answer: the text and any tool calls. */
function answerText(o: TargetOutput): string {
  return o.toolCalls?.length ? `${o.output}\u0000${JSON.stringify(o.toolCalls)}` : o.output;
}

function relativePosix(root: string, file: string): string {
  const rel = relative(root, file);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)}s` : `${Math.round(ms)}ms`;
}

/**
 * Under which name a target's answers are cached, or null when they must not be.
 *
 * An openai target's request holds everything that shapes the answer (rendered prompt, model
 * parameters), so the request is a safe key and caching is on by default. An http or command
 * target answers from code and data the request does not show: a changed prompt file behind
 * the app would be answered from the cache, hiding the very regression a gate exists to
 * catch. Those are cached only when the target says `cache: true`, and then under their
 * system version id, so a change to any component they use misses the cache.
 */
export function cacheNamespace(
  name: string,
  spec: { type: string; cache?: boolean | undefined } | undefined,
  systemVersion: string | undefined,
): string | null {
  const enabled = spec?.cache ?? spec?.type === 'openai';
  if (!enabled) return null;
  if (spec?.type === 'openai') return name;
  return systemVersion ? `${name}@${systemVersion}` : name;
}
