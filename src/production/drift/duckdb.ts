import type * as DuckDb from '@duckdb/node-api';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, ConfigErrors } from '../../config/errors.js';
import type { ProductionRecord } from '../record.js';
import { readRecords } from './read.js';
import { DRIFT_FEATURES, type DriftFeatureName } from './config.js';
import type { FeatureSpec } from './window.js';

/**
 * DuckDB (`@duckdb/node-api`) as the engine that reads large windows and Parquet, local or in
 * object storage (its httpfs extension: s3://, https://…): its JSON reader runs
 * on every core, decompresses `.gz` itself and hands over only the feature columns, which
 * it computes in SQL, in chunks of 2,048 rows. The statistics are the same code as the
 * streaming path (src/production/drift/drift.ts); only the reading differs, and a test
 * holds the two engines' reports equal.
 *
 * Loaded with a dynamic import, only by production commands: it is a native module, an
 * optional dependency of the package, absent from the Action's bundle. When it cannot be
 * loaded (not installed, no binary for the platform) `loadDuckDb` returns undefined and
 * `evalgate drift` reads with the streaming JSONL reader instead (which refuses Parquet and
 * remote globs, saying to install DuckDB).
 */

export type DuckDbModule = typeof DuckDb;

/**
 * `@duckdb/node-api`, or undefined when it cannot be loaded. Tried first from evalgate's own
 * node_modules, then from each of `searchDirs`: the Action runs from its own folder
 * ($GITHUB_ACTION_PATH), and a scheduled workflow installs DuckDB in the workspace
 * (`npm install @duckdb/node-api`), which the Action passes here.
 */
export async function loadDuckDb(searchDirs: readonly string[] = []): Promise<DuckDbModule | undefined> {
  try {
    // External to the bundle (scripts/build.mjs): resolved from node_modules at run time.
    return await import('@duckdb/node-api');
  } catch {
    // Not beside evalgate: look where the caller says.
  }
  for (const dir of searchDirs) {
    try {
      const path = createRequire(join(resolve(dir), 'package.json')).resolve('@duckdb/node-api');
      return (await import(pathToFileURL(path).href)) as DuckDbModule;
    } catch {
      // Not installed there (or no binary for this platform): the next place.
    }
  }
  return undefined;
}

/** A Parquet file (read with read_parquet; the streaming reader refuses it). */
export const isParquet = (file: string): boolean => /\.parquet$/i.test(file);

/**
 * A remote location (s3://, gs://, r2://, https://, hf://…): handed to DuckDB unchanged, glob
 * and all, for its httpfs extension to list and read; never expanded on the local disk.
 */
