import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256 } from '../../util/hash.js';
import type { BatchRequest } from './requests.js';

/**
 * What survives a restart of `run --batch`: per target, the requests submitted (each with its
 * custom_id, which is its position: `r<n>`), and per chunk of them the uploaded file and the
 * batch. Written after every step that creates something at the provider (upload, batch), so
 * a run killed at any point resumes the same batch rather than paying for a second one.
 */
export interface BatchState {
  evalgateBatch: 1;
  targets: Record<string, TargetBatchState>;
}

export interface TargetBatchState {
  /** sha256 of the endpoint's base URL: a batch id means nothing on another account or server. */
  endpoint: string;
  /** sha256 of the request keys in order: the state file's own integrity check. */
  fingerprint: string;
  requests: BatchRequest[];
  chunks: ChunkState[];
}

/** Requests [start, end) of the target's list, as one input file and one batch. */
export interface ChunkState {
  start: number;
  end: number;
  inputFileId?: string;
  batchId?: string;
}

export const customId = (position: number): string => `r${position}`;

export function fingerprintOf(requests: readonly BatchRequest[]): string {
  return sha256(requests.map((r) => r.key).join('\n'));
}

export function endpointOf(baseURL: string): string {
  return sha256(baseURL.replace(/\/+$/, ''));
}

/** The state at `file`, or undefined when there is none or it is not one (a warning says why). */
export function readBatchState(file: string, warn: (message: string) => void): BatchState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as BatchState;
    if (state?.evalgateBatch !== 1 || !state.targets || typeof state.targets !== 'object')
      throw new Error('not a batch state file of this version');
    for (const t of Object.values(state.targets)) {
      if (
        !Array.isArray(t.requests) ||
        !Array.isArray(t.chunks) ||
        fingerprintOf(t.requests) !== t.fingerprint
      )
        throw new Error('its requests do not match their fingerprint');
    }
    return state;
  } catch (e) {
    warn(`ignoring ${file}: ${(e as Error).message}`);
    return undefined;
  }
}

/** Written whole to a temp file and renamed into place: a reader never sees half of it. */
export function writeBatchState(file: string, state: BatchState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  renameSync(tmp, file);
}

export function removeBatchState(file: string): void {
  rmSync(file, { force: true });
}

/**
 * The stored batches can answer this run when they were sent to the same endpoint and hold
 * every request it needs. Each request is identified by its cache key, a hash of the whole
 * request, so a changed prompt, model parameter or case is a key the stored batch lacks and is
 * never answered from it. Fewer needed requests than stored (a restart after some answers were
 * recorded and cached) still resume the stored batch: its answers to those are the same.
 */
export function covers(stored: TargetBatchState, endpoint: string, needed: readonly BatchRequest[]): boolean {
  if (stored.endpoint !== endpoint) return false;
  const keys = new Set(stored.requests.map((r) => r.key));
  return needed.every((r) => keys.has(r.key));
}
