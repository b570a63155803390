/**
 * The Comparison document: what compare(baseline, current) hands to the gate and the
 * report. Plain JSON, versioned, and complete enough that the gate and the report never
 * need the Results documents it was made from.
 *
 * Bump COMPARISON_SCHEMA_VERSION on any change a reader could notice.
 */
import type { Dimension } from '../graders/dimensions.js';
import type { SampleStatus } from '../results/types.js';
import type { IncreaseBounds } from './stats/increase.js';

export type { IncreaseBounds } from './stats/increase.js';

export const COMPARISON_SCHEMA_VERSION = 2;

/**
 * `passRate`, `errorRate`, `refusalRate`, `score:<grader>` for a grader with continuous
 * scores, or `dimension:<dimension>` for a cell of the dimension breakdown (breakdown.ts).
 */
export type MetricId = 'passRate' | 'errorRate' | 'refusalRate' | `score:${string}` | `dimension:${string}`;

export type MetricVerdict = 'improved' | 'unchanged' | 'regressed' | 'inconclusive' | 'not-comparable';

export interface RunRef {
  id: string;
  gitSha?: string;
  gitRef?: string;
  finishedAt: string;
  evalgateVersion: string;
  configHash: string;
  /** The run was interrupted: cases it did not reach look removed (baseline) or missing. */
  partial: boolean;
}

/** Thresholds a metric is judged with; resolved per suite and metric from the gate policy. */
export interface MetricThresholds {
  /** Family-wise significance level, compared with the Holm-adjusted p-value. */
  alpha: number;
  /** Smallest change worth acting on, in the metric's own units (0.02 = 2 percentage points). */
  minEffect: number;
}

/**
 * Threshold overrides, in the shape of the gate policy (`evalgate.yml` → `gate:`), so the
 * parsed policy can be passed straight in. Most specific wins: suite + metric, suite,
 * metric, top level.
 */
export interface ThresholdSettings {
  alpha?: number;
  minEffect?: number;
  metrics?: Record<string, { alpha?: number; minEffect?: number }>;
  suites?: Record<
    string,
    { alpha?: number; minEffect?: number; metrics?: Record<string, { alpha?: number; minEffect?: number }> }
  >;
  /** The dimension breakdown: a cell with fewer paired cases than `minCases` is shown, not tested. */
  dimensions?: { minCases?: number };
}

export interface CompareOptions {
  thresholds?: ThresholdSettings;
  /** Seed for the bootstrap; each metric derives its own stream from it, so results do not depend on order. */
  seed?: number;
  bootstrapResamples?: number;
  /** A baseline older than this (days before the current run finished) is flagged stale. */
  staleAfterDays?: number;
  /**
   * Hook for a richer fingerprint than the two documents show (the baseline store's):
   * per suite id, what changed. Listed with the suite's changes; does not by itself make
   * the suite not comparable.
   */
  fingerprintDiffs?: Record<string, string[]>;
  /** Per suite id, reasons the suite must not be compared at all (e.g. a grader model changed). */
  notComparable?: Record<string, string[]>;
}

export interface ComparisonDocument {
  schemaVersion: typeof COMPARISON_SCHEMA_VERSION;
  baseline: RunRef;
  current: RunRef;
  baselineAge: {
    /** current.finishedAt − baseline.finishedAt, in days; null when a timestamp is unreadable. */
    days: number | null;
    stale: boolean;
    staleAfterDays: number;
  };
  /** Run-wide differences between the two runs: evalgate version, config, components. */
  changes: string[];
  method: {
    correction: 'holm';
    /** Each suite is its own Holm family: a suite's verdict does not depend on which other suites ran. */
    family: 'suite';
    /** Metrics that entered a Holm family (those with at least one informative pair), summed over the suites. */
    tested: number;
    seed: number;
    bootstrapResamples: number;
    wilcoxonZeroMethod: 'wilcox';
    wilcoxonExactMaxN: number;
  };
  suites: SuiteComparison[];
  /** Suites in the baseline that the current run did not run. */
  removedSuites: RemovedSuite[];
  /**
   * Present when the change trades one dimension or workflow against another: at least one
   * cell of the breakdown (`SuiteComparison.dimensions`, any suite) improved and another
   * regressed, each significantly. A product decision, not a move to average away.
   */
  tradeOff?: TradeOff;
}

/**
 * A change that made one cell better and another worse. `improved` and `regressed` name
 * the cells (the most specific: a workflow's cell rather than its dimension's overall one
 * when both moved the same way), each with its baseline, current value and change.
 */
export interface TradeOff {
  improved: CellRef[];
  regressed: CellRef[];
  /** One line, for the CLI and the gate: "summarize correctness +30.0 pp vs rag-answer grounding -26.7 pp". Escape before rendering. */
  summary: string;
}

export interface CellRef {
  suite: string;
  dimension: Dimension;
  /** null: every case of the suite. */
  workflow: string | null;
  n: number;
  baseline: number | null;
  current: number | null;
  delta: number | null;
  pAdjusted: number | null;
}

