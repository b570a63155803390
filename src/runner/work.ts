import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LoadedProject, LoadedSuite } from '../config/load.js';
import type { SampleResult } from '../results/types.js';
import type { Target } from '../targets/types.js';
import { canonicalJson, sha256 } from '../util/hash.js';
import { RunAbort } from './abort.js';
import { systemClock, type Clock } from './clock.js';
import type { RunContext, TargetSetting } from './context.js';
import { Journal, type JournalRecord } from './journal.js';
import { RunLedger } from './ledger.js';
import { AdaptiveLimiter } from './limiter.js';
import { PriceTable } from './pricing.js';
import { DEFAULT_BACKOFF, DEFAULT_MODEL_LOAD_WAIT_MS } from './retry.js';
import { eventSink } from './record.js';
import { cacheWarning } from './sample.js';
import type { RunMetadata, RunOptions } from './types.js';

/**
 * Step 1, plan the work: the options with their defaults, one setting per target, and the
 * journal opened, so a run with the same key resumes where an interrupted one stopped.
 * Throws, before any work starts, on a bad `sampleOffset` or a suite without its target.
 */
export function planRun(options: RunOptions): RunContext {
  const { project, suites, targets } = options;
  const clock: Clock = {
    now: options.now ?? systemClock.now,
    sleep: options.sleep ?? systemClock.sleep,
    setTimer: options.setTimer ?? (options.sleep ? timerFromSleep(options.sleep) : systemClock.setTimer),
  };
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const offset = options.sampleOffset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new Error(`runEval: sampleOffset must be a whole number ≥ 0, got ${offset}`);
  const prices = new PriceTable(options.prices ?? project.config.prices);
  const meta = options.run ?? {};
  const emit = eventSink(options.onEvent);
  for (const s of suites) {
    if (!targets.has(s.target)) throw new Error(`runEval: no target '${s.target}' for suite '${s.id}'`);
  }
  const settings = targetSettings(options, meta, concurrency, clock, emit);
  const opened = openJournal(options, meta, offset, clock, emit);
  const runAbort = new RunAbort(options.signal);
  runAbort.subscribe(() => {
    for (const { limiter } of settings.values()) limiter.close();
  });
  return {
    project,
    suites,
    targets,
    cache: options.cache,
    signal: options.signal,
    meta,
    clock,
    random: options.random ?? Math.random,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    concurrency,
    offset,
    modelLoadWaitMs: Math.max(0, options.modelLoadWaitMs ?? DEFAULT_MODEL_LOAD_WAIT_MS),
    refreshFailures: options.refreshFailures === true,
    prices,
    settings,
    emit,
    probe: options.probe,
    ...opened,
    runAbort,
    inFlight: 0,
    syncStreak: 0,
    breather: undefined,
    cacheWrites: new Set(),
    cacheWarning: cacheWarning(emit),
    copiesWarned: new Set(),
    firstErrors: new Map(),
  };
}

/** Every (suite, case, sample) not yet done, in document order, lazily: never 100,000 promises. */
export function* workItems(ctx: RunContext): Generator<[number, number, number]> {
  const { suites, ledger } = ctx;
  for (let s = 0; s < suites.length; s++) {
    const suite = suites[s]!;
    if (ledger.suiteComplete(s)) continue;
    ctx.emit({ type: 'suite-started', suite: suite.id, cases: suite.cases.length });
    for (let ci = 0; ci < suite.cases.length; ci++) {
      const repeat = ledger.repeatOf(s, ci);
      for (let i = 0; i < repeat; i++) if (!ledger.isDone(s, ci, i)) yield [s, ci, i];
    }
  }
}

/** A target's own limits over the run's; its concurrency never above the run's. */
function targetSettings(
  options: RunOptions,
  meta: RunMetadata,
  concurrency: number,
  clock: Clock,
  emit: RunContext['emit'],
): Map<string, TargetSetting> {
  const settings = new Map<string, TargetSetting>();
  for (const name of new Set(options.suites.map((s) => s.target))) {
    const spec = options.project.config.targets[name];
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
  return settings;
}

/** The journal at `<outFile>.journal` (or as given), replayed into a fresh ledger. */
function openJournal(
  options: RunOptions,
  meta: RunMetadata,
  offset: number,
  clock: Clock,
  emit: RunContext['emit'],
): Pick<RunContext, 'outFile' | 'journalFile' | 'ledger' | 'journal' | 'header' | 'resumed'> {
  const { project, suites, targets } = options;
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
  if (opened.discarded)
    emit({ type: 'warning', message: `started afresh: ${journalFile} held ${opened.discarded}` });
  const { journal, header } = opened;
  return { outFile, journalFile, ledger, journal, header, resumed: ledger.doneSamples };
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

/** Takes one journaled sample back into the ledger; false when it is not this run's. */
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
