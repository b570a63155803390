import { z } from 'zod';

/**
 * The gate policy: `gate:` in evalgate.yml. Every field has a default that fails safe, so
 * an empty (or absent) section gives a working gate:
 *
 * ```yaml
 * gate:
 *   alpha: 0.05            # per suite: family-wise over that suite's tested metrics, after Holm
 *   minEffect: 0.02        # 2 percentage points of pass rate (0.02 of a score)
 *   onInconclusive: neutral  # neutral | warn | fail
 *   onNothingComparable: fail  # fail | warn | neutral: a baseline with no case to pair
 *   metrics:
 *     "score:faithfulness": { minEffect: 0.05 }
 *     refusalRate: { block: true }
 *     "dimension:risk": { block: true }  # risk never regresses, overall or in any workflow
 *   suites:
 *     checkout: { alpha: 0.01, minEffect: 0.05, onInconclusive: fail }
 *   budgets:                # relative ones are bootstrap-tested; see `budget` below
 *     latencyP95: { maxIncreasePct: 25, minAbsoluteIncrease: 50, max: 4000, action: warn }
 *     costPerCase: { maxIncreasePct: 20, action: fail }
 *     abstentionRate: { maxDecreasePct: 50 }           # a drop in "I don't know" is a change too
 *     toolCallsPerCase: { maxIncreasePct: 50, action: fail }
 *   dimensions: { minCases: 10, onTradeOff: warn }
 *   errors: { maxRate: 0.1 }
 *   resample: { callBudget: 60, samplesPerArm: 3 }  # settle inconclusive regressions (off by default)
 *   sampling: { mode: sequential, maxSamples: 3, callBudget: 1.5 }  # more samples only where unsettled
 * ```
 */

const alpha = z.number().gt(0).max(0.5);
const minEffect = z.number().min(0).max(1);
const action = z.enum(['warn', 'fail']);

/** What a trusted suite does when the data cannot tell (or the suite cannot be compared). */
export const InconclusivePolicySchema = z.enum(['neutral', 'warn', 'fail']);
export type InconclusivePolicy = z.output<typeof InconclusivePolicySchema>;

export const MetricPolicySchema = z.strictObject({
  alpha: alpha.optional(),
  minEffect: minEffect.optional(),
  /**
   * Whether a significant regression of this metric fails a trusted suite. Default: yes for
   * pass rate and grader scores; no for error and refusal rates, which the budgets and the
   * infrastructure-error threshold watch instead.
   */
  block: z.boolean().optional(),
});
export type MetricPolicy = z.output<typeof MetricPolicySchema>;

/**
 * A metric rule's name: the suite metrics compare tests (`passRate`, `errorRate`,
 * `refusalRate`), a grader's score (`score:<grader>`, `score:*`) or a dimension
 * (`dimension:correctness|usefulness|risk|grounding`, `dimension:*`). Anything else is a
 * config error, so a typo ("dimension:riks") never silently gates nothing.
 */
const METRIC_NAME =
  /^(?:passRate|errorRate|refusalRate|score:.+|dimension:(?:\*|correctness|usefulness|risk|grounding))$/;
const metricRules = z.record(z.string(), MetricPolicySchema).superRefine((rules, ctx) => {
  for (const name of Object.keys(rules))
    if (!METRIC_NAME.test(name))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `'${name}' is not a metric: a rule names passRate, errorRate, refusalRate, score:<grader> (or score:*), or dimension:correctness|usefulness|risk|grounding (or dimension:*)`,
      });
});

/**
 * A budget relative to the baseline and/or absolute. A relative budget trips when the
 * value rises by more than maxIncreasePct % of the baseline and by at least
 * minAbsoluteIncrease (in the value's own unit: ms, USD, tokens, or a rate); from a
 * baseline of 0, any rise of at least minAbsoluteIncrease trips it. For latency, tokens
 * and cost the comparison's bootstrap lower bound of the increase must clear both too, so
 * noise between identical runs never trips it (gate.ts, `gateBudget`). An absolute budget
 * trips when the current value exceeds max.
 */
function budget(defaults: { maxIncreasePct: number | null; minAbsoluteIncrease: number }) {
  return z
    .strictObject({
      maxIncreasePct: z.number().min(0).nullable().default(defaults.maxIncreasePct),
      minAbsoluteIncrease: z.number().min(0).default(defaults.minAbsoluteIncrease),
      max: z.number().min(0).nullable().default(null),
      action: action.default('warn'),
    })
    .prefault({});
}

/**
 * The abstention rate's budget: a drop matters as much as a rise (a model that stops saying
 * "I don't know" answers questions it cannot). `maxDecreasePct` trips when the rate falls
 * by more than that % of the baseline and by at least `minAbsoluteIncrease` (the floor, either
 * way); a rise is the refusal rate's budget unless `maxIncreasePct` is set here too.
 */
