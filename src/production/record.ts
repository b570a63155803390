import { z } from 'zod';
import { detectRefusal } from '../graders/refusal.js';
import { editDistance, guessLanguage } from './features.js';
import { hasherFromEnv, type KeyedHasher } from './hash.js';
import type { ProductionPolicy, RecordField } from './policy-schema.js';
import { createRedactor, type Redactor } from './redact/index.js';

/** Bumped on any change a reader of records could notice; see schema/record.schema.json. */
export const RECORD_SCHEMA_VERSION = 1;

/** Longest kept label (route, risk tag, tool name, safety event, error kind), in characters. */
const LABEL_LIMIT = 200;

const count = z.number().int().min(0);

/**
 * One interaction of the application, as it hands it to `toRecord`: everything it knows,
 * raw. Nothing here is written as is: ids are hashed, text redacted or dropped, the rest
 * reduced to the fields the policy keeps.
 */
export const InteractionSchema = z.strictObject({
  /** When it happened: ISO 8601, epoch milliseconds or a Date. Default: now. */
  at: z.union([z.iso.datetime({ offset: true }), z.number().int().min(0), z.date()]).optional(),
  userId: z.string().optional(),
  sessionId: z.string().optional(),
  requestId: z.string().optional(),
  /** The application's name for the feature or endpoint that answered ("billing-qa"). */
  route: z.string().optional(),
  /** Risk tags ("high", "pii", "payments"): they choose the sampling rate and are kept. */
  riskTags: z.array(z.string()).optional(),
  input: z.string(),
  output: z.string().optional(),
  toolCalls: z.array(z.strictObject({ name: z.string(), blocked: z.boolean().optional() })).optional(),
  /** What the application's guards did: "moderation-flagged", "tool-blocked", "pii-detected"… */
  safetyEvents: z.array(z.string()).optional(),
  /** The failure, if any: its kind is kept ("timeout", "rate_limit"), never its message. */
  error: z
    .union([z.string(), z.strictObject({ kind: z.string(), message: z.string().optional() })])
    .optional(),
  latencyMs: z.number().min(0).optional(),
  tokens: z.strictObject({ input: count.optional(), output: count.optional() }).optional(),
  costUsd: z.number().min(0).optional(),
  /** Thumbs up or down, or a score in [-1, 1]. */
  feedback: z.union([z.enum(['up', 'down']), z.number().min(-1).max(1)]).optional(),
  /** The answer the user finally accepted (an edited draft): kept only as an edit distance. */
  acceptedAnswer: z.string().optional(),
});
export type Interaction = z.input<typeof InteractionSchema>;

/**
 * The version ids the application stamps on every record: what `evalgate versions --json`
 * prints for its target (`targets.<name>`). `system` is the target's system version id;
 * `prompt`, `model` and `retrieval` the versions of its components of that kind.
 */
export const RecordVersionsSchema = z.strictObject({
  system: z.string().optional(),
  prompt: z.string().optional(),
  model: z.string().optional(),
  retrieval: z.string().optional(),
  components: z.record(z.string(), z.string()).optional(),
});
export type RecordVersions = z.output<typeof RecordVersionsSchema>;

export interface TextFeatures {
  chars?: number;
  language?: string;
  /** Keyed hash of the raw text: equal texts join, nobody without the key can read them. */
  hash?: string;
  /** The text with every detected value replaced; only with `retainText: true`. */
  text?: string;
  /** Values replaced in `text`, by kind; only with `text`. */
  redactions?: Record<string, number>;
}

/** A production record: documented field by field in schema/record.schema.json. */
export interface ProductionRecord {
  schemaVersion: typeof RECORD_SCHEMA_VERSION;
  at: string;
  /** The probability this interaction had of being recorded: weigh it by 1 / sampleRate. */
  sampleRate: number;
  versions: RecordVersions;
  userId?: string;
  sessionId?: string;
  requestId?: string;
  route?: string;
  riskTags?: string[];
  input?: TextFeatures;
  output?: TextFeatures;
  toolCalls?: { count: number; names: string[]; blocked: number };
  refusal?: boolean;
  safetyEvents?: string[];
  error?: { kind: string };
  latencyMs?: number;
  tokens?: { input?: number; output?: number };
  costUsd?: number;
  feedback?: { rating?: 'up' | 'down'; score?: number };
  editDistance?: { chars: number; ratio: number; truncated?: true };
  /** Online graders' verdicts by name (true: passed); derived by `evalgate grade`, never recorded. */
  online?: Record<string, boolean>;
}

