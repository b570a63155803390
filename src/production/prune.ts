import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConfigError } from '../config/errors.js';
import { parseRecordLine, RecordErrors } from './records-file.js';

const DAY_MS = 86_400_000;

export interface PrunePlan {
  file: string;
  total: number;
  /** The lines kept, in their order, each with its newline. */
  kept: string[];
}

export interface PruneSummary {
  cutoff: string;
  files: number;
  records: number;
  pruned: number;
  /** Files every record of which was past retention: deleted. */
  deleted: string[];
}

/** The oldest `at` a record may have to be kept: `now` minus `retentionDays`. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/**
 * Reads every records file (JSONL, or JSONL gzip when the name ends in `.gz`) and decides,
 * per record, whether it is within retention: `at` at or after the cutoff. Every line is
 * checked by the one record check the other readers use (records-file.ts parseRecordLine);
 * a line that is not a record is an error with file:line:col, all of them are reported, and
 * nothing is changed anywhere: a record whose age cannot be trusted is never kept past its
 * time by mistake, nor deleted by one. A line kept is written back exactly as it was read.
 */
export function planPrune(files: readonly string[], cutoff: Date): PrunePlan[] {
  const errors = new RecordErrors();
  const plans: PrunePlan[] = [];
  for (const file of files) {
    const report = errors.firstRead(file);
    const raw = readFileSync(file);
    const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    const kept: string[] = [];
    let total = 0;
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      total++;
      const record = parseRecordLine(line, file, i + 1);
      if (record instanceof ConfigError) {
        if (report) errors.add(record);
      } else if (Date.parse(record.at) >= cutoff.getTime()) kept.push(`${line}\n`);
    });
    plans.push({ file, total, kept });
  }
  errors.throwIfAny();
  return plans;
}

/**
 * Carries the plans out: a file with nothing past retention is left untouched; one with
 * some is rewritten through a temporary file and a rename (a reader sees the old file or
 * the new one, never half of one); one with nothing left is deleted.
 */
export function applyPrune(plans: readonly PrunePlan[], cutoff: Date): PruneSummary {
  const summary: PruneSummary = {
    cutoff: cutoff.toISOString(),
    files: plans.length,
    records: 0,
    pruned: 0,
    deleted: [],
  };
  for (const { file, total, kept } of plans) {
    summary.records += total;
    summary.pruned += total - kept.length;
    if (kept.length === total) continue;
    if (kept.length === 0) {
      rmSync(file, { force: true });
      summary.deleted.push(file);
      continue;
    }
    const body = Buffer.from(kept.join(''), 'utf8');
    const temp = `${file}.evalgate-prune-${process.pid}`;
    writeFileSync(temp, file.endsWith('.gz') ? gzipSync(body) : body, { mode: 0o600 });
    renameSync(temp, file);
  }
  return summary;
}
