/**
 * The Results document, `evalgate-results.json`: what the run stage hands to compare and
 * report. Self-describing (Inspect's eval log is the model): it records what ran, against
 * what, with which config, so a result can be understood without the run that made it.
 *
 * The JSON Schema in `schema/results.schema.json` documents every field; bump
 * RESULTS_SCHEMA_VERSION on any change a reader could notice.
 */
export const RESULTS_SCHEMA_VERSION = 1;

export type SampleStatus = 'pass' | 'fail' | 'error';

export interface TokenUsage {
  prompt: number;
  completion: number;
  total: number;
  /** Prompt tokens served from the provider's prompt cache, where it says. */
  cached?: number;
}

export interface ContextItem {
  id?: string;
  text: string;
}

export interface ToolCall {
  name: string;
  /** Parsed arguments; the raw string when they were not valid JSON. */
  arguments: unknown;
  id?: string;
  /** What the tool returned, when the target reports its trace. */
  result?: unknown;
  /** Set when this step of the trace failed. */
  error?: string;
}

/** What a target returned for one request, normalised across target kinds. */
export interface TargetOutput {
  output: string;
  contexts?: ContextItem[];
  citations?: string[];
  toolCalls?: ToolCall[];
  usage?: TokenUsage;
  model?: string;
  finishReason?: string;
  systemFingerprint?: string;
  requestId?: string;
}

export interface GraderVerdict {
  /** The grader's type, or its `name` when given. */
  grader: string;
  pass: boolean;
  /** In [0, 1]. */
  score: number;
  /** One line saying why. */
  reason: string;
  /** A grader that could not decide (e.g. a judge that timed out): never a pass. */
  error?: boolean;
  /**
   * Recorded and reported, but never blocks: an LLM judge whose agreement with human labels
   * is below its minimum (or not calibrated at all). The sample's status ignores it.
   */
  advisory?: boolean;
  /**
   * The grader does not apply to this case (a ranking metric on an `unanswerable: true` case,
   * which the abstention grader scores instead): it neither passes nor fails the sample, and
   * every mean over the grader (graderScores, compare) leaves it out. `pass` is true and
   * `score` 0 by convention; the reason says why it was left out.
   */
  excluded?: boolean;
  /** hard-check | task-metric | judge | human-review: which layer of evaluation this is. */
  layer?: 'hard-check' | 'task-metric' | 'judge' | 'human-review';
  /**
   * correctness | usefulness | risk | grounding: the dimension of quality this verdict
   * measures (the grader's `dimension:`, or its type's default; graders/dimensions.ts).
   */
  dimension?: 'correctness' | 'usefulness' | 'risk' | 'grounding';
}

export interface SampleError {
  /** timeout | http | connection | malformed | empty | rate_limit | process | config | unknown */
  kind: string;
  message: string;
  status?: number;
}

export interface SampleResult {
  /**
   * The sample index: 0-based within the case, plus the run's `sampleOffset` (a re-sampling
   * run starts past the original samples). The seed and the cache key derive from it.
   */
  index: number;
  /**
   * The seed the request carried, where it carried one: an openai target with `seed` in its
   * model config, and every http and command target (sent as EVALGATE_SEED / x-evalgate-seed).
   * Sample 0 keeps the configured seed; sample k > 0 gets the first 31 bits of
   * SHA-256("evalgate-seed:<seed>:<k>") (src/targets/seed.ts).
   */
  seed?: number;
  status: SampleStatus;
  output?: TargetOutput;
  graders: GraderVerdict[];
  latencyMs?: number;
  tokens?: TokenUsage;
  /** USD, from the price table; absent when the model has no price. */
  cost?: number;
  error?: SampleError;
  /** How many retries this sample needed. */
  retries: number;
  /** Served from evalgate's response cache. */
  cached: boolean;
  /** The deterministic refusal detector's reading of the output. */
  refusal?: boolean;
  /**
   * Set (true) when that refusal is an abstention: the answer says it does not know or the
   * evidence does not say ("I don't know", "the documents don't mention it"). Absent otherwise.
   */
  abstained?: boolean;
}

