import type { ProductionRecord } from '../record.js';
import type { DriftConfig } from './config.js';
import { compareWindows, type DriftReport } from './drift.js';
import { readFeatureRows, rowAsRecord, rowFeatures, type DuckDbModule, type FeatureRow } from './duckdb.js';
import { RECORD_FEATURES } from './features.js';
import { readRecords } from './read.js';
import { Window } from './window.js';

/** How records are read: the streaming JSONL reader, or DuckDB (the loaded module). */
export type DriftEngine = { kind: 'stream' } | { kind: 'duckdb'; module: DuckDbModule };

/**
 * `evalgate drift`'s stages composed once: read both windows, each record reduced to its
 * features as it is read (the reference first, whole, then the current), then compare.
 * `onRecord` sees every record read (coverage counts ride the same pass); with DuckDB it
 * sees the fields coverage needs (route, input language, risk tags).
 */
export async function driftOfFiles(
  currentFiles: readonly string[],
  referenceFiles: readonly string[],
  config: DriftConfig,
  onRecord?: (record: ProductionRecord, window: 'current' | 'reference') => void,
  engine: DriftEngine = { kind: 'stream' },
): Promise<DriftReport> {
  if (engine.kind === 'duckdb') {
    const specs = rowFeatures(RECORD_FEATURES);
    const read = async (files: readonly string[], side: 'current' | 'reference') => {
      const window = new Window<FeatureRow>(specs);
      for await (const rows of readFeatureRows(engine.module, files))
        for (const row of rows) {
          window.add(row);
          onRecord?.(rowAsRecord(row), side);
        }
      return window;
    };
    const reference = await read(referenceFiles, 'reference');
    const current = await read(currentFiles, 'current');
    return compareWindows(reference, current, specs, config);
  }
  const reference = new Window(RECORD_FEATURES);
  for await (const records of readRecords(referenceFiles))
    for (const r of records) {
      reference.add(r);
      onRecord?.(r, 'reference');
    }
  const current = new Window(RECORD_FEATURES);
  for await (const records of readRecords(currentFiles))
    for (const r of records) {
      current.add(r);
      onRecord?.(r, 'current');
    }
  return compareWindows(reference, current, RECORD_FEATURES, config);
}
