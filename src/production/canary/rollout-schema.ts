import { z } from 'zod';

/**
 * `rollout:` in evalgate.yml: the rollback triggers, declared before a rollout starts.
 * `evalgate canary` refuses to run without them: a canary judged against limits chosen after
 * its numbers are seen is no canary.
 *
 * Only zod here: the config schema imports this file, so the PR gate carries the schema and
 * none of the canary statistics.
 */

const minRecords = z.number().int().min(1).max(100_000_000);

/** A share of interactions (refusals, negative feedback): tolerated rise in the canary's rate, absolute. */
const proportionTrigger = z.strictObject({
  /** The largest tolerated rise of the canary's rate over control's, in rate units (0.02 = 2 points). */
  maxIncrease: z.number().min(0).max(1),
  /** Records (with the field) each side needs before this metric decides anything. */
  minRecords,
});

/** A rare count (errors, safety events): tolerated ratio of the canary's rate to control's. */
const countTrigger = z.strictObject({
  /** The largest tolerated canary rate ÷ control rate (1: no rise tolerated). */
  maxRatio: z.number().min(1).max(1000),
  minRecords,
});

/** A positive amount (p95 latency, cost): tolerated relative rise. */
const relativeTrigger = z.strictObject({
  /** The largest tolerated relative rise (0.2: the canary's value may be 20 % above control's). */
  maxIncrease: z.number().min(0).max(100),
  minRecords,
});

export const RolloutSchema = z.strictObject({
  /**
   * The chance of a false rollback of an unchanged canary, over every look and every
   * trigger together (split evenly between the triggers). The same bound covers a false
   * promote.
   */
  alpha: z.number().gt(0).max(0.2).default(0.05),
  /**
   * Promote once both sides have this many records, every trigger its minimum sample and
   * none a rollback, even where an interval still straddles its tolerance (a rare-event
   * trigger with `maxRatio: 1` can roll back but never prove itself within). Unset: promote
   * only on confidence, trigger by trigger.
   */
  promoteAfterRecords: z.number().int().min(1).optional(),
  triggers: z
    .strictObject({
      /** Share of records with an error. */
      errorRate: countTrigger.optional(),
      /** Share of records with a safety event (one or more). */
      safetyEvents: countTrigger.optional(),
      /** Share of answered records the refusal detector flags. */
      refusalRate: proportionTrigger.optional(),
      /** Share of rated records rated down (or scored below 0). */
      negativeFeedback: proportionTrigger.optional(),
      /** The 95th percentile of latencyMs. */
      p95LatencyMs: relativeTrigger.optional(),
      /** Mean costUsd of the records that carry one. */
      costPerInteraction: relativeTrigger.optional(),
      /**
       * Online graders' pass rates, by the grader's name in `production.online`: the largest
       * tolerated drop of the canary's pass rate below control's, absolute (0.01 = 1 point).
       * Read from the records' `online` field (`evalgate grade --out`), or graded on the fly.
       */
      onlineGraders: z
        .record(
          z.string().min(1).max(200),
          z.strictObject({ maxDecrease: z.number().min(0).max(1), minRecords }),
        )
        .optional(),
    })
    .refine(
      (t) =>
        Object.entries(t).some(([k, v]) =>
          k === 'onlineGraders' ? Object.keys(v ?? {}).length > 0 : v !== undefined,
        ),
      {
        message:
          'at least one trigger (errorRate, safetyEvents, refusalRate, negativeFeedback, p95LatencyMs, costPerInteraction, onlineGraders)',
      },
    ),
});
export type RolloutConfig = z.output<typeof RolloutSchema>;
/** The built-in triggers, each reading one record field. */
export type TriggerName = Exclude<keyof RolloutConfig['triggers'], 'onlineGraders'>;
/** A decision's metric: a built-in trigger, or an online grader's pass rate (`onlineGraders.NAME`). */
export type MetricName = TriggerName | `onlineGraders.${string}`;
export const TRIGGER_NAMES: readonly TriggerName[] = [
  'errorRate',
  'safetyEvents',
  'refusalRate',
  'negativeFeedback',
  'p95LatencyMs',
  'costPerInteraction',
];
