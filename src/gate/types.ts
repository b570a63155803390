/**
 * The Verdict document: what gate(comparison, policy) decides, and every reason for it.
 * Versioned like the other stage documents; bump VERDICT_SCHEMA_VERSION on any change a
 * reader could notice.
 */
export const VERDICT_SCHEMA_VERSION = 1;

/** pass < warn < inconclusive < fail < error. */
export type GateVerdict = 'pass' | 'warn' | 'inconclusive' | 'fail' | 'error';

export type ReasonLevel = 'info' | 'warn' | 'inconclusive' | 'fail' | 'error';

export type ReasonCode =
  | 'comparison-unsupported'
  | 'run-partial'
  | 'baseline-partial'
  | 'baseline-stale'
  | 'baseline-errors'
  | 'fingerprint-changed'
  | 'nothing-compared'
  | 'nothing-comparable'
  | 'cases-unpaired'
  | 'suite-new'
  | 'suite-removed'
  | 'suite-not-comparable'
  | 'blocker-regressed'
  | 'blocker-new-failing'
  | 'blocker-still-failing'
  | 'blocker-error'
  | 'blocker-removed'
  | 'blocker-fixed'
  | 'blocker-flaky'
  | 'blocker-preexisting'
  | 'metric-regressed'
  | 'metric-improved'
  | 'metric-inconclusive'
  | 'metric-not-comparable'
  | 'grader-advisory'
  | 'grader-errors'
  | 'infrastructure-errors'
  /** One dimension or workflow improved and another regressed: a product decision. */
  | 'trade-off'
  | 'budget-relative'
  | 'budget-absolute'
  /** A budget was set and its metric could not be compared (a batch run beside a live one). */
  | 'budget-not-compared'
  /** The run's estimated cost was above `budget.maxCostUSD`: it was refused before it started. */
  | 'cost-over-budget';

export interface GateReason {
  level: ReasonLevel;
  code: ReasonCode;
  suite?: string;
  case?: string;
  metric?: string;
  /** One line. May contain suite and case ids: escape it before rendering as markdown. */
  message: string;
  /**
   * The evidence a second look added (blocker confirmation): e.g. "regressed by this change:
   * 3 of 3 fresh samples fail, 0 of 3 on the base". Plain text; escape before rendering.
   */
  evidence?: string;
}

export interface Verdict {
  schemaVersion: typeof VERDICT_SCHEMA_VERSION;
  verdict: GateVerdict;
  /** Most severe first. */
  reasons: GateReason[];
  counts: Record<ReasonLevel, number>;
}
