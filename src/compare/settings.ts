import type { MetricComparison, ThresholdSettings } from './types.js';

/** What one comparison runs with: defaults, and the context its steps share. */

export const DEFAULT_ALPHA = 0.05;

/** 2 percentage points of pass rate (and the same 0.02 for every other metric unless overridden). */
export const DEFAULT_MIN_EFFECT = 0.02;

export const DEFAULT_SEED = 20_240_601;

export const DEFAULT_BOOTSTRAP_RESAMPLES = 2000;

export const DEFAULT_STALE_AFTER_DAYS = 30;

/** Wilcoxon's exact distribution up to this many non-zero differences, the normal approximation above. */
export const WILCOXON_EXACT_MAX_N = 50;

/** A metric that was tested, and how many of its pairs could move its test (see `adjustWithinSuites`). */
export interface TestedMetric {
  suite: string;
  metric: MetricComparison;
  informative: number;
}

/** One comparison's settings, and the tested metrics it collects for Holm's correction. */
export interface CompareContext {
  seed: number;
  resamples: number;
  thresholds: ThresholdSettings;
  tested: TestedMetric[];
}
