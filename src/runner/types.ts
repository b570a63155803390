/**
 * The run stage's public shapes: what a caller passes to runEval, the events it hears, and
 * what it gets back. Apart from run.ts so the step modules can use them without importing
 * the function that drives them.
 */
import type { LoadedProject, LoadedSuite } from '../config/load.js';
import type { Price } from '../config/schema.js';
import type { SuiteDimensionTallies } from '../results/dimension-tally.js';
import type { ResultsDocument, RunInfo, SampleError, SampleStatus, SuiteMetrics } from '../results/types.js';
import type { Target } from '../targets/types.js';
import type { ResponseCache } from './cache.js';
import type { BackoffPolicy } from './retry.js';

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
  /** Each suite's samples by dimension and workflow, in the order of `suites`. */
  dimensions: SuiteDimensionTallies[];
  /** Samples taken from an interrupted run's journal rather than run again. */
  resumed: number;
  /** Kept when the run was interrupted, so the next run with the same inputs resumes. */
  journal?: string;
}
