import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { ConfigError } from '../../config/errors.js';
import type { ProductionRecord } from '../record.js';
import { parseRecordLine, RecordErrors, type RecordCheckOptions } from '../records-file.js';

export interface ReadRecordsOptions extends RecordCheckOptions {
  /**
   * Where bad lines go when the caller reads several sets of files as one read (drift's two
   * windows) and throws once, with `errors.throwIfAny()`, after the last. Without it, the
   * read throws them itself after its last file.
   */
  errors?: RecordErrors;
  /**
   * A further check of each record (convert: the privacy policy): a message makes it a bad
   * line, at the record's line, column 1.
   */
  check?: (record: ProductionRecord) => string | undefined;
}

/**
 * Production records from local JSONL files (gzip when the name ends in `.gz`), streamed in
 * batches (the lines of each 1 MiB read): a window far larger than memory is read in
 * constant memory, and only what the caller keeps of each record stays.
 *
 * Every line is checked by the one record check (records-file.ts parseRecordLine). A bad
 * line, or a file that cannot be read, is collected as a ConfigError at file:line:col and
 * the read goes on to find the others, yielding no more records once one is bad: drift over
 * half-read windows would be wrong without anyone knowing, so the whole read fails, with
 * every problem (the first RECORD_ERRORS_KEPT shown, all counted) at once.
 */
export async function* readRecords(
  files: readonly string[],
  options: ReadRecordsOptions = {},
): AsyncGenerator<ProductionRecord[]> {
  const errors = options.errors ?? new RecordErrors();
  const { check } = options;
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
    // A file in both windows is read for both, and its bad lines reported once.
    const report = errors.firstRead(file);
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
        if (!part.trim()) continue;
        let record = parseRecordLine(part, file, line, options);
        if (!(record instanceof ConfigError) && check) {
          const message = check(record);
          if (message !== undefined) record = new ConfigError(message, { file, line, column: 1 });
        }
        if (record instanceof ConfigError) {
          if (report) errors.add(record);
        } else if (errors.total === 0) records.push(record);
      }
      return records;
    };
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) yield batch(rest + decoder.write(chunk));
      yield batch(`${rest}${decoder.end()}\n`);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      const err = e as Error & { code?: string };
      if (report)
        errors.add(new ConfigError(`cannot read records file: ${err.code ?? err.message}`, { file }));
    } finally {
      raw.destroy();
    }
  }
  if (!options.errors) errors.throwIfAny();
}
