import type { Baseline } from '../../baseline/types.js';
import type { LoadedSuite } from '../../config/load.js';
import type { ProductionRecord } from '../record.js';
import { baselineReference } from './baseline.js';
import type { DriftConfig } from './config.js';
import { compareWindows, type DriftReport } from './drift.js';
import { readFeatureRows, rowAsRecord, rowFeatures, type DuckDbModule, type FeatureRow } from './duckdb.js';
import { RECORD_FEATURES } from './features.js';
import { GRADE_PREFIX, jsonGrades, recordGrades } from './quality.js';
import { readRecords } from './read.js';
import { Window } from './window.js';

/**
 * How records are read: the streaming JSONL reader, or DuckDB (the loaded module, and the
 * environment its S3 credentials come from).
 */
export type DriftEngine =
  { kind: 'stream' } | { kind: 'duckdb'; module: DuckDbModule; env?: Record<string, string | undefined> };

export type OnRecord = (record: ProductionRecord, window: 'current' | 'reference') => void;

/**
 * One window of records, each reduced to its features as it is read. `onRecord` sees every
 * record read (coverage counts ride the same pass); with DuckDB it sees the fields coverage
 * needs (route, input language, risk tags).
 */
export async function readWindow(
  files: readonly string[],
  side: 'current' | 'reference',
  engine: DriftEngine,
  onRecord?: OnRecord,
): Promise<Window<ProductionRecord> | Window<FeatureRow>> {
  if (engine.kind === 'duckdb') {
    const window = new Window<FeatureRow>(rowFeatures(RECORD_FEATURES), (row) => jsonGrades(row.online));
    for await (const rows of readFeatureRows(engine.module, files, {
      ...(engine.env && { env: engine.env }),
    }))
      for (const row of rows) {
        window.add(row);
        onRecord?.(rowAsRecord(row), side);
      }
    return window;
  }
  const window = new Window<ProductionRecord>(RECORD_FEATURES, recordGrades);
  for await (const records of readRecords(files))
    for (const r of records) {
      window.add(r);
      onRecord?.(r, side);
    }
  return window;
}

/**
 * `evalgate drift`'s stages over two windows of records: read the reference (whole), then
 * the current, then compare.
 */
export async function driftOfFiles(
  currentFiles: readonly string[],
  referenceFiles: readonly string[],
  config: DriftConfig,
  onRecord?: OnRecord,
  engine: DriftEngine = { kind: 'stream' },
): Promise<DriftReport> {
  const reference = await readWindow(referenceFiles, 'reference', engine, onRecord);
  const current = await readWindow(currentFiles, 'current', engine, onRecord);
  return { ...compareWindows(reference, current, RECORD_FEATURES, config), reference: { source: 'records' } };
}

/**
 * The current window of records against a reference taken from the eval suites' cases and
 * their saved baselines (drift/baseline.ts). Online graders' pass rates are compared where
 * both sides have the grader; a grader only one side has is listed as not compared.
 */
export async function driftAgainstBaseline(
  currentFiles: readonly string[],
  suites: readonly LoadedSuite[],
  baselines: ReadonlyMap<string, Baseline>,
  config: DriftConfig,
  onRecord?: OnRecord,
  engine: DriftEngine = { kind: 'stream' },
): Promise<DriftReport> {
  const reference = baselineReference(suites, baselines);
  const current = await readWindow(currentFiles, 'current', engine, onRecord);
  const info = { ...reference.info, notCompared: [...reference.info.notCompared] };
  const inRecords = new Set(current.dynamicNames);
  const inBaseline = new Set(reference.window.dynamicNames);
  for (const name of [...new Set([...inRecords, ...inBaseline])].sort()) {
    if (inRecords.has(name) && inBaseline.has(name)) continue;
    const grader = name.slice(GRADE_PREFIX.length);
    info.notCompared.push({
      feature: name,
      reason: inRecords.has(name)
        ? `the baseline has no verdicts of a grader named ${grader}`
        : `no record carries an online verdict of ${grader}`,
    });
  }
  const grades = [...inRecords]
    .filter((n) => inBaseline.has(n))
    .sort()
    .map((name) => ({ name, kind: 'rate' as const }));
  const report = compareWindows(reference.window, current, [...reference.specs, ...grades], config, {
    dynamic: false,
  });
  return { ...report, reference: info };
}
