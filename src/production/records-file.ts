import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import { forEachJsonLine } from '../config/jsonl.js';
import type { ProductionRecord } from './record.js';

/**
 * Every record of the JSONL files (gzip when the name ends in `.gz`), in file order, each with
 * where it was read. A line that is not a record (bad JSON, no valid `at`, no `versions`
 * object) is an error at file:line:col, and nothing is returned: a record that cannot be read
 * is never silently left out of a count.
 */
export function readRecords(
  files: readonly string[],
): { record: ProductionRecord; file: string; line: number }[] {
  const errors: ConfigError[] = [];
  const out: { record: ProductionRecord; file: string; line: number }[] = [];
  for (const file of files) {
    const raw = readFileSync(file);
    const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    forEachJsonLine(text, file, errors, (record, at) => {
      const r = record as Partial<ProductionRecord> | null;
      if (!r || typeof r !== 'object' || Array.isArray(r)) {
        errors.push(new ConfigError('not a production record: expected a JSON object', { ...at, column: 1 }));
        return;
      }
      if (typeof r.at !== 'string' || Number.isNaN(Date.parse(r.at))) {
        errors.push(
          new ConfigError('not a production record: `at` (an ISO 8601 time) is missing or invalid', {
            ...at,
            column: 1,
            field: 'at',
          }),
        );
        return;
      }
      if (!r.versions || typeof r.versions !== 'object') {
        errors.push(
          new ConfigError(
            'not a production record: no `versions` object (stamp records with `evalgate versions`)',
            { ...at, column: 1, field: 'versions' },
          ),
        );
        return;
      }
      out.push({ record: r as ProductionRecord, file, line: at.line });
    });
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new ConfigErrors(errors);
  return out;
}
