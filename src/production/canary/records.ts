import type { ProductionRecord } from '../record.js';
import { readRecords } from '../records-file.js';
import { timeOf } from './decide.js';

export interface RecordSlices {
  canary: ProductionRecord[];
  control: ProductionRecord[];
  /** Every system version id seen, with its record count (to name a mistyped version). */
  versions: Map<string, number>;
}

/**
 * The records of the two versions, from JSONL files (gzip when the name ends in `.gz`),
 * each slice in time order. A line that is not a record is an error at file:line:col (see
 * readRecords), and nothing is decided.
 */
export function readRecordSlices(files: readonly string[], canary: string, control: string): RecordSlices {
  const slices: RecordSlices = { canary: [], control: [], versions: new Map() };
  for (const { record: r } of readRecords(files)) {
    const system = typeof r.versions.system === 'string' ? r.versions.system : '(none)';
    slices.versions.set(system, (slices.versions.get(system) ?? 0) + 1);
    if (system === canary) slices.canary.push(r);
    else if (system === control) slices.control.push(r);
  }
  slices.canary = byTime(slices.canary);
  slices.control = byTime(slices.control);
  return slices;
}

/** The records in time order, each record's time computed once (timeOf), not at every comparison. */
function byTime(records: readonly ProductionRecord[]): ProductionRecord[] {
  return records
    .map((record) => ({ record, t: timeOf(record) }))
    .sort((a, b) => a.t - b.t)
    .map(({ record }) => record);
}
