import { z } from 'zod';
import { formatField } from '../config/errors.js';
import { RESULTS_SCHEMA_VERSION, type ResultsDocument } from '../results/types.js';

/**
 * Reading a Results document someone hands to compare: a baseline from a store or an
 * artifact, possibly old, truncated by a failed upload, or not a Results document at all.
 * Every problem becomes one line naming the file and what is wrong, so the gate can refuse
 * it (exit 2) instead of passing on it.
 *
 * The schema checks what compare reads, loosely elsewhere: unknown fields are allowed, so a
 * Results document that gained an optional field still compares.
 */
export class ResultsInputError extends Error {
  override readonly name = 'ResultsInputError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

const count = z.number().int().min(0);
const status = z.enum(['pass', 'fail', 'error']);
const usage = z.looseObject({
  prompt: z.number(),
  completion: z.number(),
  total: z.number(),
  cached: z.number().optional(),
});

const SampleSchema = z.looseObject({
  index: count,
  status,
  graders: z.array(
    z.looseObject({
      grader: z.string(),
      pass: z.boolean(),
      score: z.number().min(0).max(1),
      reason: z.string(),
      error: z.boolean().optional(),
    }),
  ),
  output: z.looseObject({ output: z.string(), usage: usage.optional() }).optional(),
  latencyMs: z.number().min(0).optional(),
  tokens: usage.optional(),
  cost: z.number().min(0).optional(),
  error: z.looseObject({ kind: z.string(), message: z.string() }).optional(),
  refusal: z.boolean().optional(),
});

const CaseSchema = z.looseObject({
  id: z.string().min(1),
  blocker: z.boolean(),
  status,
  samples: z.array(SampleSchema),
});

const SuiteSchema = z.looseObject({
  id: z.string().min(1),
  tier: z.enum(['trusted', 'monitoring']),
  kind: z.enum(['regression', 'safety']),
  target: z.string(),
  contentHash: z.string(),
  repeat: z.number().int().min(1),
  metrics: z.looseObject({}),
  cases: z.array(CaseSchema),
});

const ResultsSchema = z.looseObject({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  run: z.looseObject({
    id: z.string(),
    finishedAt: z.string(),
    evalgateVersion: z.string(),
    configHash: z.string(),
    components: z.record(z.string(), z.looseObject({ kind: z.string(), version: z.string() })),
    targets: z.record(
      z.string(),
      z.looseObject({ kind: z.string(), model: z.string().optional(), systemVersion: z.string().optional() }),
    ),
  }),
  summary: z.looseObject({ partial: z.boolean() }),
  suites: z.array(SuiteSchema),
});

/** Parses and checks the text of a Results document; throws ResultsInputError naming `file`. */
export function parseResultsDocument(text: string, file: string): ResultsDocument {
  if (text.trim() === '') throw new ResultsInputError(file, 'the file is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ResultsInputError(
      file,
      `not valid JSON (${(e as Error).message}): the file is truncated or corrupt`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ResultsInputError(file, 'not an evalgate Results document (expected a JSON object)');
  }
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined)
    throw new ResultsInputError(file, 'not an evalgate Results document (no schemaVersion field)');
  if (version !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsInputError(
      file,
      `Results schema version ${JSON.stringify(version)} is not supported; this evalgate reads version ${RESULTS_SCHEMA_VERSION}. Re-run or re-record it with this version`,
    );
  }
  const parsed = ResultsSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const first = issues[0]!;
    const field = formatField(first.path as (string | number)[]);
    const more =
      issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    throw new ResultsInputError(
      file,
      `invalid Results document: ${field ? `${field}: ` : ''}${first.message}${more}`,
    );
  }
  const doc = value as ResultsDocument;
  const suiteIds = new Set<string>();
  doc.suites.forEach((suite, i) => {
    if (suiteIds.has(suite.id))
      throw new ResultsInputError(
        file,
        `invalid Results document: suites[${i}].id: duplicate suite id '${suite.id}'`,
      );
    suiteIds.add(suite.id);
    const caseIds = new Set<string>();
    suite.cases.forEach((c, j) => {
      if (caseIds.has(c.id))
        throw new ResultsInputError(
          file,
          `invalid Results document: suites[${i}].cases[${j}].id: duplicate case id '${c.id}' in suite '${suite.id}'`,
        );
      caseIds.add(c.id);
    });
  });
  return doc;
}
