import type { LoadedProject, LoadedSuite } from '../config/load.js';
import type { Target } from '../targets/types.js';
import type { RunAbort } from './abort.js';
import type { ResponseCache } from './cache.js';
import type { Clock } from './clock.js';
import type { Journal, JournalHeader } from './journal.js';
import type { RunLedger } from './ledger.js';
import type { AdaptiveLimiter } from './limiter.js';
import type { PriceTable } from './pricing.js';
import type { BackoffPolicy } from './retry.js';
import type { RunEvent, RunMetadata, RunOptions } from './types.js';

/** How one target is called in this run: its limits, its cache name, its model-load state. */
export interface TargetSetting {
  timeoutMs: number;
  retries: number;
  limiter: AdaptiveLimiter;
  cacheAs: string | null;
  /** Since when the server has been answering "loading model" (null: it is not). */
  loadingSince: number | null;
  /** The load budget ran out (said once). */
  loadGivenUp: boolean;
}

/**
 * One run's state, made once by `planRun` (work.ts) and handed to every step: the options
 * with their defaults filled in, the open journal and ledger, and the few counters the steps
 * share. One object per run, never per sample, so the hot path allocates what it always did.
 */
export interface RunContext {
  readonly project: LoadedProject;
  readonly suites: readonly LoadedSuite[];
  readonly targets: Map<string, Target>;
  readonly cache: ResponseCache | null;
  readonly signal: AbortSignal | undefined;
  readonly meta: RunMetadata;
  readonly clock: Clock;
  readonly random: () => number;
  readonly backoff: BackoffPolicy;
  readonly concurrency: number;
  /** `sampleOffset`: sample k of a case is index `offset + k`. */
  readonly offset: number;
  readonly modelLoadWaitMs: number;
  readonly refreshFailures: boolean;
  readonly prices: PriceTable;
  readonly settings: Map<string, TargetSetting>;
  readonly emit: (event: RunEvent) => void;
  readonly probe: RunOptions['probe'];

  readonly outFile: string;
  readonly journalFile: string;
  readonly ledger: RunLedger;
  readonly journal: Journal;
  /** The header in force: an interrupted run's, when resuming (it keeps its id and start). */
  readonly header: JournalHeader;
  /** Samples replayed from an interrupted run's journal. */
  readonly resumed: number;
  /** One listener on the caller's signal, however many requests wait on it (abort.ts). */
  readonly runAbort: RunAbort;

  /** Samples being worked on now (for `probe`). */
  inFlight: number;
  /** Cache hits in a row without a turn of the event loop (sample.ts). */
  syncStreak: number;
  breather: Promise<void> | undefined;
  /** Cache writes still running. */
  readonly cacheWrites: Set<Promise<void>>;
  /** Warns of a failed cache write, once per run (sample.ts). */
  readonly cacheWarning: (e: unknown) => void;
  /** Suites already warned that their repeats are copies. */
  readonly copiesWarned: Set<number>;
  /** Each suite's first error, shown when every sample of it errored. */
  readonly firstErrors: Map<number, string>;
}
