import { z } from 'zod';
import { convertInspectSample, InspectFieldsSchema } from './inspect.js';
import { convertOpenAIEvalsSample, OPENAI_EVALS_MATCH_CLASSES } from './openai-evals.js';

/**
 * A suite's `dataset:` entry: a path to evalgate's own JSONL cases, or an existing eval set
 * in another tool's format, converted line by line as it is read so it runs unchanged.
 */
const DatasetObjectSchema = z.discriminatedUnion('format', [
  z.strictObject({
    format: z.literal('openai-evals'),
    file: z.string().min(1),
    /** The openai/evals class the samples were written for. */
    match: z.enum(['Match', 'Includes', 'FuzzyMatch']).default('Match'),
  }),
  z.strictObject({
    format: z.literal('inspect'),
    file: z.string().min(1),
    /** Record field names, as Inspect's FieldSpec: `{ input: question, target: answer }`. */
    fields: InspectFieldsSchema.optional(),
  }),
  z.strictObject({ format: z.literal('evalgate'), file: z.string().min(1) }),
]);
const FORMATS = ['evalgate', 'openai-evals', 'inspect'];

type DatasetObject = z.output<typeof DatasetObjectSchema>;

/**
 * `dataset:` is a path, a `{ format, file }` object, or a list of either. Validated by hand
 * rather than as a zod union, whose failure says only "Invalid input": here a wrong format
 * or field is named.
 */
export const DatasetFieldSchema = z.unknown().transform((value, ctx): DatasetRef | DatasetRef[] => {
  const one = (item: unknown, path: (string | number)[]): DatasetRef => {
    if (typeof item === 'string') return item;
    const format = (item as { format?: unknown } | null)?.format;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      ctx.issues.push({
        code: 'custom',
        message: 'expected a file path or { format, file }',
        path,
        input: item,
      });
    } else if (typeof format !== 'string' || !FORMATS.includes(format)) {
      ctx.issues.push({
        code: 'custom',
        message: `${format === undefined ? 'missing' : `unknown`} dataset format${format === undefined ? '' : ` '${String(format)}'`}; expected one of: ${FORMATS.join(', ')}`,
        path: [...path, 'format'],
        input: item,
      });
    } else {
      const parsed = DatasetObjectSchema.safeParse(item);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues)
        ctx.issues.push({
          code: 'custom',
          message: issue.message,
          path: [...path, ...(issue.path as (string | number)[])],
          input: item,
        });
    }
    return '';
  };
  return Array.isArray(value) ? value.map((item, i) => one(item, [i])) : one(value, []);
});
export type DatasetRef = string | DatasetObject;

export interface DatasetSource {
  file: string;
  /** Turns one parsed JSONL line into a raw case for CaseSchema; throws Error on a bad sample. */
  convert: (raw: unknown) => unknown;
}

export function datasetSource(ref: DatasetRef): DatasetSource {
  if (typeof ref === 'string') return { file: ref, convert: (raw) => raw };
  switch (ref.format) {
    case 'openai-evals': {
      const mode = OPENAI_EVALS_MATCH_CLASSES[ref.match]!;
      return { file: ref.file, convert: (raw) => convertOpenAIEvalsSample(raw, mode) };
    }
    case 'inspect': {
      const fields = InspectFieldsSchema.parse(ref.fields ?? {});
      return { file: ref.file, convert: (raw) => convertInspectSample(raw, fields) };
    }
    case 'evalgate':
      return { file: ref.file, convert: (raw) => raw };
  }
}

export {
  compileOpenAIEvalsMatch,
  OpenAIEvalsMatchSpecSchema,
  evalsMatch,
  normalizeAnswer,
} from './openai-evals.js';
