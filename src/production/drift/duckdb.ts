import type * as DuckDb from '@duckdb/node-api';
import { ConfigError } from '../../config/errors.js';
import type { ProductionRecord } from '../record.js';
import { readRecords } from './read.js';
import { DRIFT_FEATURES, type DriftFeatureName } from './config.js';
import type { FeatureSpec } from './window.js';

/**
 * DuckDB (`@duckdb/node-api`) as the engine that reads large windows: its JSON reader runs
 * on every core, decompresses `.gz` itself and hands over only the feature columns, which
 * it computes in SQL, in chunks of 2,048 rows. The statistics are the same code as the
 * streaming path (src/production/drift/drift.ts); only the reading differs, and a test
 * holds the two engines' reports equal.
 *
 * Loaded with a dynamic import, only by production commands: it is a native module, an
 * optional dependency of the package, absent from the Action's bundle. When it cannot be
 * loaded (not installed, no binary for the platform) `loadDuckDb` returns undefined and
 * `evalgate drift` reads with the streaming JSONL reader instead.
 */

export type DuckDbModule = typeof DuckDb;

export async function loadDuckDb(): Promise<DuckDbModule | undefined> {
  try {
    // External to the bundle (scripts/build.mjs): resolved from node_modules at run time.
    return await import('@duckdb/node-api');
  } catch {
    return undefined;
  }
}

/** One record as its drift features (plus what coverage counts), null for missing. */
export type FeatureRow = Record<DriftFeatureName | 'schemaVersion' | 'riskTags' | 'filename', unknown>;

/** The read schema: every field drift reads, so a window that never has one still parses. */
const COLUMNS = `{
  schemaVersion: 'INTEGER', route: 'VARCHAR', riskTags: 'VARCHAR[]',
  input: 'STRUCT(chars DOUBLE, language VARCHAR)', output: 'STRUCT(chars DOUBLE, language VARCHAR)',
  toolCalls: 'STRUCT(count INTEGER, blocked INTEGER)', refusal: 'BOOLEAN', safetyEvents: 'VARCHAR[]',
  error: 'STRUCT(kind VARCHAR)', latencyMs: 'DOUBLE', tokens: 'STRUCT(input DOUBLE, output DOUBLE)',
  costUsd: 'DOUBLE', feedback: 'STRUCT(rating VARCHAR, score DOUBLE)', editDistance: 'STRUCT(ratio DOUBLE)'
}`;

/** The features in SQL: each the same definition as RECORD_FEATURES (features.ts). */
const SELECT = `
  schemaVersion, filename, riskTags,
  input.chars AS inputChars, output.chars AS outputChars,
  input.language AS inputLanguage, output.language AS outputLanguage, route,
  coalesce(toolCalls.count, 0) AS toolCalls,
  CASE WHEN toolCalls IS NULL THEN NULL ELSE toolCalls.blocked > 0 END AS toolBlockedRate,
  refusal AS refusalRate,
  error IS NOT NULL AS errorRate, error.kind AS errorKind,
  coalesce(len(safetyEvents), 0) > 0 AS safetyEventRate,
  latencyMs, tokens.input AS inputTokens, tokens.output AS outputTokens, costUsd,
  feedback IS NOT NULL AS feedbackRate,
  CASE WHEN feedback IS NULL THEN NULL
       ELSE feedback.rating = 'down' OR coalesce(feedback.score < 0, false) END AS negativeFeedbackRate,
  editDistance.ratio AS editRatio`;

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The feature rows of `files`, a chunk at a time. A file DuckDB cannot parse, or a record
 * that is not of schema version 1, is a ConfigError naming the file (DuckDB does not give
 * the line; the streaming reader does, with `--engine stream`).
 */
export async function* readFeatureRows(
  duckdb: DuckDbModule,
  files: readonly string[],
): AsyncGenerator<FeatureRow[]> {
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const sql = `SELECT ${SELECT} FROM read_json([${files.map(sqlString).join(', ')}],
      format = 'newline_delimited', columns = ${COLUMNS}, filename = true)`;
    let result;
    try {
      result = await connection.stream(sql);
    } catch (e) {
      throw await located(e, files);
    }
    const names = result.columnNames();
    for (;;) {
      let chunk;
      try {
        chunk = await result.fetchChunk();
      } catch (e) {
        throw await located(e, files);
      }
      if (!chunk || chunk.rowCount === 0) break;
      const columns = chunk.getColumns();
      const rows: FeatureRow[] = [];
      for (let i = 0; i < chunk.rowCount; i++) {
        const row = {} as FeatureRow;
        names.forEach((name, c) => {
          const v = columns[c]![i];
          (row as Record<string, unknown>)[name] = v === null ? undefined : v;
        });
        if (row.schemaVersion !== 1)
          throw await located(
            new Error(`not a production record of schema version 1 in ${String(row.filename)}`),
            files,
          );
        rows.push(row);
      }
      yield rows;
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The error to report for a read DuckDB refused: the streaming reader reads the same files
 * again to find the first bad line (file:line:col); should it find none, DuckDB's own
 * message, naming the file.
 */
async function located(e: unknown, files: readonly string[]): Promise<ConfigError> {
  try {
    for await (const _ of readRecords(files)) void _;
  } catch (precise) {
    if (precise instanceof ConfigError) return precise;
  }
  return duckDbError(e, files);
}

function duckDbError(e: unknown, files: readonly string[]): ConfigError {
  const message = (e as Error).message ?? String(e);
  const file = files.find((f) => message.includes(f)) ?? files[0]!;
  return new ConfigError(`cannot read records: ${message.split('\n')[0]}`, { file });
}

/** The drift features of a feature row: the same names and kinds as RECORD_FEATURES. */
export function rowFeatures(specs: readonly FeatureSpec<ProductionRecord>[]): FeatureSpec<FeatureRow>[] {
  return specs.map((s) => {
    if (!(DRIFT_FEATURES as readonly string[]).includes(s.name))
      throw new Error(`no SQL for feature ${s.name}`);
    const name = s.name as DriftFeatureName;
    return { name, kind: s.kind, get: (row) => row[name] as number | string | boolean | undefined };
  });
}

/** What coverage counts, as a record: route, input language, risk tags. */
export function rowAsRecord(row: FeatureRow): ProductionRecord {
  const tags = row.riskTags as { items?: unknown[] } | unknown[] | undefined;
  const riskTags = Array.isArray(tags) ? tags : tags?.items;
  return {
    route: row.route as string | undefined,
    input: row.inputLanguage === undefined ? undefined : { language: row.inputLanguage as string },
    riskTags: riskTags?.map(String),
  } as ProductionRecord;
}