export const isRemote = (file: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(file);

/** One record as its drift features (plus what coverage counts), null for missing. */
export type FeatureRow = Record<
  DriftFeatureName | 'schemaVersion' | 'riskTags' | 'filename' | 'online',
  unknown
>;

/**
 * The top-level record fields drift reads, with their DuckDB types: the read schema of
 * JSONL (a window that never has a field still parses), and what a Parquet file lacking a
 * column gets as NULL. `online` (online graders' verdicts, `evalgate grade --out`) is read as JSON: its keys are the
 * graders' names, its values a boolean or an object (drift/quality.ts reads them).
 */
export const DRIFT_COLUMNS: Readonly<Record<string, string>> = {
  schemaVersion: 'INTEGER',
  route: 'VARCHAR',
  riskTags: 'VARCHAR[]',
  input: 'STRUCT(chars DOUBLE, language VARCHAR)',
  output: 'STRUCT(chars DOUBLE, language VARCHAR)',
  toolCalls: 'STRUCT(count INTEGER, blocked INTEGER)',
  refusal: 'BOOLEAN',
  safetyEvents: 'VARCHAR[]',
  error: 'STRUCT(kind VARCHAR)',
  latencyMs: 'DOUBLE',
  tokens: 'STRUCT(input DOUBLE, output DOUBLE)',
  costUsd: 'DOUBLE',
  feedback: 'STRUCT(rating VARCHAR, score DOUBLE)',
  editDistance: 'STRUCT(ratio DOUBLE)',
  online: 'JSON',
};

/** A DuckDB `columns = {…}` argument. */
export const columnsArgument = (columns: Readonly<Record<string, string>>): string =>
  `{${Object.entries(columns)
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
    .join(', ')}}`;

/**
 * The features in SQL: each the same definition as RECORD_FEATURES (features.ts). Numbers are
 * cast to DOUBLE: a Parquet file may hold them as BIGINT, which would arrive as bigint.
 */
const SELECT = `
  CAST(schemaVersion AS INTEGER) AS schemaVersion, filename, riskTags,
  CAST(input.chars AS DOUBLE) AS inputChars, CAST(output.chars AS DOUBLE) AS outputChars,
  input.language AS inputLanguage, output.language AS outputLanguage, route,
  CAST(coalesce(toolCalls.count, 0) AS DOUBLE) AS toolCalls,
  CASE WHEN toolCalls IS NULL THEN NULL ELSE toolCalls.blocked > 0 END AS toolBlockedRate,
  refusal AS refusalRate,
  error IS NOT NULL AS errorRate, error.kind AS errorKind,
  coalesce(len(safetyEvents), 0) > 0 AS safetyEventRate,
  CAST(latencyMs AS DOUBLE) AS latencyMs,
  CAST(tokens.input AS DOUBLE) AS inputTokens, CAST(tokens.output AS DOUBLE) AS outputTokens,
  CAST(costUsd AS DOUBLE) AS costUsd,
  feedback IS NOT NULL AS feedbackRate,
  CASE WHEN feedback IS NULL THEN NULL
       ELSE feedback.rating = 'down' OR coalesce(feedback.score < 0, false) END AS negativeFeedbackRate,
  CAST(editDistance.ratio AS DOUBLE) AS editRatio,
  CAST(to_json(online) AS VARCHAR) AS online`;

export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const fileList = (files: readonly string[]) => `[${files.map(sqlString).join(', ')}]`;

/** The query reading JSONL (and .gz) records as feature rows; files and globs passed as given. */
export function jsonFeaturesSql(files: readonly string[]): string {
  return `SELECT ${SELECT} FROM read_json(${fileList(files)},
      format = 'newline_delimited', columns = ${columnsArgument(DRIFT_COLUMNS)}, filename = true)`;
}

/**
 * The query reading Parquet records as feature rows. `present` are the top-level columns the
 * files have (DESCRIBE); a drift column they lack is NULL, as a JSONL field left out is.
 */
export function parquetFeaturesSql(files: readonly string[], present: ReadonlySet<string>): string {
  const missing = Object.entries(DRIFT_COLUMNS)
    .filter(([name]) => !present.has(name))
    .map(([name, type]) => `, CAST(NULL AS ${type}) AS ${name}`)
    .join('');
  return `SELECT ${SELECT} FROM (SELECT *${missing}
      FROM read_parquet(${fileList(files)}, union_by_name = true, filename = true))`;
}

/**
 * Credentials for records in S3 (or an S3-compatible store: R2, MinIO, GCS's interoperability
 * API), from the environment the caller hands in, as the AWS CLI reads them: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or AWS_DEFAULT_REGION) and
 * AWS_ENDPOINT_URL. Without a key, DuckDB's `credential_chain` provider (its aws extension:
 * profiles, instance roles, web identity). Undefined when no file is in S3.
 */
export function s3SecretSql(
  files: readonly string[],
  env: Record<string, string | undefined>,
): string | undefined {
  if (!files.some((f) => /^(s3|s3a|s3n|r2|gcs|gs):\/\//i.test(f))) return undefined;
  const key = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (!key || !secret) return 'CREATE OR REPLACE SECRET evalgate_s3 (TYPE s3, PROVIDER credential_chain)';
  const parts = [`TYPE s3`, `PROVIDER config`, `KEY_ID ${sqlString(key)}`, `SECRET ${sqlString(secret)}`];
  if (env.AWS_SESSION_TOKEN) parts.push(`SESSION_TOKEN ${sqlString(env.AWS_SESSION_TOKEN)}`);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (region) parts.push(`REGION ${sqlString(region)}`);
  const endpoint = env.AWS_ENDPOINT_URL;
  if (endpoint) {
    const url = /^([a-z]+):\/\/(.*?)\/?$/i.exec(endpoint);
    parts.push(`ENDPOINT ${sqlString(url ? url[2]! : endpoint)}`, `URL_STYLE 'path'`);
    if (url?.[1]?.toLowerCase() === 'http') parts.push('USE_SSL false');
  }
  return `CREATE OR REPLACE SECRET evalgate_s3 (${parts.join(', ')})`;
}

export interface DuckDbReadOptions {
  /** Where S3 credentials are read from (see s3SecretSql); nothing else of it is used. */
  env?: Record<string, string | undefined>;
}

/**
 * The feature rows of `files` (JSONL, .gz and Parquet, local paths or remote globs), a chunk
 * at a time: the JSONL files first, then the Parquet files. Local JSONL has been checked
 * line by line before (readWindow in run.ts: the streaming reader's record check), so what
 * DuckDB refuses here is mostly remote JSONL or Parquet: a ConfigError naming the file, with
 * DuckDB's message (its "in line N" counts records from a point of its own, not the file's
 * lines, so it is not taken as the line). A row not of schema version 1 (a Parquet file
 * another tool wrote) is refused too.
 */
export async function* readFeatureRows(
  duckdb: DuckDbModule,
  files: readonly string[],
  options: DuckDbReadOptions = {},
): AsyncGenerator<FeatureRow[]> {
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const secret = s3SecretSql(files, options.env ?? {});
    if (secret)
      try {
        await connection.run(secret);
      } catch {
        // credential_chain needs the aws extension (downloaded on first use): without it, a
        // public bucket still reads, and a private one fails with DuckDB's access error.
      }
    const json = files.filter((f) => !isParquet(f));
    const parquet = files.filter(isParquet);
    const queries: string[] = [];
    if (json.length) queries.push(jsonFeaturesSql(json));
    if (parquet.length) {
      let present: Set<string>;
      try {
        const described = await connection.runAndReadAll(
          `DESCRIBE SELECT * FROM read_parquet(${fileList(parquet)}, union_by_name = true)`,
        );
        present = new Set(described.getRows().map((r) => String(r[0])));
      } catch (e) {
        throw duckDbError(e, parquet);
      }
      queries.push(parquetFeaturesSql(parquet, present));
    }
    for (const sql of queries) yield* streamRows(connection, sql, files);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function* streamRows(
  connection: DuckDb.DuckDBConnection,
  sql: string,
  files: readonly string[],
): AsyncGenerator<FeatureRow[]> {
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
}

/**
 * The error to report for a read DuckDB refused: the streaming reader reads the local JSONL
 * again for bad lines (file:line:col; none, normally: it was checked before the read);
 * should it find none, DuckDB's own message, naming the file.
 */
async function located(e: unknown, files: readonly string[]): Promise<ConfigError | ConfigErrors> {
  // Only local JSONL can be re-read line by line.
  const local = files.filter((f) => !isParquet(f) && !isRemote(f));
  try {
    for await (const _ of readRecords(local)) void _;
  } catch (precise) {
    if (precise instanceof ConfigError || precise instanceof ConfigErrors) return precise;
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
