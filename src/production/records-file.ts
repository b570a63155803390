import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ConfigError, ConfigErrors, formatField } from '../config/errors.js';
import { jsonSyntaxError, locateInJsonLine } from '../config/jsonl.js';
import { RECORD_SCHEMA_VERSION, type ProductionRecord } from './record.js';

/**
 * The one check of a line of a records file, shared by every command that reads records:
 * drift (both engines), convert, prune, canary, shadow, grade and incident. A line is a
 * record when it is JSON, and an object of schema/record.schema.json: the four required
 * fields (`schemaVersion` 1, `at` an RFC 3339 date-time, `sampleRate` in [0, 1], `versions`)
 * and every other field, when present, of its type and range. A line that is not is an
 * error at file:line:col naming the field and what was expected; the readers collect them
 * (RecordErrors) and read nothing: a record is never silently left out of a count, nor read
 * half (a `latencyMs` of "12" is not a latency of 12, nor a missing one).
 *
 * Checked by hand rather than with a zod schema: drift reads a million records. On 100,000
 * records like `npm run bench drift`'s, JSON.parse takes 1.5 µs a record, these checks
 * 0.65 µs, a zod schema of the same fields 2.4 µs. A field the schema does not define is
 * tolerated (a reader reads the fields it knows) unless `knownFieldsOnly` says otherwise
 * (convert: its Parquet columns would drop it). `online` (online graders' verdicts) must be
 * an object; its values are read by drift/quality.ts, which documents what a verdict is.
 */

/** A field path inside the record, and what was wrong there. */
export interface RecordProblem {
  path: (string | number)[];
  message: string;
}

export interface RecordCheckOptions {
  /** Refuse a field, at any depth, that schema/record.schema.json does not define. */
  knownFieldsOnly?: boolean;
}

interface Check {
  /** What a valid value is, for messages ("a number ≥ 0"). */
  expected: string;
  /** Why `v` is not valid (path relative to it), or undefined. */
  problem(v: unknown, knownOnly: boolean): RecordProblem | undefined;
}

/** What a value is, for messages: its type, or a number or boolean itself (never a string's text). */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return 'a string';
  return 'an object';
}

const leaf = (expected: string, valid: (v: unknown) => boolean): Check => ({
  expected,
  problem: (v) => (valid(v) ? undefined : { path: [], message: `expected ${expected}, got ${kindOf(v)}` }),
});

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const STRING = leaf('a string', (v) => typeof v === 'string');
const BOOLEAN = leaf('a boolean', (v) => typeof v === 'boolean');
const number = (expected: string, min: number, max = Infinity, integer = false): Check =>
  leaf(
    expected,
    (v) =>
      typeof v === 'number' &&
      v >= min &&
      v <= max &&
      Number.isFinite(v) &&
      (!integer || Number.isInteger(v)),
  );
const COUNT = number('an integer ≥ 0', 0, Infinity, true);
/**
 * `hmac-sha256:` and 64 more characters: a raw id is refused. The digits themselves are not
 * checked (a regular expression over them would cost as much as the rest of the record's
 * checks); nothing reads them as numbers.
 */
const isKeyedHash = (v: unknown): boolean =>
  typeof v === 'string' && v.length === 76 && v.startsWith('hmac-sha256:');
const KEYED_HASH = leaf('a keyed hash (hmac-sha256: and 64 hex digits)', isKeyedHash);
// RFC 3339, as toRecord writes it (toISOString), each part in its range: a time without an
// offset would be read in whatever time zone the reader runs in. (Date.parse would add
// nothing but its cost: it takes February 30th too.)
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function arrayOf(item: Check): Check {
  const expected = `an array of ${item.expected.replace(/^an? /, '')}s`;
  return {
    expected,
    problem(v, knownOnly) {
      if (!Array.isArray(v)) return { path: [], message: `expected ${expected}, got ${kindOf(v)}` };
      for (let i = 0; i < v.length; i++) {
        const p = item.problem(v[i], knownOnly);
        if (p) return (p.path.unshift(i), p);
      }
      return undefined;
    },
  };
}

