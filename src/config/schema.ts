import { z } from 'zod';
import { GraderSpecSchema, normalizeGraderInput } from '../graders/spec.js';
import { ComponentsSchema } from '../plan/schema.js';
import { GatePolicySchema } from '../gate/schema.js';
import { BaselineConfigSchema } from '../baseline/schema.js';
import { JudgeConfigSchema } from '../graders/judge-spec.js';
import { DatasetFieldSchema } from '../importers/index.js';
import { RolloutSchema } from '../production/canary/rollout-schema.js';
import { ProductionPolicySchema } from '../production/policy-schema.js';

/** A YAML key path such as `top_k` or `retriever.embedding.model`. */
const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'letters, digits and . _ : / - (starting with a letter or digit)');

export const GraderListSchema = z.array(z.preprocess(normalizeGraderInput, GraderSpecSchema));

// ---------------------------------------------------------------- targets

const targetCommon = {
  description: z.string().optional(),
  /** Requests in flight at once against this target; the run-wide limit still applies. */
  concurrency: z.number().int().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).max(20).optional(),
  /**
   * Cache this target's answers. Default: on for openai (the request holds the whole prompt and
   * parameters), off for http and command, whose answers depend on code the request does not
   * show; turned on for those, the key includes the target's system version id.
   */
  cache: z.boolean().optional(),
  /** Names of components (in `components:`) this target uses, beyond what evalgate infers. */
  components: z.array(z.string()).optional(),
};

export const OpenAITargetSchema = z.strictObject({
  type: z.literal('openai'),
  ...targetCommon,
  /** Base URL of any OpenAI-compatible API (`${env:NAME}` allowed). Defaults to `$OPENAI_BASE_URL`, then the SDK default. */
  baseURL: z.string().min(1).optional(),
  /** Environment variable holding the API key. */
  apiKeyEnv: z.string().default('OPENAI_API_KEY'),
  /** Prompt template file: messages rendered with the case's vars. */
  prompt: z.string(),
  /** Model config file (YAML/JSON): model, temperature, max_tokens, seed, response_format, tools... */
  model: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
});

/**
 * Why this target's code is not in this repository (a service deployed from another one, a
 * tool installed from a registry): its changes cannot be seen here, so no component of kind
 * code is expected and change detection does not warn. A reason, not a switch: it is kept
 * in the config for the next reader.
 */
const externalCode = z.string().trim().min(1, 'say where the code lives and why it is not here').optional();

export const HttpTargetSchema = z.strictObject({
  type: z.literal('http'),
  ...targetCommon,
  url: z.string().min(1),
  externalCode,
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH']).default('POST'),
  headers: z.record(z.string(), z.string()).optional(),
  /** Request body, templated from the case's vars (`"{{question}}"`). */
  body: z.unknown().optional(),
  /** Where to find things in the JSON response, as paths like `data.answer` or `results[0].text`. */
  extract: z
    .strictObject({
      output: z.string().default('output'),
      contexts: z.string().optional(),
      contextId: z.string().default('id'),
      contextText: z.string().default('text'),
      citations: z.string().optional(),
      toolCalls: z.string().optional(),
      usage: z.string().optional(),
    })
    .default({ output: 'output', contextId: 'id', contextText: 'text' }),
});

export const CommandTargetSchema = z.strictObject({
  type: z.literal('command'),
  ...targetCommon,
  /** argv of the program; it reads the case as JSON on stdin and prints `{"output": ...}` on stdout. */
  command: z.array(z.string().min(1)).min(1),
  externalCode,
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
});

export const TargetSpecSchema = z.discriminatedUnion('type', [
  OpenAITargetSchema,
  HttpTargetSchema,
  CommandTargetSchema,
]);
export type TargetSpec = z.output<typeof TargetSpecSchema>;
export type OpenAITargetSpec = z.output<typeof OpenAITargetSchema>;
export type HttpTargetSpec = z.output<typeof HttpTargetSchema>;
export type CommandTargetSpec = z.output<typeof CommandTargetSchema>;

// ---------------------------------------------------------------- cases and suites

const tagValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const ContextItemSchema = z.union([
  z.string().transform((text) => ({ text })),
  z.strictObject({ id: z.string().optional(), text: z.string() }),
]);

