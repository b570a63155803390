import type { Baseline } from '../../baseline/types.js';
import type { LoadedSuite } from '../../config/load.js';
import type { ProductionRecord } from '../record.js';
import { RecordErrors } from '../records-file.js';
import { baselineReference } from './baseline.js';
import type { DriftConfig } from './config.js';
import { compareWindows, type DriftReport } from './drift.js';
import {
  isParquet,
  isRemote,
  readFeatureRows,
  rowAsRecord,
  rowFeatures,
  type DuckDbModule,
  type FeatureRow,
} from './duckdb.js';
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
 *
 * Bad lines go to `errors` (the caller throws once every window is read, so one run reports
 * the bad lines of both); once there is one, the window is incomplete and must not be
 * compared. With DuckDB, a window with Parquet or remote files is read by DuckDB, its local
 * JSONL checked first with the streaming reader's record check (records-file.ts): DuckDB's typed read would take a `latencyMs` of "12" for 12 and
 * name no line for what it refuses, and both engines must refuse the same lines with the
 * same file:line:col. Parquet is exempt: `evalgate convert` wrote it from JSONL it checked
 * line by line (the same check, every field known), so checking it again would only cost
 * time (a Parquet file another tool wrote has its column types, and the schema version
 * DuckDB's reader checks, as its only checks). Remote JSONL (s3://…) cannot be read line by
 * line here: DuckDB's typed read is its only check.
 */
export async function readWindow(
  files: readonly string[],
  side: 'current' | 'reference',
  engine: DriftEngine,
  onRecord?: OnRecord,
  errors: RecordErrors = new RecordErrors(),
): Promise<Window<ProductionRecord> | Window<FeatureRow>> {
  const local = files.filter((f) => !isParquet(f) && !isRemote(f));
  // A window of local JSONL only is read by the checked streaming pass whichever the engine:
  // every line must be parsed in JavaScript for the check anyway, and reading it again with
  // DuckDB made `npm run bench drift` twice as slow (19 s against 9.4 s for 1,000,000
  // records). DuckDB reads what only it can: Parquet, and object storage.
  if (engine.kind === 'duckdb' && local.length < files.length) {
    const window = new Window<FeatureRow>(rowFeatures(RECORD_FEATURES), (row) => jsonGrades(row.online));
    // First, so a bad line is reported as the streaming engine reports it, and DuckDB reads
    // nothing of a window that will not be compared. (Beside DuckDB's read rather than before
    // it, the check took as long on 2 cores, DuckDB's threads having both, and more memory.)
    for await (const _ of readRecords(local, { errors })) void _;
    if (errors.total) return window;
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
  for await (const records of readRecords(files, { errors }))
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
  const errors = new RecordErrors();
  const reference = await readWindow(referenceFiles, 'reference', engine, onRecord, errors);
  const current = await readWindow(currentFiles, 'current', engine, onRecord, errors);
  errors.throwIfAny();
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
  const errors = new RecordErrors();
  const current = await readWindow(currentFiles, 'current', engine, onRecord, errors);
  errors.throwIfAny();
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