const abstentionBudget = z
  .strictObject({
    maxIncreasePct: z.number().min(0).nullable().default(null),
    maxDecreasePct: z.number().min(0).max(100).nullable().default(50),
    minAbsoluteIncrease: z.number().min(0).default(0.02),
    max: z.number().min(0).nullable().default(null),
    action: action.default('warn'),
  })
  .prefault({});

const BudgetOverrideSchema = z.strictObject({
  maxIncreasePct: z.number().min(0).nullable().optional(),
  /** abstentionRate only: the largest drop allowed, % of the baseline. */
  maxDecreasePct: z.number().min(0).max(100).nullable().optional(),
  minAbsoluteIncrease: z.number().min(0).optional(),
  max: z.number().min(0).nullable().optional(),
  action: action.optional(),
});
export type BudgetOverride = z.output<typeof BudgetOverrideSchema>;

export const BUDGET_KEYS = [
  'latencyP95',
  'costPerCase',
  'tokensPerCase',
  'errorRate',
  'refusalRate',
  'toolCallsPerCase',
  'abstentionRate',
] as const;
export type BudgetKey = (typeof BUDGET_KEYS)[number];

export const BudgetsSchema = z
  .strictObject({
    /**
     * p95 latency, ms: of answered samples for `max`; for the relative budget, the p95 over
     * cases of each case's mean latency, bootstrap-tested. Below 50 ms of increase,
     * latency is scheduling jitter, not a regression.
     */
    latencyP95: budget({ maxIncreasePct: 25, minAbsoluteIncrease: 50 }),
    /** Mean cost of one call of a case, USD; an increase under $0.00001 per call is noise. */
    costPerCase: budget({ maxIncreasePct: 20, minAbsoluteIncrease: 0.00001 }),
    /** Mean total tokens of one call of a case; an increase under 5 tokens is noise. */
    tokensPerCase: budget({ maxIncreasePct: 20, minAbsoluteIncrease: 5 }),
    /** Share of samples that errored; rates are noisy near 0, hence the 2-point floor. */
    errorRate: budget({ maxIncreasePct: 50, minAbsoluteIncrease: 0.02 }),
    refusalRate: budget({ maxIncreasePct: 25, minAbsoluteIncrease: 0.02 }),
    /**
     * Mean tool calls of one call of a case, bootstrap-tested like tokens: an agent that
     * keeps its answers but doubles its tool churn has changed cost, latency and exposure.
     * Under half a call per case more is noise.
     */
    toolCallsPerCase: budget({ maxIncreasePct: 50, minAbsoluteIncrease: 0.5 }),
    /** Share of graded samples that abstain; its drop is budgeted, bootstrap-tested. */
    abstentionRate: abstentionBudget,
  })
  .prefault({});
export type Budgets = z.output<typeof BudgetsSchema>;
export type Budget = Omit<Budgets['latencyP95'], never> & { maxDecreasePct?: number | null };

/**
 * What a trusted suite does when it has a baseline but not one case could be paired (no
 * case id in common, no cases, every baseline sample errored): the check would otherwise
 * say nothing while looking green. fail (default) | warn | neutral (the verdict is
 * `inconclusive`).
 */
export const NothingComparablePolicySchema = z.enum(['fail', 'warn', 'neutral']);
export type NothingComparablePolicy = z.output<typeof NothingComparablePolicySchema>;

/**
 * How many samples a case gets. fixed: the suite's `repeat`, every case. sequential: one
 * sample per case, then more — in both arms, the change and its base — only for the cases
 * whose arms disagree, until they settle (gate/sequential.ts). Needs a base arm: `run --base`
 * and the Action's pull-request mode; elsewhere a suite is sampled as `fixed`.
 */
const samplingMode = z.enum(['fixed', 'sequential']);
/** Most graded samples per case and arm, the first one included. */
const maxSamples = z.number().int().min(2).max(25);
/** Calls a suite may spend in all, both arms, as a multiple of its case count (1.5: half again). */
const samplingBudget = z.number().min(1).max(50);

export const SamplingPolicySchema = z
  .strictObject({
    mode: samplingMode.default('fixed'),
    maxSamples: maxSamples.default(3),
    callBudget: samplingBudget.default(1.5),
  })
  .prefault({});
export type SamplingPolicy = z.output<typeof SamplingPolicySchema>;

export const SuitePolicySchema = z.strictObject({
  alpha: alpha.optional(),
  minEffect: minEffect.optional(),
  metrics: metricRules.optional(),
  onInconclusive: InconclusivePolicySchema.optional(),
  onNothingComparable: NothingComparablePolicySchema.optional(),
  budgets: z.partialRecord(z.enum(BUDGET_KEYS), BudgetOverrideSchema).optional(),
  sampling: z
    .strictObject({
      mode: samplingMode.optional(),
      maxSamples: maxSamples.optional(),
      callBudget: samplingBudget.optional(),
    })
    .optional(),
});
export type SuitePolicy = z.output<typeof SuitePolicySchema>;

