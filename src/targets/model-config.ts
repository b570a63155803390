import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigErrors, type ConfigError } from '../config/errors.js';
import { parseYamlFast, type PositionedDocument } from '../config/yaml.js';
import { getPath } from './json-path.js';

/**
 * Chat Completions parameters a model config file (or a prompt's front matter) may set.
 *
 * An allowlist rather than pass-through: a misspelt `temprature` silently ignored would make
 * an eval run measure a different configuration than the one under review. Values are kept in
 * the API's own shape so the prepared request is exactly what is sent.
 */
const paramShape = {
  model: z.string().min(1),
  temperature: z.number().min(0).max(2),
  top_p: z.number().min(0).max(1),
  max_tokens: z.number().int().positive(),
  max_completion_tokens: z.number().int().positive(),
  seed: z.number().int(),
  response_format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }),
  tools: z.array(z.looseObject({ type: z.string() })),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })]),
  parallel_tool_calls: z.boolean(),
  stop: z.union([z.string(), z.array(z.string())]),
  frequency_penalty: z.number().min(-2).max(2),
  presence_penalty: z.number().min(-2).max(2),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)),
  user: z.string(),
  // Providers disagree on the levels (minimal, none, xhigh...); the API is the judge.
  reasoning_effort: z.string().min(1),
};

export const MODEL_PARAMETERS = Object.keys(paramShape);

const ModelOverridesSchema = z.strictObject(paramShape).partial();
const ModelFileSchema = ModelOverridesSchema.required({ model: true });

export type ModelParams = z.output<typeof ModelOverridesSchema>;
export type ModelConfig = z.output<typeof ModelFileSchema>;

/**
 * Validates model parameters found at `base` inside `doc`; every problem is reported with its
 * line. `requireModel` is for the model file itself; front matter only overrides.
 */
export function validateModelParams(
  value: unknown,
  doc: PositionedDocument,
  base: (string | number)[],
  requireModel: boolean,
): ModelParams {
  const schema = requireModel ? ModelFileSchema : ModelOverridesSchema;
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const errors: ConfigError[] = [];
  for (const issue of parsed.error.issues) {
    const path = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push(
          doc.error(
            [...path, key],
            `unknown model parameter '${key}'; expected one of: ${MODEL_PARAMETERS.join(', ')}`,
          ),
        );
      }
    } else if (issue.code === 'invalid_type' && path.length === base.length) {
      errors.push(doc.error(path, 'expected a mapping of model parameters'));
    } else if (
      issue.code === 'invalid_type' &&
      getPath(value, issue.path as (string | number)[]) === undefined
    ) {
      errors.push(doc.error(path, `'${String(issue.path.at(-1))}' is required`));
    } else {
      errors.push(doc.error(path, issue.message));
    }
  }
  if (errors.length === 1) throw errors[0]!;
  errors.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
  throw new ConfigErrors(errors);
}

/** Reads a model config file (YAML or JSON), or `text` as that file. Throws ConfigError with file and line. */
export function loadModelConfig(file: string, text = readFileSync(file, 'utf8')): ModelConfig {
  const doc = parseYamlFast(text, file);
  return validateModelParams(doc.value, doc, [], true) as ModelConfig;
}