export interface RemovedSuite {
  id: string;
  tier: 'trusted' | 'monitoring';
  cases: number;
  blockers: string[];
}

export interface SuiteComparison {
  id: string;
  tier: 'trusted' | 'monitoring';
  kind: 'regression' | 'safety';
  /**
   * comparable: paired statistics apply (over the paired cases; see `unpaired`).
   * not-comparable: see `reasons` (a grader model changed; an old baseline without per-case
   * hashes whose suite content changed); descriptive values only.
   * nothing-comparable: the suite has a baseline but not one case could be paired and graded
   * in both runs — no case id in common (the baseline is another suite's), no cases on a
   * side, or every baseline sample errored. Never green: the gate's `onNothingComparable`.
   * new: the baseline has no such suite.
   */
  status: 'comparable' | 'not-comparable' | 'nothing-comparable' | 'new';
  /** Why the status; for a comparable suite with unpaired cases, which ones (by name). */
  reasons: string[];
  /** What differs between the runs for this suite without breaking comparability (model, target, repeat...). */
  changes: string[];
  repeat: { baseline: number | null; current: number };
  cases: {
    /** Case ids present in both runs. */
    comparable: number;
    new: string[];
    removed: string[];
  };
  /**
   * Current cases left out of the paired statistics: `new` (no baseline case of that id) or
   * `changed` (the case, or a grader that applies to it, was edited: its per-case hash
   * differs; for documents without per-case hashes, the suite's contentHash). Blocker rules
   * still apply to them. The lead evaluates these on the base commit and merges them into the
   * baseline (`mergeBaselineCases`); whatever is still listed here was not verified. Empty
   * for a new suite.
   */
  unpaired: UnpairedCase[];
  /** Every current case: its baseline outcome (null when new) and its outcome now. */
  transitions: CaseTransition[];
  removedCases: { id: string; blocker: boolean; status: SampleStatus }[];
  metrics: MetricComparison[];
  /**
   * Metrics of this suite in its Holm family (those with an informative pair): the m of
   * its adjustment. 0 when nothing was tested.
   */
  tested: number;
  /** Graders whose verdicts were advisory in the current run: reported, never blocking. */
  advisoryGraders?: string[];
  /** Which layer of evaluation moved (empty when verdicts carry no layer). */
  layers?: LayerComparison[];
  /**
   * Each dimension of quality (correctness, usefulness, risk, grounding) over the paired
   * cases, then, when the cases carry more than one `workflow` tag, each dimension per
   * workflow: the share of graded samples whose verdicts of that dimension all passed,
   * tested like the pass rate where the cell has enough cases (breakdown.ts). Empty when
   * verdicts carry no dimension or the suite is not comparable.
   */
  dimensions?: DimensionCell[];
  /** Over every case of each run, paired or not: what the gate's error threshold reads. */
  overall: { baseline: ArmRates | null; current: ArmRates };
  usage: UsageComparison;
  /**
   * Report context the pipeline adds from the stored baseline (compare leaves both out): the
   * suite's pass rate over the default branch's last baselines, oldest first, the one
   * compared with last; and how that baseline kept outputs (`hash`: none can be shown).
   */
  history?: { commit?: string; recordedAt: string; passRate: number | null; cases: number }[];
  baselinePrivacy?: 'raw' | 'redacted' | 'hash';
}

export interface UnpairedCase {
  id: string;
  why: 'new' | 'changed';
}

/**
 * One cell of the dimension breakdown: a MetricComparison (metric `dimension:<d>`, its own
 * Holm family per suite) with where it sits. A cell with fewer paired cases than the
 * minimum is not tested: `tooFewCases`, verdict inconclusive, values shown.
 */
export interface DimensionCell extends MetricComparison {
  dimension: Dimension;
  /** null: every paired case of the suite; otherwise the cases tagged with this workflow. */
  workflow: string | null;
  tooFewCases?: boolean;
}

/** One layer of evaluation over the paired cases: share of decided verdicts that passed. */
export interface LayerComparison {
  layer: 'hard-check' | 'task-metric' | 'judge' | 'human-review';
  verdicts: { baseline: number; current: number };
  baseline: number | null;
  current: number | null;
  delta: number | null;
}

export interface ArmRates {
  cases: number;
  samples: number;
  /** Mean over cases of the per-case pass fraction; null when nothing was graded. */
  passRate: number | null;
  errorRate: number;
  /** Of the error samples, those where the target answered but a grader could not decide. */
  graderErrors?: number;
  refusalRate: number | null;
}

export interface CaseOutcome {
  status: SampleStatus;
  passed: number;
  failed: number;
  errors: number;
}

export interface CaseTransition {
  id: string;
  blocker: boolean;
  baseline: CaseOutcome | null;
  current: CaseOutcome;
  /**
   * worse / better: the pass fraction fell / rose; same: unchanged; new: no baseline;
   * changed: the case was edited since the baseline (see `SuiteComparison.unpaired`; its
   * baseline outcome is of the old definition); unknown: one side has no graded sample.
   */
  change: 'worse' | 'better' | 'same' | 'new' | 'changed' | 'unknown';
  /** Why the current run did not pass, from its first failing (or erroring) sample. Raw text: escape before display. */
  failure?: CaseFailure;
  /**
   * For a case that got worse: the start of the baseline's output (a passing sample's), as
   * the baseline's privacy mode stored it. Added by the pipeline; raw text: escape it.
   */
  baselineOutput?: string;
}