/** A value of the interaction or the record that breaks the policy; nothing is written. */
export class PolicyViolation extends Error {
  override readonly name = 'PolicyViolation';
}

/**
 * The chance an interaction is recorded: its risk tags' highest rate if any has one, else
 * its route's, else the default.
 */
export function samplingRate(
  policy: ProductionPolicy,
  route?: string,
  riskTags: readonly string[] = [],
): number {
  const { rate, byRoute, byRisk } = policy.sampling;
  const risky = riskTags.filter((t) => Object.hasOwn(byRisk, t)).map((t) => byRisk[t]!);
  if (risky.length) return Math.max(...risky);
  if (route !== undefined && Object.hasOwn(byRoute, route)) return byRoute[route]!;
  return rate;
}

export interface RecordOptions {
  /** Where the hash key is read from (the variable `policy.hashKeyEnv` names). Default: process.env. */
  env?: Record<string, string | undefined>;
  /** A hasher already made (saves reading the key per call). */
  hasher?: KeyedHasher;
  /** A redactor already made for the policy (saves compiling its patterns per call). */
  redactor?: Redactor;
  /** For sampling interactions without a request id; default Math.random. */
  random?: () => number;
  /** The time of an interaction without `at`; default now. */
  now?: () => Date;
}

/**
 * One interaction → a policy-conforming record, or null when sampling leaves it out.
 *
 * Sampling is decided by the keyed hash of the request id when there is one (the same
 * request is always in or always out, in every service that records it), else at random.
 * Ids become keyed hashes; the text becomes features (length, language, keyed hash), and is
 * kept, redacted, only when the policy says `retainText: true`; labels are redacted too.
 * Fields the policy does not keep are never set. Last, the record is checked again: a
 * detector finding anything in it is a PolicyViolation, never a written record.
 */
