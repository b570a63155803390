import { readFileSync } from 'node:fs';
import { ConfigError, ConfigErrors, formatField } from '../config/errors.js';
import { forEachJsonLine, locateInJsonLine } from '../config/jsonl.js';
import type { KeyedHasher } from './hash.js';
import type { ProductionPolicy } from './policy-schema.js';
import {
  InteractionSchema,
  PolicyViolation,
  toRecord,
  type ProductionRecord,
  type RecordVersions,
} from './record.js';
import type { Redactor } from './redact/index.js';

/**
 * A JSONL file of raw interactions (one `Interaction` per line) → the records the policy
 * allows, all of them or none: every line is parsed, validated and turned into a record
 * before the caller writes anything, and each bad line is an error with file:line:col.
 * Error messages name fields, never quote values: the lines hold the very text the policy
 * protects.
 */
export function recordsFromInteractions(
  file: string,
  policy: ProductionPolicy,
  versions: RecordVersions,
  context: { hasher: KeyedHasher; redactor: Redactor; random?: () => number },
): { records: ProductionRecord[]; interactions: number } {
  const text = readFileSync(file, 'utf8');
  const errors: ConfigError[] = [];
  const records: ProductionRecord[] = [];
  let interactions = 0;
  interactions += text.split('\n').filter((line) => line.trim()).length;
  forEachJsonLine(text, file, errors, (raw, at, line) => {
    const parsed = InteractionSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path as (string | number)[];
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
            : issue.message.replace(/^Invalid input: /, '');
        errors.push(
          new ConfigError(message, {
            ...at,
            column: locateInJsonLine(line, path),
            field: formatField(path) || undefined,
          }),
        );
      }
      return;
    }
    try {
      const record = toRecord(parsed.data, policy, versions, context);
      if (record) records.push(record);
    } catch (e) {
      if (e instanceof PolicyViolation) errors.push(new ConfigError(e.message, { ...at, column: 1 }));
      else throw e;
    }
  });
  if (errors.length) throw errors.length === 1 ? errors[0]! : new ConfigErrors(errors);
  return { records, interactions };
}
