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
 *   usefulness   the answer serves the user: judge rubrics (unless a suite says otherwise)
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

/** The dimension a grader of this type measures unless its spec says otherwise: correctness for the rest. */
export function defaultDimension(type: string): Dimension {
  return DEFAULTS[type] ?? 'correctness';
}
