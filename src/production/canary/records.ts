import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ConfigError, ConfigErrors } from '../../config/errors.js';
import { forEachJsonLine } from '../../config/jsonl.js';
import type { ProductionRecord } from '../record.js';

export interface RecordSlices {
  canary: ProductionRecord[];
  control: ProductionRecord[];
  /** Every system version id seen, with its record count (to name a mistyped version). */
  versions: Map<string, number>;
}

/**
 * The records of the two versions, from JSONL files (gzip when the name ends in `.gz`),
 * each slice in time order. A line that is not a record (bad JSON, no valid `at`, no
 * `versions` object) is an error at file:line:col, and nothing is decided: a record that
 * cannot be read is never silently left out of a canary's count.
 */
export function readRecordSlices(files: readonly string[], canary: string, control: string): RecordSlices {
  const errors: ConfigError[] = [];
  const slices: RecordSlices = { canary: [], control: [], versions: new Map() };
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
            {
              ...at,
              column: 1,
              field: 'versions',
            },
          ),
        );
        return;
      }
      const system = typeof r.versions.system === 'string' ? r.versions.system : '(none)';
      slices.versions.set(system, (slices.versions.get(system) ?? 0) + 1);
      if (system === canary) slices.canary.push(r as ProductionRecord);
      else if (system === control) slices.control.push(r as ProductionRecord);
    });
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new ConfigErrors(errors);
  const byTime = (a: ProductionRecord, b: ProductionRecord) => Date.parse(a.at) - Date.parse(b.at);
  slices.canary.sort(byTime);
  slices.control.sort(byTime);
  return slices;
}
