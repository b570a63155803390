import { z } from 'zod';
import { StepSuccessSpecSchema, ToolBoundariesSpecSchema, TrajectorySpecSchema } from './agent.js';
import { AbstentionSpecSchema, RetrievalSpecSchema } from './rag.js';
import { CitationSupportSpecSchema, FaithfulnessSpecSchema } from './faithfulness-spec.js';
import { CanarySpecSchema, PiiSpecSchema } from './safety.js';
import { JudgeSpecSchema } from './judge-spec.js';
import { OpenAIEvalsMatchSpecSchema } from '../importers/openai-evals.js';
import { dimensionField } from './dimensions.js';

/**
 * Grader specs as written in suite files. Every grader accepts `not: true` (or a `not-`
 * prefix on its type) to invert it, an optional `name` to tell two of a kind apart, and an
 * optional `dimension` (correctness, usefulness, risk, grounding) overriding the one its type
 * measures by default (dimensions.ts). Values left out default to the case's `expected`
 * where that makes sense.
 */
const base = {
  name: z.string().optional(),
  not: z.boolean().optional(),
  ...dimensionField,
};

const textValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const GraderSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('equals'),
    ...base,
    value: z.unknown().optional(),
    ignoreCase: z.boolean().optional(),
    trim: z.boolean().default(true),
  }),
  z.strictObject({
    type: z.literal('contains'),
    ...base,
    value: textValue.optional(),
    ignoreCase: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('contains-any'),
    ...base,
    values: z.array(textValue).min(1).optional(),
    ignoreCase: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('contains-all'),
    ...base,
    values: z.array(textValue).min(1).optional(),
    ignoreCase: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('regex'),
    ...base,
    pattern: z.string().min(1),
    flags: z
      .string()
      .regex(/^[dgimsuvy]*$/, 'only JavaScript regex flags dgimsuvy')
      .optional(),
  }),
  z.strictObject({ type: z.literal('is-json'), ...base }),
  z.strictObject({
    type: z.literal('json-schema'),
    ...base,
    schema: z.union([z.record(z.string(), z.unknown()), z.string()]),
  }),
  z.strictObject({
    type: z.literal('tool-calls'),
    ...base,
    calls: z
      .array(
        z.strictObject({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()).optional() }),
      )
      .optional(),
    /** exact: the calls made are exactly these; subset: these are among the calls made. */
    match: z.enum(['exact', 'subset']).default('subset'),
    order: z.enum(['strict', 'any']).default('any'),
  }),
  z.strictObject({ type: z.literal('latency'), ...base, maxMs: z.number().positive() }),
  z.strictObject({
    type: z.literal('tokens'),
    ...base,
    max: z.number().int().positive(),
    kind: z.enum(['total', 'prompt', 'completion']).default('total'),
  }),
  z.strictObject({ type: z.literal('cost'), ...base, maxUsd: z.number().positive() }),
  /** Deterministic refusal detector. `expect: true` passes on a refusal, `false` on an answer. */
  z.strictObject({
    type: z.literal('refusal'),
    ...base,
    expect: z.boolean().default(true),
    /** Ask an LLM judge about what the detector reads as an answer (soft refusals); `true` or judge options. */
    judge: z
      .union([
        z.boolean(),
        z.strictObject({
          model: z.string().min(1).optional(),
          minAgreement: z.number().min(-1).max(1).optional(),
        }),
      ])
      .optional(),
  }),
  // RAG, agent and safety graders: their options are documented where they are defined.
  RetrievalSpecSchema.extend(dimensionField),
  AbstentionSpecSchema.extend(dimensionField),
  FaithfulnessSpecSchema.extend(dimensionField),
  CitationSupportSpecSchema.extend(dimensionField),
  TrajectorySpecSchema.extend(dimensionField),
  ToolBoundariesSpecSchema.extend(dimensionField),
  StepSuccessSpecSchema.extend(dimensionField),
  CanarySpecSchema.extend(dimensionField),
  PiiSpecSchema.extend(dimensionField),
  JudgeSpecSchema.extend(dimensionField),
  OpenAIEvalsMatchSpecSchema.extend(dimensionField),
]);

export type GraderSpec = z.output<typeof GraderSpecSchema>;
export type GraderType = GraderSpec['type'];
export const GRADER_TYPES: readonly GraderType[] = GraderSpecSchema.options.map((o) => o.shape.type.value);

/** `not-contains` → `{type: contains, not: true}`, applied before validation. */
export function normalizeGraderInput(raw: unknown): unknown {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const spec = raw as Record<string, unknown>;
    if (typeof spec.type === 'string' && spec.type.startsWith('not-')) {
      return { ...spec, type: spec.type.slice(4), not: !(spec.not === true) };
    }
  }
  return raw;
}