export interface CaseFailure {
  /** The failing graders' verdicts: their one-line reasons say expected vs actual. */
  graders: { grader: string; reason: string }[];
  error?: { kind: string; message: string };
  /** The start of the output that failed. */
  output?: string;
}

export interface MetricComparison {
  metric: MetricId;
  /** From an advisory grader (a judge below its calibration minimum): reported, never blocks. */
  advisory?: boolean;
  label: string;
  direction: 'higher-is-better' | 'lower-is-better';
  /** Cases paired for this metric (a value in both runs). */
  n: number;
  /** Values over the paired cases (all cases, unpaired, when not comparable). */
  baseline: number | null;
  current: number | null;
  /** current − baseline. */
  delta: number | null;
  /** Interval for delta at confidence 1 − alpha. */
  interval: (Interval & { method: 'newcombe' | 'bootstrap-percentile' }) | null;
  /** Wilson intervals of each arm, for single-sample binary metrics. */
  armIntervals?: { baseline: Interval; current: Interval };
  test: MetricTest | null;
  pValue: number | null;
  /** Holm-adjusted among the tested metrics of this metric's suite (its family; see `SuiteComparison.tested`). */
  pAdjusted: number | null;
  /** Matched-pairs rank-biserial correlation in [−1, 1] (for binary outcomes (c − b)/(b + c)); positive = current higher. */
  effectSize: number | null;
  alpha: number;
  minEffect: number;
  verdict: MetricVerdict;
  /**
   * Set when this verdict is the one re-sampling reached (pipeline/settle.ts) rather than the
   * paired comparison's: `baseline`, `current` and the test are still stage 1's.
   */
  settledBy?: 'resampling';
  /** Why this verdict, in one line. */
  reason: string;
}

export interface Interval {
  lower: number;
  upper: number;
}

export type MetricTest =
  | {
      method: 'mcnemar-exact';
      /** Pairs better in the baseline only. */
      baselineOnly: number;
      /** Pairs better in the current run only. */
      currentOnly: number;
    }
  | {
      method: 'wilcoxon-exact' | 'wilcoxon-normal';
      /** Non-zero differences ranked. */
      nonZero: number;
      wPlus: number;
      wMinus: number;
      z?: number;
    };

export interface Distribution {
  /** Values the distribution was computed from. */
  n: number;
  p50: number;
  p95: number;
  mean: number;
}

export interface UsageMetric {
  baseline: Distribution | null;
  current: Distribution | null;
  /**
   * The bootstrap test of the increase the budgets read (compare/stats/increase.ts): over
   * cases, each case's value the mean over its samples; the statistic is the p95 for
   * latency, the mean for tokens and cost. Paired over the cases with a value in both runs
   * when the suite is comparable (`paired: true`), each arm resampled on its own otherwise.
   * `lower` / `lowerPct` are one-sided lower bounds at 1 − α (the suite's α), `lower`..
   * `upper` a 1 − 2α interval. Null when either run has no value.
   */
  increase: IncreaseBounds | null;
  /** % change (current − baseline) / baseline · 100; null when either side is missing or the baseline is 0. */
  changePct: { p50: number | null; p95: number | null; mean: number | null } | null;
  /**
   * Why the two runs' values do not measure the same thing, so no budget may read them:
   * a run answered through the OpenAI Batch API (`run --batch`) measures no latency, and its
   * cost is at the batch price, which a live run's is not. `increase` is then null.
   * `bothBatch`: neither run measured it (batch beside batch), rather than one of them.
   */
  notCompared?: { reason: string; bothBatch: boolean };
}

/**
 * Latency, tokens and cost over the paired cases: distributions, and the bootstrap test of
 * each one's increase that the budgets read. latencyMs: over answered samples (errors' timeouts would swamp it);
 * tokensPerCase and costPerCase: per case, the mean over its samples (one call's worth),
 * counting every sample that reports them, errors included, since they were paid for.
 */
export interface UsageComparison {
  latencyMs: UsageMetric;
  tokensPerCase: UsageMetric;
  costPerCase: UsageMetric;
  /**
   * Tool calls per case (the mean over its answered samples, 0 for an answer with none),
   * tested like tokens; absent when no answered sample in either run made a tool call.
   */
  toolCallsPerCase?: UsageMetric;
  /**
   * Abstention rate: per case, the share of its graded samples the refusal detector read as
   * an abstention ("I don't know", "the documents don't say"); the statistic is the mean
   * over cases. `increase` tests a rise, `decrease` a drop (the same bootstrap with the arms
   * swapped: its `increase` is baseline − current). Absent when the detector read nothing.
   */
  abstentionRate?: UsageMetric & { decrease: IncreaseBounds | null };
}
