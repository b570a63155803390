import type { ProductionRecord } from '../record.js';
import type { DriftConfig } from './config.js';
import { compareWindows, type DriftReport } from './drift.js';
import { RECORD_FEATURES } from './features.js';
import { readRecords } from './read.js';
import { Window } from './window.js';

/**
 * `evalgate drift`'s stages composed once: stream both windows' records into feature
 * windows (each record is reduced to its features as it is read), then compare them.
 * `onRecord` sees every record read (coverage counts from the same pass).
 */
export async function driftOfFiles(
  currentFiles: readonly string[],
  referenceFiles: readonly string[],
  config: DriftConfig,
  onRecord?: (record: ProductionRecord, window: 'current' | 'reference') => void,
): Promise<DriftReport> {
  const reference = new Window(RECORD_FEATURES);
  for await (const r of readRecords(referenceFiles)) {
    reference.add(r);
    onRecord?.(r, 'reference');
  }
  const current = new Window(RECORD_FEATURES);
  for await (const r of readRecords(currentFiles)) {
    current.add(r);
    onRecord?.(r, 'current');
  }
  return compareWindows(reference, current, RECORD_FEATURES, config);
}
