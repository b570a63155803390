import { z } from 'zod';
import { DriftConfigSchema } from './drift/config.js';

/**
 * `production:` in evalgate.yml: the privacy policy every production command enforces.
 * Without it, no production command reads or writes anything ("never sample production
 * without a privacy policy").
 *
 * Only zod here: the config schema imports this file, so the PR gate and the bundled Action
 * carry the schema but none of the production code (detectors, hashing, records).
 */

/** The built-in redaction detectors, each on by default. */
export const DETECTOR_KINDS = ['email', 'phone', 'card', 'iban', 'apiKey', 'ip'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

/**
 * Fields of a production record a policy may keep. Each is a derived feature or a keyed
 * hash, never raw text; `text` (the redacted input and output) is governed by `retainText`.
 */
export const RECORD_FIELDS = [
  'userId',
  'sessionId',
  'requestId',
  'route',
  'riskTags',
  'language',
  'length',
  'textHash',
  'toolCalls',
  'refusal',
  'safetyEvents',
  'error',
  'latencyMs',
  'tokens',
  'cost',
  'feedback',
  'editDistance',
] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

const rate = z.number().min(0).max(1);
const label = z.string().min(1).max(200);

export const CustomPatternSchema = z
  .strictObject({
    /** Shown in the placeholder: `[REDACTED:NAME]`. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'letters, digits, _ and - (starting with a letter or digit)'),
    /** A JavaScript regular expression; every match is redacted. */
    pattern: z.string().min(1),
    /** Regular-expression flags besides `g`, which is always on: `i`, `m`, `s`, `u`. */
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'only the flags i, m, s and u')
      .default(''),
  })
  .superRefine((p, ctx) => {
    let re: RegExp;
    try {
      re = new RegExp(p.pattern, p.flags);
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message: `invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
      });
      return;
    }
    // A pattern that matches nothing-at-all would match everywhere and redact no character.
    if (re.test(''))
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'the pattern matches the empty string' });
  });
export type CustomPattern = z.output<typeof CustomPatternSchema>;

export const ProductionPolicySchema = z.strictObject({
  /**
   * Which interactions become records: `rate` for all, overridden by the route's rate, and
   * that by the highest rate of the interaction's risk tags (a high-risk tag can ask for
   * every interaction while a busy route keeps 1 %).
   */
  sampling: z
    .strictObject({
      rate,
      byRoute: z.record(label, rate).default({}),
      byRisk: z.record(label, rate).default({}),
    })
    .prefault({ rate: 1 }),
  /** Record fields that may be kept; every other one is dropped. Default: all of them. */
  fields: z.array(z.enum(RECORD_FIELDS)).default([...RECORD_FIELDS]),
  redaction: z
    .strictObject({
      detectors: z
        .strictObject(
          Object.fromEntries(DETECTOR_KINDS.map((k) => [k, z.boolean().default(true)])) as Record<
            DetectorKind,
            z.ZodDefault<z.ZodBoolean>
          >,
        )
        .prefault({}),
      custom: z.array(CustomPatternSchema).default([]),
    })
    .prefault({}),
  /** Environment variable holding the HMAC-SHA-256 key for ids and text hashes. */
  hashKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .default('EVALGATE_HASH_KEY'),
  /** Keep the input and output text, redacted. Off: only keyed hashes and derived features. */
  retainText: z.boolean().default(false),
  /** Records older than this are deleted by `evalgate prune`. */
  retentionDays: z.number().int().min(1).max(3650).default(30),
  /** Thresholds of `evalgate drift`; see src/production/drift/config.ts (defaults when absent). */
  drift: DriftConfigSchema.optional(),
  /**
   * Graders `evalgate grade` runs on production records and `evalgate shadow` on both arms:
   * suite grader specs, judge-free only, each with optional `routes` and `gate`. Only their
   * shape here (the graders would weigh down the recorder's bundle); src/production/online/
   * config.ts validates them in full, at file:line:col.
   */
  online: z.array(z.looseObject({ type: z.string() })).optional(),
});
export type ProductionPolicy = z.output<typeof ProductionPolicySchema>;
