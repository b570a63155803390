import { z } from 'zod';

/**
 * `production.drift` in evalgate.yml: the thresholds of `evalgate drift`. Only zod here: the
 * policy schema imports this file, and the config schema imports that one, so the PR gate
 * carries this schema and none of the drift code.
 */

/** An online grader's pass rate: `grades.<grader>` in the records, the grader's verdicts in a baseline. */
export const GRADE_PREFIX = 'grades.';

/** A grader's name as a feature: `grades.` + this is at most 100 characters (incident markers' limit). */
export const GRADER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,92}$/;

/** The features `evalgate drift` compares; see src/production/drift/features.ts. */
export const DRIFT_FEATURES = [
  'inputChars',
  'outputChars',
  'inputLanguage',
  'outputLanguage',
  'route',
  'toolCalls',
  'toolBlockedRate',
  'refusalRate',
  'errorRate',
  'errorKind',
  'safetyEventRate',
  'latencyMs',
  'inputTokens',
  'outputTokens',
  'costUsd',
  'feedbackRate',
  'negativeFeedbackRate',
  'editRatio',
] as const;
export type DriftFeatureName = (typeof DRIFT_FEATURES)[number];

export const DriftConfigSchema = z.strictObject({
  /** The chance of any alarm per check when nothing drifted (family-wise, Holm over features). */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** A feature seen in fewer records than this, in either window, is "too few records". */
  minRecords: z.number().int().min(20).default(100),
  /** Quantile bins of the reference for numeric features. */
  bins: z.number().int().min(2).max(50).default(10),
  /** Minimum population stability index for numeric and categorical features to alarm. */
  psi: z.number().positive().default(0.1),
  /** Minimum Cohen's h (2·asin√p₁ − 2·asin√p₀, absolute) for a rate to alarm. */
  rateEffect: z.number().positive().default(0.1),
  /** Per feature: its own effect threshold, or `ignore: true` to leave it out of the check. */
  features: z
    .partialRecord(
      z.union([
        z.enum(DRIFT_FEATURES),
        // An online grader's pass rate, by the grader's name (see drift/quality.ts).
        z
          .string()
          .refine(
            (name) => name.startsWith(GRADE_PREFIX) && GRADER_NAME.test(name.slice(GRADE_PREFIX.length)),
            'a drift feature, or grades.<grader>',
          ),
      ]),
      z.strictObject({ threshold: z.number().positive().optional(), ignore: z.boolean().optional() }),
    )
    .default({}),
  /** `evalgate drift --coverage`: what production has that the suites lack. */
  coverage: z
    .strictObject({
      /** A value is listed when at least this share of the current window's records has it… */
      minShare: z.number().gt(0).max(1).default(0.01),
      /** …and fewer than this many suite cases do. */
      minCases: z.number().int().min(1).default(3),
    })
    .prefault({}),
});
export type DriftConfig = z.output<typeof DriftConfigSchema>;
