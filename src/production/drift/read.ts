import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { ConfigError } from '../../config/errors.js';
import { jsonSyntaxError } from '../../config/jsonl.js';
import { RECORD_SCHEMA_VERSION, type ProductionRecord } from '../record.js';

/**
 * Production records from local JSONL files (gzip when the name ends in `.gz`), streamed in
 * batches (the lines of each 1 MiB read): a window far larger than memory is read in
 * constant memory, and only what the caller keeps of each record stays.
 *
 * A line that is not JSON, or not a production record of this schema version, stops the
 * read with a ConfigError at file:line:col: drift over half-read windows would be wrong
 * without anyone knowing.
 */
export async function* readRecords(files: readonly string[]): AsyncGenerator<ProductionRecord[]> {
  for (const file of files) {
    const reason = /\.parquet$/i.test(file)
      ? 'Parquet records'
      : /^[a-z][a-z0-9+.-]*:\/\//i.test(file)
        ? 'records in object storage'
        : undefined;
    if (reason)
      throw new ConfigError(
        `${reason} need the DuckDB engine: npm install @duckdb/node-api, then run with --engine auto (or duckdb); the streaming reader reads local JSONL and .jsonl.gz only`,
        { file },
      );
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    // pipe() does not pass a read error on: the gunzip stream would wait for ever.
    if (input !== raw) raw.on('error', (e) => input.destroy(e));
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let line = 0;
    const batch = (text: string): ProductionRecord[] => {
      const parts = text.split('\n');
      rest = parts.pop()!;
      const records: ProductionRecord[] = [];
      for (const part of parts) {
        line++;
        if (part.trim()) records.push(parseRecord(part, file, line));
      }
      return records;
    };
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) yield batch(rest + decoder.write(chunk));
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      const err = e as Error & { code?: string };
      throw new ConfigError(`cannot read records file: ${err.code ?? err.message}`, { file });
    } finally {
      raw.destroy();
    }
    yield batch(`${rest}${decoder.end()}\n`);
  }
}

function parseRecord(text: string, file: string, line: number): ProductionRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const syntax = jsonSyntaxError(text);
    throw new ConfigError(`invalid JSON${syntax ? `: expected ${syntax.expected}` : ''}`, {
      file,
      line,
      column: syntax?.column ?? 1,
    });
  }
  const record = value as Partial<ProductionRecord> | null;
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    throw new ConfigError('not a production record: expected a JSON object', { file, line, column: 1 });
  if (record.schemaVersion !== RECORD_SCHEMA_VERSION)
    throw new ConfigError(
      `not a production record of schema version ${RECORD_SCHEMA_VERSION} (see schema/record.schema.json)`,
      { file, line, column: 1, field: 'schemaVersion' },
    );
  return record as ProductionRecord;
}