/** An object whose every value passes `value` (any keys). */
function mapOf(value: Check, expected: string): Check {
  return {
    expected,
    problem(v, knownOnly) {
      if (!isObject(v)) return { path: [], message: `expected ${expected}, got ${kindOf(v)}` };
      for (const key in v) {
        const p = value.problem(v[key], knownOnly);
        if (p) return (p.path.unshift(key), p);
      }
      return undefined;
    },
  };
}

/**
 * An object with these fields, `required` among them. Its own keys are walked (a record
 * carries a dozen of the schema's 21 fields), so the first problem reported is the leftmost.
 */
function object(
  fields: Record<string, Check>,
  required: readonly string[] = [],
  expected = 'an object',
): Check {
  const table = Object.assign(Object.create(null) as Record<string, Check | undefined>, fields);
  return {
    expected,
    problem(v, knownOnly) {
      if (!isObject(v)) return { path: [], message: `expected ${expected}, got ${kindOf(v)}` };
      for (const key in v) {
        const check = table[key];
        if (!check) {
          if (knownOnly)
            return {
              path: [key],
              message: 'no such field in a production record (schema/record.schema.json)',
            };
          continue;
        }
        const p = check.problem(v[key], knownOnly);
        if (p) return (p.path.unshift(key), p);
      }
      for (const name of required)
        if (v[name] === undefined)
          return { path: [name], message: `missing: expected ${table[name]!.expected}` };
      return undefined;
    },
  };
}

const TEXT_FEATURES = object({
  chars: COUNT,
  language: STRING,
  hash: KEYED_HASH,
  text: STRING,
  redactions: mapOf(number('an integer ≥ 1', 1, Infinity, true), 'an object of counts by kind'),
});

/** schema/record.schema.json, field by field, in its order (the first problem is reported). */
const RECORD = object(
  {
    schemaVersion: leaf(
      `${RECORD_SCHEMA_VERSION} (the record schema version this evalgate reads: schema/record.schema.json)`,
      (v) => v === RECORD_SCHEMA_VERSION,
    ),
    at: leaf(
      'an RFC 3339 date-time with its offset (2026-12-07T09:30:00Z)',
      (v) => typeof v === 'string' && DATE_TIME.test(v),
    ),
    sampleRate: number('a number from 0 to 1', 0, 1),
    versions: object(
      {
        system: STRING,
        prompt: STRING,
        model: STRING,
        retrieval: STRING,
        components: mapOf(STRING, 'an object of version ids by component'),
      },
      [],
      'an object of version ids (stamp records with what `evalgate versions --json` prints)',
    ),
    userId: KEYED_HASH,
    sessionId: KEYED_HASH,
    requestId: KEYED_HASH,
    route: STRING,
    riskTags: arrayOf(STRING),
    input: TEXT_FEATURES,
    output: TEXT_FEATURES,
    toolCalls: object({ count: COUNT, names: arrayOf(STRING), blocked: COUNT }, [
      'count',
      'names',
      'blocked',
    ]),
    refusal: BOOLEAN,
    safetyEvents: arrayOf(STRING),
    error: object({ kind: STRING }, ['kind']),
    latencyMs: number('a number ≥ 0', 0),
    tokens: object({ input: COUNT, output: COUNT }),
    costUsd: number('a number ≥ 0', 0),
    feedback: object({
      rating: leaf("'up' or 'down'", (v) => v === 'up' || v === 'down'),
      score: number('a number from -1 to 1', -1, 1),
    }),
    editDistance: object(
      {
        chars: COUNT,
        ratio: number('a number from 0 to 1', 0, 1),
        truncated: leaf('true', (v) => v === true),
      },
      ['chars', 'ratio'],
    ),
    // Verdicts by grader name; what a verdict is, drift/quality.ts reads (and documents).
    online: mapOf(
      leaf('a verdict', () => true),
      "an object of online graders' verdicts by name",
    ),
  },
  ['schemaVersion', 'at', 'sampleRate', 'versions'],
  'a production record (a JSON object)',
);

