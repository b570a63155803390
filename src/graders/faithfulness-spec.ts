import { z } from 'zod';

// The faithfulness grader's spec, apart from the grader (faithfulness.ts), so that
// graders/spec and config can validate it without importing the judge's OpenAI client.
// The options are explained in faithfulness.ts.

const base = { name: z.string().optional(), not: z.boolean().optional() };

export const FaithfulnessSpecSchema = z.strictObject({
  type: z.literal('faithfulness'),
  ...base,
  /** Pass when the supported share of claims is at least this. */
  min: z.number().min(0).max(1).default(1),
  /** Deterministic mode: the share of a claim's content words one passage must contain. */
  support: z.number().gt(0).max(1).default(0.7),
  /** Where the context comes from: the target's retrieved documents, the case's, or auto. */
  contexts: z.enum(['auto', 'retrieved', 'case']).default('auto'),
  /** Judge mode: an LLM judge decomposes and checks the claims (advisory until calibrated). */
  judge: z
    .union([
      z.boolean(),
      z.strictObject({
        model: z.string().min(1).optional(),
        minAgreement: z.number().min(-1).max(1).optional(),
      }),
    ])
    .optional(),
});
export type FaithfulnessSpec = z.output<typeof FaithfulnessSpecSchema>;

export const CitationSupportSpecSchema = z.strictObject({
  type: z.literal('citation-support'),
  ...base,
  /** Pass when the share of citations that support their sentence is at least this. */
  min: z.number().min(0).max(1).default(1),
  /** The share of the sentence's content words the cited passage must contain. */
  support: z.number().gt(0).max(1).default(0.7),
});
export type CitationSupportSpec = z.output<typeof CitationSupportSpecSchema>;