export const GatePolicySchema = z
  .strictObject({
    /**
     * Per suite: each suite's tested metrics are one Holm family at this level, so a suite's
     * verdict never depends on which other suites ran (compare.ts, `adjustWithinSuites`).
     */
    alpha: alpha.default(0.05),
    minEffect: minEffect.default(0.02),
    /**
     * Per metric id: `passRate`, `errorRate`, `refusalRate`, `score:<grader>`, `score:*` for
     * every grader score, `dimension:<correctness|usefulness|risk|grounding>` or
     * `dimension:*` for the breakdown's cells (they block only with `block: true`).
     */
    metrics: metricRules.default({}),
    onInconclusive: InconclusivePolicySchema.default('neutral'),
    onNothingComparable: NothingComparablePolicySchema.default('fail'),
    /** Per suite id; most specific wins (suite + metric, suite, metric, top level). */
    suites: z.record(z.string(), SuitePolicySchema).default({}),
    blockers: z
      .strictObject({
        /** A blocker case that failed in the baseline and still fails: zero tolerance by default. */
        stillFailing: action.default('fail'),
        /** A blocker case the current run no longer has. */
        removed: z.enum(['info', 'warn', 'fail']).default('warn'),
        /**
         * A failing blocker is confirmed with fresh samples before it blocks (gate/confirm.ts):
         * in the change and, for a pull request, on its base. 0 calls turns confirmation off.
         */
        confirm: z
          .strictObject({
            /** Fresh samples per failing blocker case and arm; a majority decides. */
            samples: z.number().int().min(1).max(25).default(3),
            /** Model calls confirmation may spend in one run, both arms together. */
            callBudget: z.number().int().min(0).default(60),
          })
          .prefault({}),
        /**
         * A blocker confirmed failing on the pull request's base as well: the change did not
         * cause it. warn: reported prominently, the pull request is not blocked (the push to the
         * default branch that finds it fails); fail: block every pull request until it is fixed.
         */
        preexisting: action.default('warn'),
      })
      .prefault({}),
    /**
     * Cases a pull request added or edited have no stored baseline to pair with: they are run
     * on the base commit too (the change's definitions against the base's system), within
     * this many model calls; any left over are named as unverified.
     */
    edits: z
      .strictObject({
        callBudget: z.number().int().min(0).default(100),
      })
      .prefault({}),
    budgets: BudgetsSchema,
    /**
     * The breakdown by dimension and workflow (compare/breakdown.ts). A cell with fewer
     * paired cases than `minCases` is shown but not tested. A trade-off (one cell improved,
     * another regressed, each significantly) needs a product decision: `onTradeOff` says
     * how loudly (warn by default; fail needs a trusted suite among the cells, info only notes it).
     * Gating on a dimension is a metric rule: `metrics: { "dimension:risk": { block: true } }`.
     */
    dimensions: z
      .strictObject({
        minCases: z.number().int().min(2).default(10),
        onTradeOff: z.enum(['info', 'warn', 'fail']).default('warn'),
      })
      .prefault({}),
    errors: z
      .strictObject({
        /** A trusted suite whose share of errored samples is above this gets the verdict `error`: the run says nothing. */
        maxRate: z.number().min(0).max(1).default(0.1),
      })
      .prefault({}),
    /**
     * Settling an inconclusive regression by re-sampling only the discordant cases, in both
     * arms (see gate/resample.ts). Off unless callBudget > 0; when on, the ordinary comparison
     * is tested at α₁ < α so that the two stages together keep the false-alarm rate at α.
     */
    resample: z
      .strictObject({
        /** Model calls stage 2 may spend, both arms together; 0 turns re-sampling off. */
        callBudget: z.number().int().min(0).default(0),
        samplesPerArm: z.number().int().min(1).max(100).default(3),
        /** Stage 1's share of the information; sets how α is split between the stages. */
        stage1Fraction: z.number().gt(0).lt(1).default(0.5),
        spending: z.enum(['bonferroni', 'pocock', 'obrien-fleming']).default('pocock'),
      })
      .prefault({}),
    /** Samples per case: `fixed` (the suite's repeat) or `sequential`; per suite under `suites`. */
    sampling: SamplingPolicySchema,
    baseline: z
      .strictObject({
        /** A baseline older than this many days is stale. */
        maxAgeDays: z.number().positive().default(30),
        onStale: z.enum(['info', 'warn', 'fail']).default('warn'),
      })
      .prefault({}),
  })
  .prefault({});
export type GatePolicy = z.output<typeof GatePolicySchema>;

/** A suite's sampling: its own fields over the top-level ones. */
export function samplingFor(policy: GatePolicy, suite: string): SamplingPolicy {
  const own = policy.suites[suite]?.sampling;
  return {
    mode: own?.mode ?? policy.sampling.mode,
    maxSamples: own?.maxSamples ?? policy.sampling.maxSamples,
    callBudget: own?.callBudget ?? policy.sampling.callBudget,
  };
}

/** The policy with every default filled in. */
export function defaultGatePolicy(): GatePolicy {
  return GatePolicySchema.parse(undefined);
}