/** Why `value` (one parsed line) is not a production record, or undefined when it is one. */
export function recordProblem(value: unknown, options: RecordCheckOptions = {}): RecordProblem | undefined {
  return RECORD.problem(value, options.knownFieldsOnly ?? false);
}

/**
 * One line of a records file (not blank) as a record, or the ConfigError saying where and
 * why it is not: invalid JSON at the column where it stops being JSON, a field at the column
 * of its value (a missing one at its object's). Returned, not thrown, so a reader collects
 * every bad line in one pass.
 */
export function parseRecordLine(
  text: string,
  file: string,
  line: number,
  options: RecordCheckOptions = {},
): ProductionRecord | ConfigError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const syntax = jsonSyntaxError(text);
    return new ConfigError(`invalid JSON${syntax ? `: expected ${syntax.expected}` : ''}`, {
      file,
      line,
      column: syntax?.column ?? 1,
    });
  }
  const problem = recordProblem(value, options);
  if (!problem) return value as ProductionRecord;
  // A missing field is located at its parent (the nearest part of the path the line has).
  const column = problem.path.length ? locateInJsonLine(text, problem.path) : 1;
  return new ConfigError(`not a production record: ${problem.message}`, {
    file,
    line,
    column,
    ...(problem.path.length && { field: formatField(problem.path.map(fieldLabel)) }),
  });
}

/**
 * A key of the record as it is shown: quoted (JSON escapes, at most 100 characters) unless
 * it is a plain name, since the key is the file's text (an unknown field, a component's name)
 * and a newline in it would forge a line of the error list.
 */
const fieldLabel = (key: string | number): string | number =>
  typeof key === 'number' || /^[\w.:-]{1,100}$/.test(key) ? key : JSON.stringify(key.slice(0, 100));

/** How many bad lines a read keeps to show; the rest are counted ("… and N more"). */
export const RECORD_ERRORS_KEPT = 20;

/**
 * The bad lines (and unreadable files) of one read of records, however many files and
 * windows it spans: the first RECORD_ERRORS_KEPT kept, all counted. A file read twice (in
 * both of drift's windows) is reported once.
 */
export class RecordErrors {
  readonly kept: ConfigError[] = [];
  total = 0;
  private readonly checked = new Set<string>();

  constructor(private readonly limit = RECORD_ERRORS_KEPT) {}

  /** Whether `file`'s problems are still to be reported: true the first time it is read. */
  firstRead(file: string): boolean {
    if (this.checked.has(file)) return false;
    this.checked.add(file);
    return true;
  }

  add(error: ConfigError): void {
    this.total++;
    if (this.kept.length < this.limit) this.kept.push(error);
  }

  /** One ConfigError, or ConfigErrors with the total, when anything was bad. */
  throwIfAny(): void {
    if (this.total === 1) throw this.kept[0]!;
    if (this.total > 1) throw new ConfigErrors(this.kept, this.total);
  }
}

/**
 * Every record of the JSONL files (gzip when the name ends in `.gz`), in file order, each with
 * where it was read, or nothing: every line that is not a record (parseRecordLine) is
 * collected, and all are thrown together once every file is read.
 */
export function readRecords(
  files: readonly string[],
): { record: ProductionRecord; file: string; line: number }[] {
  const errors = new RecordErrors();
  const out: { record: ProductionRecord; file: string; line: number }[] = [];
  for (const file of files) {
    const report = errors.firstRead(file);
    const raw = readFileSync(file);
    const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    text.split('\n').forEach((part, i) => {
      if (!part.trim()) return;
      const record = parseRecordLine(part, file, i + 1);
      if (record instanceof ConfigError) {
        if (report) errors.add(record);
      } else out.push({ record, file, line: i + 1 });
    });
  }
  errors.throwIfAny();
  return out;
}