export interface CaseResult {
  id: string;
  blocker: boolean;
  tags: Record<string, string | string[]>;
  /** Line of the case in its suite file (or dataset), for annotations. */
  location?: { file: string; line: number };
  /** pass: every graded sample passed; fail: one failed; error: no sample could be graded. */
  status: SampleStatus;
  /**
   * Hash of the case's definition and the graders that apply to it (suite-level included).
   * Compare pairs the case with its baseline only when both carry the same hash; absent in
   * documents written before it existed, which fall back to the suite's contentHash.
   */
  hash?: string;
  samples: SampleResult[];
  /**
   * A blocker that failed and then passed most of its fresh confirmation samples, as found
   * on the default branch: its estimated failure rate over `samples` samples.
   */
  flaky?: { failureRate: number; samples: number };
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface SuiteMetrics {
  cases: number;
  samples: number;
  passed: number;
  failed: number;
  errors: number;
  /** passed / (passed + failed) samples. Errors are never passes: they are left out here and counted in errorRate. */
  passRate: number | null;
  /** error samples / all samples. */
  errorRate: number;
  /** Samples the refusal detector read as refusals / graded samples. */
  refusalRate: number | null;
  /** Mean score per grader (by grader name), over samples where the grader ran without error. */
  graderScores: Record<string, number>;
  /**
   * Per grader name, the verdicts left out of its mean because the grader does not apply to
   * the case (`excluded`: a retrieval ranking metric on an unanswerable case); absent when none.
   */
  graderExcluded?: Record<string, number>;
  latencyMs: Percentiles | null;
  tokens: { prompt: number; completion: number; total: number; cached: number; perCase: number };
  /** USD; null when no sample had a known price. */
  cost: { total: number; perCase: number } | null;
  blockerFailures: string[];
}

export interface SuiteResult {
  id: string;
  description?: string;
  tier: 'trusted' | 'monitoring';
  kind: 'regression' | 'safety';
  target: string;
  file: string;
  /** Hash of the suite's normalized content (cases and graders). */
  contentHash: string;
  repeat: number;
  metrics: SuiteMetrics;
  cases: CaseResult[];
}

export interface TargetInfo {
  kind: 'openai' | 'http' | 'command';
  /** Model name for openai targets. */
  model?: string;
  /** System version id: filled by change detection (plan stage). */
  systemVersion?: string;
}

export interface RunInfo {
  id: string;
  gitSha?: string;
  gitRef?: string;
  startedAt: string;
  finishedAt: string;
  evalgateVersion: string;
  nodeVersion: string;
  configPath: string;
  configHash: string;
  /** Component version ids by component name, filled by change detection. */
  components: Record<string, { kind: string; version: string }>;
  targets: Record<string, TargetInfo>;
  /** Options that shape the numbers: concurrency, cache use, filters, sample offset, refreshed failures. */
  options: {
    concurrency: number;
    cache: boolean;
    suites?: string[];
    filters?: string[];
    /** Where sample indices started (a re-sampling run); absent when 0. */
    sampleOffset?: number;
    /** Cached failures were requested afresh (`--refresh-failures`). */
    refreshFailures?: boolean;
    /** This run is one shard of a split run (`--shard INDEX/COUNT`): see src/plan/shard.ts. */
    shard?: { index: number; count: number; key: string; totalCases: number; suites: string[] };
    /** This document merges the shards of a split run (`evalgate merge`): how many. */
    shards?: number;
    /**
     * The targets were answered through the OpenAI Batch API (`run --batch`): these batches.
     * Cost is at the batch price; latency is not measured (the time to read the downloaded answer).
     */
    batch?: { batches: string[] };
  };
}

export interface ResultsDocument {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  run: RunInfo;
  summary: {
    suites: number;
    cases: number;
    samples: number;
    passed: number;
    failed: number;
    errors: number;
    blockerFailures: { suite: string; case: string }[];
    cost: number | null;
    /** True when the run was interrupted and this document holds what had finished. */
    partial: boolean;
  };
  suites: SuiteResult[];
}
