import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../../config/errors.js';
import type { ProductionPolicy } from '../policy-schema.js';
import { assertConforms, PolicyViolation, type ProductionRecord } from '../record.js';
import { createRedactor } from '../redact/index.js';
import { readRecords } from './read.js';
import { columnsArgument, sqlString, type DuckDbModule } from './duckdb.js';

/**
 * Records as Parquet, written by DuckDB's `COPY … TO … (FORMAT parquet)` from JSONL records.
 *
 * Records are written as JSONL first, always: a line is appended as each interaction
 * arrives, so a crash loses at most that line, and any process can append. Parquet is a
 * columnar file written whole (its footer indexes every column), so it cannot be appended
 * to: it is what a closed window (an hour, a day) becomes, one file per window, for the
 * columnar reads and object-storage layouts (`s3://bucket/records/day=…/*.parquet`) that
 * large windows want. Hence a conversion, not a `--format` of the writer.
 *
 * The Parquet file has every column of a record (RECORD_COLUMNS), present or not in the
 * window, so every file has one schema and `evalgate drift` reads it like the JSONL. The
 * JSONL is checked line by line first, by the streaming reader and the one record check
 * (records-file.ts: JSON, every field of its type, and no field schema/record.schema.json
 * does not define, which the columns would drop), then against the privacy policy (a field
 * it does not keep, text it does not retain, a value a detector finds). Every bad line is an
 * error at file:line:col, all reported at once, and nothing is written; a record is never
 * changed on the way, only re-encoded. This is why drift reads Parquet written here without
 * checking it again.
 */

/** Every field of a production record (schema/record.schema.json), as a DuckDB type. */
export const RECORD_COLUMNS: Readonly<Record<string, string>> = {
  schemaVersion: 'INTEGER',
  at: 'VARCHAR',
  sampleRate: 'DOUBLE',
  versions:
    'STRUCT(system VARCHAR, prompt VARCHAR, model VARCHAR, retrieval VARCHAR, components MAP(VARCHAR, VARCHAR))',
  userId: 'VARCHAR',
  sessionId: 'VARCHAR',
  requestId: 'VARCHAR',
  route: 'VARCHAR',
  riskTags: 'VARCHAR[]',
  input:
    'STRUCT(chars INTEGER, language VARCHAR, hash VARCHAR, text VARCHAR, redactions MAP(VARCHAR, INTEGER))',
  output:
    'STRUCT(chars INTEGER, language VARCHAR, hash VARCHAR, text VARCHAR, redactions MAP(VARCHAR, INTEGER))',
  toolCalls: 'STRUCT(count INTEGER, names VARCHAR[], blocked INTEGER)',
  refusal: 'BOOLEAN',
  safetyEvents: 'VARCHAR[]',
  error: 'STRUCT(kind VARCHAR)',
  latencyMs: 'DOUBLE',
  tokens: 'STRUCT(input BIGINT, output BIGINT)',
  costUsd: 'DOUBLE',
  feedback: 'STRUCT(rating VARCHAR, score DOUBLE)',
  editDistance: 'STRUCT(chars INTEGER, ratio DOUBLE, truncated BOOLEAN)',
  // Online graders' verdicts, by grader name: kept as JSON, whatever shape a verdict has.
  online: 'JSON',
};

export interface ConvertSummary {
  files: number;
  records: number;
  out: string;
}

/**
 * Writes the records of the local JSONL (.gz) files to one Parquet file `out` (zstd). Refuses
 * to overwrite: a window's Parquet file is written once.
 */
export async function convertToParquet(
  duckdb: DuckDbModule,
  files: readonly string[],
  out: string,
  policy: ProductionPolicy,
): Promise<ConvertSummary> {
  const redactor = createRedactor(policy.redaction);
  if (!/\.parquet$/i.test(out))
    throw new ConfigError('the output of a conversion is a .parquet file', { file: out });
  if (existsSync(out))
    throw new ConfigError('already exists: a window is converted once (delete the file to write it again)', {
      file: out,
    });
  // Every line checked first, every problem collected: nothing is written unless all pass.
  let records = 0;
  for await (const batch of readRecords(files, {
    knownFieldsOnly: true,
    check: (record) => policyProblem(record, policy, redactor),
  }))
    records += batch.length;
  // Written beside `out` under a temporary name and renamed when whole: a failed COPY leaves
  // no file behind that a retry would call "already exists" and drift would fail to read.
  const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (SELECT * FROM read_json([${files.map(sqlString).join(', ')}],
        format = 'newline_delimited', columns = ${columnsArgument(RECORD_COLUMNS)}))
      TO ${sqlString(partial)} (FORMAT parquet, COMPRESSION zstd)`);
    renameSync(partial, out);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new ConfigError(`cannot write Parquet: ${String((e as Error).message ?? e).split('\n')[0]}`, {
      file: out,
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return { files: files.length, records, out };
}

/** Why the policy would not have written this record (it is not copied either), or undefined. */
function policyProblem(
  record: ProductionRecord,
  policy: ProductionPolicy,
  redactor: ReturnType<typeof createRedactor>,
): string | undefined {
  try {
    assertConforms(record, policy, redactor);
    return undefined;
  } catch (e) {
    if (e instanceof PolicyViolation) return `breaks the privacy policy: ${e.message}; not converted`;
    throw e;
  }
}