export const CaseSchema = z.strictObject({
  /** Stable id, unique in its suite. Derived from the content when left out. */
  id: id.optional(),
  description: z.string().optional(),
  vars: z.record(z.string(), z.unknown()).default({}),
  /** Shorthand for `vars.input`. */
  input: z.string().optional(),
  expected: z.unknown().optional(),
  reference: z.string().optional(),
  context: z.union([ContextItemSchema, z.array(ContextItemSchema)]).optional(),
  /** Ids of the documents that answer the case: what the retrieval graders score against. */
  relevant: z.array(z.string().min(1)).optional(),
  /** The answer is not in the evidence by design: the right response is to say so. */
  unanswerable: z.boolean().optional(),
  /** Free-form tags; the conventional ones are workflow, risk and data. */
  tags: z.record(z.string(), z.union([tagValue, z.array(tagValue)])).default({}),
  /** Release-blocking: zero tolerance, a failure fails the run. */
  blocker: z.boolean().default(false),
  graders: GraderListSchema.optional(),
  repeat: z.number().int().min(1).max(100).optional(),
});
export type CaseSpec = z.output<typeof CaseSchema>;

export const SuiteSchema = z.strictObject({
  id,
  description: z.string().optional(),
  owner: z.string().optional(),
  /** trusted: hand-audited, may gate releases. monitoring: informs only. */
  tier: z.enum(['trusted', 'monitoring']).default('monitoring'),
  /** regression or safety; a model change re-runs every safety suite. */
  kind: z.enum(['regression', 'safety']).default('regression'),
  /** Name of a target in evalgate.yml; may be left out when there is only one. */
  target: z.string().optional(),
  repeat: z.number().int().min(1).max(100).default(1),
  /** Graders applied to every case, before the case's own. */
  graders: GraderListSchema.default([]),
  /** Vars merged under every case's vars. */
  vars: z.record(z.string(), z.unknown()).default({}),
  /** JSONL files of further cases, relative to the suite file; `{ format, file }` imports another tool's eval set. */
  dataset: DatasetFieldSchema.optional(),
  cases: z.array(z.unknown()).default([]),
  /** Run on every change, whatever the plan says. */
  always: z.boolean().default(false),
  /** Extra files this suite depends on (globs, relative to the project root). */
  dependsOn: z.array(z.string()).default([]),
});
export type SuiteSpec = z.output<typeof SuiteSchema>;

// ---------------------------------------------------------------- project

const TokenPriceSchema = z.strictObject({
  input: z.number().min(0),
  output: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
});

/**
 * USD per million tokens. `batch`: the price of requests sent through the provider's batch
 * service (`run --batch`); default: the list price × BATCH_PRICE_FACTOR (src/runner/pricing.ts).
 */
export const PriceSchema = TokenPriceSchema.extend({ batch: TokenPriceSchema.optional() });
export type Price = z.output<typeof PriceSchema>;

export const ProjectConfigSchema = z.strictObject({
  version: z.literal(1).default(1),
  targets: z.record(id, TargetSpecSchema).refine((t) => Object.keys(t).length > 0, 'at least one target'),
  /** Suite files: paths or globs relative to this file. */
  suites: z.array(z.string()).min(1),
  concurrency: z.number().int().min(1).max(1024).default(8),
  timeoutMs: z.number().int().positive().default(60_000),
  retries: z.number().int().min(0).max(20).default(4),
  cache: z
    .strictObject({ enabled: z.boolean().default(true), dir: z.string().default('.evalgate/cache') })
    .default({ enabled: true, dir: '.evalgate/cache' }),
  output: z.string().default('evalgate-results.json'),
  prices: z.record(z.string(), PriceSchema).default({}),
  /**
   * Spending limits checked before anything runs (src/plan/estimate.ts): a run whose
   * estimated cost is above `maxCostUSD` is refused.
   */
  budget: z.strictObject({ maxCostUSD: z.number().positive().optional() }).default({}),
  /** The parts of the application a change can touch, by name; see the plan stage. */
  components: ComponentsSchema.default({}),
  gate: GatePolicySchema.prefault({}),
  baseline: BaselineConfigSchema.prefault({}),
  /** Defaults for `judge` graders; see src/graders/judge.ts. */
  judge: JudgeConfigSchema.prefault({}),
  /** The privacy policy of the production commands; see src/production/policy-schema.ts. */
  production: ProductionPolicySchema.optional(),
  /** The canary's rollback triggers; see src/production/canary/rollout-schema.ts. */
  rollout: RolloutSchema.optional(),
});
export type ProjectConfig = z.output<typeof ProjectConfigSchema>;
