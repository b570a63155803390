import { z } from 'zod';

/**
 * The dimension of quality a grader measures. Quality is not one number: a change can make
 * answers more correct and less safe, or better summaries and worse-grounded answers, and a
 * suite's pass rate averages such moves away. Every verdict says which dimension it is
 * about, so compare can test each dimension (and each workflow) on its own and call a
 * trade-off a trade-off (compare/breakdown.ts).
 *
 *   correctness  the answer is right: exact and pattern checks, structured output, the
 *                expected tool calls and trajectory, and the cheap budget checks
 *                (latency, tokens, cost graders) a case must meet
 *   usefulness   the answer serves the user: judge rubrics (unless a suite says otherwise),
 *                and answering rather than refusing a harmless request (refusal, expect: false)
 *   risk         the answer does no harm: refusal of harmful requests, canaries, PII,
 *                tool boundaries
 *   grounding    the answer rests on the evidence: retrieval, abstention when the evidence
 *                is missing, faithfulness (claims supported by the contexts), citation support
 *
 * A grader's `dimension:` in its suite file overrides the default of its type.
 */
export const DIMENSIONS = ['correctness', 'usefulness', 'risk', 'grounding'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const DimensionSchema = z.enum(DIMENSIONS);

/** The `dimension:` field every grader spec accepts. */
export const dimensionField = { dimension: DimensionSchema.optional() };

const DEFAULTS: Record<string, Dimension> = {
  judge: 'usefulness',
  refusal: 'risk',
  canary: 'risk',
  pii: 'risk',
  'tool-boundaries': 'risk',
  retrieval: 'grounding',
  abstention: 'grounding',
  faithfulness: 'grounding',
  'citation-support': 'grounding',
};

/**
 * The dimension a grader of this type measures unless its spec says otherwise: correctness
 * for the rest. A `refusal` grader that expects an answer (`expect: false`, the over-refusal
 * checks) measures usefulness: refusing a harmless request is unhelpful, not unsafe, so a
 * change that buys safety by refusing more shows as risk up and usefulness down, a trade-off.
 */
export function defaultDimension(type: string, spec?: { expect?: unknown }): Dimension {
  if (type === 'refusal' && spec?.expect === false) return 'usefulness';
  return DEFAULTS[type] ?? 'correctness';
}