export function toRecord(
  interaction: Interaction,
  policy: ProductionPolicy,
  versions: RecordVersions,
  options: RecordOptions = {},
): ProductionRecord | null {
  const parsed = InteractionSchema.safeParse(interaction);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PolicyViolation(`invalid interaction: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const it = parsed.data;
  const stamp = RecordVersionsSchema.safeParse(versions);
  if (!stamp.success)
    throw new PolicyViolation(
      'invalid versions: expected the shape `evalgate versions --json` prints per target',
    );
  const hasher = options.hasher ?? hasherFromEnv(policy, options.env ?? process.env);
  const redactor = options.redactor ?? createRedactor(policy.redaction);

  const rate = samplingRate(policy, it.route, it.riskTags);
  const draw =
    it.requestId !== undefined ? hasher.uniform('sample', it.requestId) : (options.random ?? Math.random)();
  if (!(draw < rate)) return null;

  const keep = new Set<RecordField>(policy.fields);
  const label = (s: string) => redactor.redact(s.slice(0, LABEL_LIMIT)).text;
  const text = (s: string, domain: 'text'): TextFeatures | undefined => {
    const f: TextFeatures = {};
    if (keep.has('length')) f.chars = Array.from(s).length;
    if (keep.has('language')) f.language = guessLanguage(s);
    if (keep.has('textHash')) f.hash = hasher.hash(domain, s);
    if (policy.retainText) {
      // Again until nothing is found: a replacement can join its neighbours into a new match.
      let r = redactor.redact(s);
      for (let pass = 0; pass < 3 && redactor.find(withoutPlaceholders(r.text)).length; pass++) {
        const again = redactor.redact(r.text);
        for (const [k, n] of Object.entries(again.counts)) r.counts[k] = (r.counts[k] ?? 0) + n;
        r = { text: again.text, counts: r.counts };
      }
      f.text = r.text;
      f.redactions = r.counts;
    }
    return Object.keys(f).length ? f : undefined;
  };

  const at = it.at === undefined ? (options.now?.() ?? new Date()) : new Date(it.at);
  if (Number.isNaN(at.getTime())) throw new PolicyViolation('invalid interaction: at: not a date');
  const record: ProductionRecord = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    at: at.toISOString(),
    sampleRate: rate,
    versions: stamp.data,
  };
  if (keep.has('userId') && it.userId !== undefined) record.userId = hasher.hash('user', it.userId);
  if (keep.has('sessionId') && it.sessionId !== undefined)
    record.sessionId = hasher.hash('session', it.sessionId);
  if (keep.has('requestId') && it.requestId !== undefined)
    record.requestId = hasher.hash('request', it.requestId);
  if (keep.has('route') && it.route !== undefined) record.route = label(it.route);
  if (keep.has('riskTags') && it.riskTags?.length) record.riskTags = it.riskTags.map(label);
  const input = text(it.input, 'text');
  if (input) record.input = input;
  const output = it.output === undefined ? undefined : text(it.output, 'text');
  if (output) record.output = output;
  if (keep.has('toolCalls') && it.toolCalls)
    record.toolCalls = {
      count: it.toolCalls.length,
      names: it.toolCalls.map((t) => label(t.name)),
      blocked: it.toolCalls.filter((t) => t.blocked).length,
    };
  if (keep.has('refusal') && it.output !== undefined) record.refusal = detectRefusal(it.output);
  if (keep.has('safetyEvents')) {
    const events = [...(it.safetyEvents ?? [])].map(label);
    if (it.toolCalls?.some((t) => t.blocked) && !events.includes('tool-blocked')) events.push('tool-blocked');
    if (events.length) record.safetyEvents = events;
  }
  if (keep.has('error') && it.error !== undefined)
    record.error = { kind: label(typeof it.error === 'string' ? it.error : it.error.kind) };
  if (keep.has('latencyMs') && it.latencyMs !== undefined) record.latencyMs = it.latencyMs;
  if (keep.has('tokens') && it.tokens) record.tokens = it.tokens;
  if (keep.has('cost') && it.costUsd !== undefined) record.costUsd = it.costUsd;
  if (keep.has('feedback') && it.feedback !== undefined)
    record.feedback = typeof it.feedback === 'number' ? { score: it.feedback } : { rating: it.feedback };
  if (keep.has('editDistance') && it.acceptedAnswer !== undefined && it.output !== undefined)
    record.editDistance = editDistance(it.output, it.acceptedAnswer);

  assertConforms(record, policy, redactor);
  return record;
}

/** Fields holding values evalgate made itself (keyed hashes, version ids, the time): not scanned. */
const OWN_VALUES = new Set(['at', 'versions', 'userId', 'sessionId', 'requestId', 'hash']);

/**
 * The record against the policy, once more, before anything is written: only kept fields,
 * no text unless retained, and no detector finding anything in any string it carries.
 */
export function assertConforms(record: ProductionRecord, policy: ProductionPolicy, redactor: Redactor): void {
  const keep = new Set<string>(policy.fields);
  const guarded: [keyof ProductionRecord, RecordField][] = [
    ['userId', 'userId'],
    ['sessionId', 'sessionId'],
    ['requestId', 'requestId'],
    ['route', 'route'],
    ['riskTags', 'riskTags'],
    ['toolCalls', 'toolCalls'],
    ['refusal', 'refusal'],
    ['safetyEvents', 'safetyEvents'],
    ['error', 'error'],
    ['latencyMs', 'latencyMs'],
    ['tokens', 'tokens'],
    ['costUsd', 'cost'],
    ['feedback', 'feedback'],
    ['editDistance', 'editDistance'],
  ];
  for (const [field, policyField] of guarded)
    if (record[field] !== undefined && !keep.has(policyField))
      throw new PolicyViolation(`the record carries '${field}', which the policy does not keep`);
  for (const side of ['input', 'output'] as const) {
    const f = record[side];
    if (f?.text !== undefined && !policy.retainText)
      throw new PolicyViolation(`the record carries ${side} text, which the policy does not retain`);
  }
  const scan = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      const found = redactor.find(withoutPlaceholders(value))[0];
      if (found)
        throw new PolicyViolation(
          `the record would carry a value the '${found.kind}' detector finds, at ${path}`,
        );
    } else if (Array.isArray(value)) value.forEach((v, i) => scan(v, `${path}[${i}]`));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) if (!OWN_VALUES.has(k)) scan(v, path ? `${path}.${k}` : k);
  };
  scan(record, '');
}

/** The text with each `[REDACTED:kind]` blanked, so a custom pattern cannot match the placeholder itself. */
function withoutPlaceholders(text: string): string {
  return text.replace(/\[REDACTED:[A-Za-z0-9_-]+\]/g, (m) => ' '.repeat(m.length));
}
