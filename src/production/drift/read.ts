import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { ConfigError } from '../../config/errors.js';
import { jsonSyntaxError } from '../../config/jsonl.js';
import { RECORD_SCHEMA_VERSION, type ProductionRecord } from '../record.js';

/**
 * Production records from JSONL files (gzip when the name ends in `.gz`), streamed a line
 * at a time: a window far larger than memory is read in constant memory, and only what
 * the caller keeps of each record stays.
 *
 * A line that is not JSON, or not a production record of this schema version, stops the
 * read with a ConfigError at file:line:col: drift over half-read windows would be wrong
 * without anyone knowing.
 */
export async function* readRecords(files: readonly string[]): AsyncGenerator<ProductionRecord> {
  for (const file of files) {
    const raw = createReadStream(file);
    const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    const failure = new Promise<never>((_, reject) => {
      const fail = (e: Error & { code?: string }) =>
        reject(new ConfigError(`cannot read records file: ${e.code ?? e.message}`, { file }));
      raw.on('error', fail);
      input.on('error', fail);
    });
    failure.catch(() => {});
    const lines = createInterface({ input, crlfDelay: Infinity });
    let line = 0;
    const iterator = lines[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), failure]);
        if (next.done) break;
        line++;
        const text = next.value;
        if (!text.trim()) continue;
        yield parseRecord(text, file, line);
      }
    } finally {
      lines.close();
      raw.destroy();
    }
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
