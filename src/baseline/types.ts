import type { RunInfo, SuiteResult } from '../results/types.js';
import type { PrivacyMode } from './schema.js';

/** Bump on any change a reader could notice; readers refuse other versions rather than guess. */
export const BASELINE_SCHEMA_VERSION = 1;

/**
 * What produced a suite's results, in enough detail to tell whether two runs may be
 * compared and, when they may, what changed between them.
 */
export interface Fingerprint {
  suite: {
    id: string;
    /** Hash of the suite's normalized content (cases and graders): differs → not comparable. */
    contentHash: string;
    /** Sorted. */
    caseIds: string[];
  };
  target: {
    name: string;
    kind: string;
    model?: string;
    /** The target's system version id (plan stage): one id over every component it uses. */
    systemVersion?: string;
    /** Component version ids by component name. */
    components: Record<string, string>;
  };
  /** The judge model behind model-graded verdicts; none of today's graders uses one. */
  judge?: { model: string; version?: string };
  graders: {
    /** Grader names seen in the suite's verdicts, sorted. */
    names: string[];
    /**
     * Graders carry no versions yet: SHA-256 of the suite's grader specs stands in, so an edited
     * grader shows up as a difference. Absent when the specs were not at hand.
     */
    specHash?: string;
  };
  evalgateVersion: string;
  commit?: string;
  ref?: string;
  /** When the run that produced the results finished (ISO 8601). */
  recordedAt: string;
}

/**
 * One suite's results on the default branch, stored with its fingerprint. The `result` is a
 * SuiteResult exactly as in the Results document, after the privacy setting was applied.
 */
export interface Baseline {
  schemaVersion: typeof BASELINE_SCHEMA_VERSION;
  suite: string;
  fingerprint: Fingerprint;
  /** How outputs were treated before storing; `hash` outputs read `sha256:<hex>`. */
  privacy: PrivacyMode;
  /** The Results document's run, narrowed to this suite's target. */
  run: RunInfo;
  result: SuiteResult;
  /**
   * The suite's pass rate on the default branch over its last baselines, oldest first, this
   * one last; at most BASELINE_HISTORY_MAX points. Carried forward from the baseline it
   * replaces when saved. Absent in baselines written before it existed (read as this one
   * point alone: `baselineHistory`).
   */
  history?: BaselineHistoryEntry[];
}

/** How many baselines a suite's history keeps: enough to see a slow slide, small in every file. */
export const BASELINE_HISTORY_MAX = 20;

/** One baseline of a suite, as its history remembers it. */
export interface BaselineHistoryEntry {
  commit?: string;
  /** When the run finished (the fingerprint's recordedAt). */
  recordedAt: string;
  /** The suite's pass rate (passed / graded samples); null when nothing was graded. */
  passRate: number | null;
  cases: number;
}

/** A stored baseline, as `list()` describes it without the caller reading every result. */
export interface BaselineListing {
  suite: string;
  /** Where it is kept: a file path, or `branch:path`. */
  location: string;
  commit?: string;
  recordedAt: string;
  evalgateVersion: string;
  cases: number;
  privacy: PrivacyMode;
}

export interface SaveResult {
  /** The commit that holds the baselines; absent for stores that do not commit (path). */
  commit?: string;
  /** Where each suite's baseline went, by suite id. */
  locations: Record<string, string>;
  /** How many compare-and-swap attempts it took: above 1 when another writer got there first. */
  attempts: number;
}

/**
 * Where baselines live. `load` returns only the suites it has; a suite with no baseline is
 * absent from the map, never an error. A stored baseline that cannot be read is an error
 * (BaselineError) — the gate must never pass on it.
 */
export interface BaselineStore {
  readonly kind: string;
  load(suiteIds: readonly string[]): Promise<Map<string, Baseline>>;
  save(baselines: readonly Baseline[], options: { message: string }): Promise<SaveResult>;
  list(): Promise<BaselineListing[]>;
}
