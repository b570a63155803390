import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hasherFromEnv } from './hash.js';
import type { ProductionPolicy } from './policy-schema.js';
import { toRecord, type Interaction, type ProductionRecord, type RecordVersions } from './record.js';
import { createRedactor } from './redact/index.js';

/** Where records go. `append` writes whole records or nothing. */
export interface RecordSink {
  append(records: readonly ProductionRecord[]): void;
}

/**
 * Appends records to a JSONL file, one JSON object per line. One `appendFileSync` per call
 * (an O_APPEND write), so lines from concurrent writers on the same host do not interleave
 * within a line for the sizes records have, and a crash loses at most the call in flight.
 */
export class JsonlSink implements RecordSink {
  constructor(readonly file: string) {}

  append(records: readonly ProductionRecord[]): void {
    if (records.length === 0) return;
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, records.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
  }
}

export interface Recorder {
  /** Records the interaction if sampled; returns the record written, or null. */
  record(interaction: Interaction): ProductionRecord | null;
}

/**
 * The helper an application calls once per interaction: the policy's key and redactor made
 * once, each sampled interaction turned into a record by `toRecord` and appended to the
 * sink. A missing hash key fails here, at start-up, not at the first request.
 */
export function createRecorder(options: {
  policy: ProductionPolicy;
  versions: RecordVersions;
  sink: RecordSink;
  env?: Record<string, string | undefined>;
  random?: () => number;
  now?: () => Date;
}): Recorder {
  const { policy, versions, sink } = options;
  const hasher = hasherFromEnv(policy, options.env ?? process.env);
  const redactor = createRedactor(policy.redaction);
  return {
    record(interaction) {
      const record = toRecord(interaction, policy, versions, {
        hasher,
        redactor,
        ...(options.random && { random: options.random }),
        ...(options.now && { now: options.now }),
      });
      if (record) sink.append([record]);
      return record;
    },
  };
}
