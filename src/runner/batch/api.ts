import { setTimeout as sleep } from 'node:timers/promises';
import { toFile, type OpenAI } from 'openai';
import type { Batch } from 'openai/resources/batches';

/**
 * The Batch API calls `run --batch` makes, through the official SDK: upload the JSONL input
 * (Files, purpose "batch"), create the batch (endpoint /v1/chat/completions, window 24h),
 * poll it, and download its output and error files.
 */
export const ENDPOINT = '/v1/chat/completions';

/** The provider's limits on one batch's input file (openapi.yaml, CreateBatchRequest). */
export const MAX_REQUESTS_PER_BATCH = 50_000;
export const MAX_BYTES_PER_BATCH = 200_000_000;

/** Idempotent calls (reads) are retried by the SDK on connection errors, 408, 409, 429 and 5xx. */
const READ_RETRIES = 4;

export async function uploadInput(client: OpenAI, jsonl: string, name: string, signal?: AbortSignal) {
  const file = await toFile(Buffer.from(jsonl, 'utf8'), name, { type: 'application/jsonl' });
  // Not retried: a retry after a lost answer would upload a second copy (harmless, but unused).
  return client.files.create({ file, purpose: 'batch' }, { maxRetries: 0, ...(signal && { signal }) });
}

export async function createBatch(
  client: OpenAI,
  inputFileId: string,
  metadata: Record<string, string>,
  signal?: AbortSignal,
): Promise<Batch> {
  // Never retried blindly: a lost answer may mean a created batch, billed. The next run finds
  // it by its input file (findBatch) rather than creating another.
  return client.batches.create(
    { input_file_id: inputFileId, endpoint: ENDPOINT, completion_window: '24h', metadata },
    { maxRetries: 0, ...(signal && { signal }) },
  );
}

/** A batch already created on `inputFileId` (by a run killed before it could record it), if any. */
export async function findBatch(
  client: OpenAI,
  inputFileId: string,
  signal?: AbortSignal,
): Promise<Batch | undefined> {
  let seen = 0;
  // Newest first; a run resumes within hours of creating its batch, so the first pages suffice.
  for await (const batch of client.batches.list(
    { limit: 100 },
    { maxRetries: READ_RETRIES, ...(signal && { signal }) },
  )) {
    if (batch.input_file_id === inputFileId) return batch;
    if (++seen >= 1000) break;
  }
  return undefined;
}

export interface PollOptions {
  intervalMs: number;
  signal?: AbortSignal;
  /** Called on the first answer and on every change of status or counts. */
  onStatus: (batch: Batch) => void;
}

/** The statuses after which a batch changes no more. */
const TERMINAL: ReadonlySet<Batch['status']> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Retrieves the batch every `intervalMs` until it is completed, failed, expired or cancelled. */
export async function pollBatch(client: OpenAI, batchId: string, options: PollOptions): Promise<Batch> {
  const { signal } = options;
  let last = '';
  for (;;) {
    const batch = await client.batches.retrieve(batchId, {
      maxRetries: READ_RETRIES,
      ...(signal && { signal }),
    });
    const counts = batch.request_counts;
    const seen = `${batch.status} ${counts?.completed ?? ''}/${counts?.failed ?? ''}/${counts?.total ?? ''}`;
    if (seen !== last) {
      last = seen;
      options.onStatus(batch);
    }
    if (TERMINAL.has(batch.status)) return batch;
    await sleep(options.intervalMs, undefined, signal ? { signal } : {});
  }
}

export async function downloadFile(client: OpenAI, fileId: string, signal?: AbortSignal): Promise<string> {
  const response = await client.files.content(fileId, {
    maxRetries: READ_RETRIES,
    ...(signal && { signal }),
  });
  return response.text();
}
