import type { OpenAI } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { LoadedSuite } from '../../config/load.js';
import type { OpenAITarget } from '../../targets/openai.js';
import { TargetError, type Target } from '../../targets/types.js';
import type { ResponseCache } from '../cache.js';
import { cacheKey } from '../key.js';
import { fail, readAnswerLines, type Answer } from './answers.js';
import {
  createBatch,
  downloadFile,
  ENDPOINT,
  findBatch,
  MAX_BYTES_PER_BATCH,
  MAX_REQUESTS_PER_BATCH,
  pollBatch,
  uploadInput,
} from './api.js';
import { collectRequests, type BatchRequest } from './requests.js';
import {
  covers,
  customId,
  endpointOf,
  fingerprintOf,
  readBatchState,
  writeBatchState,
  type BatchState,
  type ChunkState,
  type TargetBatchState,
} from './state.js';

export { removeBatchState } from './state.js';

export interface BatchOptions {
  suites: readonly LoadedSuite[];
  /** By name, as the run gets them; every suite's target must be an openai target. */
  targets: Map<string, Target>;
  /** The run's response cache: requests it answers are not sent. */
  cache: ResponseCache | null;
  /** Whether the run caches a target's answers (runner/work.ts cacheNamespace); default: yes. */
  cached?: (target: string) => boolean;
  /** Where the batch state is kept between restarts (the CLI: `<out>.batch.json`). */
  stateFile: string;
  pollIntervalMs: number;
  sampleOffset?: number;
  /** Default 50,000, the provider's limit; tests split smaller. */
  maxRequestsPerBatch?: number;
  signal?: AbortSignal;
  /** Progress: batch ids, status changes, warnings (`warning: …`). Untrusted text: escape it. */
  log: (line: string) => void;
}

export interface BatchAnswers {
  /** The targets to run with: each answers from its batches, never over the network. */
  targets: Map<string, Target>;
  /** The batch ids that answered, by target. */
  batches: Record<string, string[]>;
}

/** The batch step could not finish: `interrupted` when the run's signal stopped it. */
export class BatchRunError extends Error {
  override readonly name = 'BatchRunError';
  constructor(
    message: string,
    readonly interrupted = false,
  ) {
    super(message);
  }
}

/**
 * `run --batch`, before the run: every request the run would send to each openai target goes
 * through the OpenAI Batch API, and the run then takes its answers from the batch instead of
 * the network. The steps, per target:
 *
 *   1. collect   requests.ts  each case's samples rendered as the runner renders them, minus
 *                             the cache's answers; custom_id `r<n>` is the n-th request
 *   2. resume    state.ts     a stored batch holding every needed request is polled again,
 *                             never re-submitted; one that does not is left alone
 *   3. submit    api.ts       JSONL upload (purpose "batch") and batch creation, ≤ 50,000
 *                             requests and 200 MB a batch; the state written after each
 *   4. poll      api.ts       every batch of every target at once (all submitted first),
 *                             until completed, failed, expired or cancelled
 *   5. map back  answers.ts   output and error file lines by custom_id to each request's key
 *
 * The run itself is the ordinary one (runEval): the cache, the journal, grading and the
 * Results document are the same code as a live run; only `invoke` differs. A request without
 * an answer (an error line, an expired batch's unfinished request, a line missing from the
 * output) becomes an error sample, never a pass, and the rest of the run goes on.
 */
export async function answerInBatches(options: BatchOptions): Promise<BatchAnswers> {
  const { suites, targets, stateFile, log } = options;
  const used = [...new Set(suites.map((s) => s.target))];
  for (const name of used) {
    const target = targets.get(name);
    if (!isOpenAITarget(target))
      throw new BatchRunError(
        `target '${name}' is a ${target?.info.kind ?? 'missing'} target: --batch sends the requests of openai targets through the OpenAI Batch API`,
      );
  }
  const warn = (message: string) => log(`warning: ${message}`);
  const state: BatchState = readBatchState(stateFile, warn) ?? { evalgateBatch: 1, targets: {} };
  const save = () => writeBatchState(stateFile, state);
  const answering = new Map(targets);
  const batches: BatchAnswers['batches'] = {};
  const waits: { name: string; run: (signal: AbortSignal) => Promise<Batch> }[] = [];
  for (const name of used) {
    const target = targets.get(name) as OpenAITarget;
    // The target's own fetch sends only strings and bytes; a file upload is multipart.
    const client = target.client.withOptions({ fetch: globalThis.fetch });
    const cache = options.cached?.(name) === false ? null : options.cache;
    const { requests, cached } = await collectRequests(target, suites, cache, options.sampleOffset ?? 0);
    log(
      `${name}: ${requests.length} request${requests.length === 1 ? '' : 's'} to send${cached ? ` (${cached} answered from the cache)` : ''}`,
    );
    const answers = new Map<string, Answer>();
    answering.set(name, answeredTarget(target, answers));
    if (requests.length === 0) continue;

    const endpoint = endpointOf(client.baseURL);
    let stored = state.targets[name];
    if (stored && !covers(stored, endpoint, requests)) {
      const ids = stored.chunks.flatMap((c) => (c.batchId ? [c.batchId] : []));
      warn(
        `${name}: the batch stored in ${stateFile}${ids.length ? ` (${ids.join(', ')})` : ''} was for other requests: submitting these afresh (it is not cancelled: cancel it at the provider if it is still running and no longer wanted)`,
      );
      stored = undefined;
    }
    if (stored) {
      const ids = stored.chunks.flatMap((c) => (c.batchId ? [c.batchId] : []));
      log(`${name}: resuming ${ids.length ? ids.join(', ') : 'the submission'} (from ${stateFile})`);
    } else {
      stored = newTargetState(requests, endpoint, options.maxRequestsPerBatch ?? MAX_REQUESTS_PER_BATCH);
      state.targets[name] = stored;
      save();
    }
    // Every chunk is submitted before any is waited for: they run side by side at the provider.
    for (const chunk of stored.chunks)
      await step(name, options.signal, () => submitChunk(client, name, stored, chunk, save, options));
    for (const chunk of stored.chunks)
      waits.push({
        name,
        run: (signal) =>
          collectChunk(client, stored, chunk, answers, options.log, options.pollIntervalMs, signal),
      });
    batches[name] = stored.chunks.map((c) => c.batchId!);
  }
  // Then every batch of every target is polled at once: the run waits for the slowest, not the
  // sum. The first that fails stops the others' polling, so the process can end.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      waits.map((w) =>
        step(w.name, options.signal, () => w.run(stop.signal)).catch((e: unknown) => {
          stop.abort();
          throw e;
        }),
      ),
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return { targets: answering, batches };
}

function isOpenAITarget(target: Target | undefined): target is OpenAITarget {
  return target?.info.kind === 'openai' && typeof (target as Partial<OpenAITarget>).client === 'object';
}

/** The requests in chunks within the provider's limits: a count and the input file's bytes. */
function newTargetState(requests: BatchRequest[], endpoint: string, maxRequests: number): TargetBatchState {
  const chunks: ChunkState[] = [];
  let start = 0;
  let bytes = 0;
  requests.forEach((r, i) => {
    const size = Buffer.byteLength(inputLine(r, i)) + 1;
    if (i > start && (i - start >= maxRequests || bytes + size > MAX_BYTES_PER_BATCH)) {
      chunks.push({ start, end: i });
      start = i;
      bytes = 0;
    }
    bytes += size;
  });
  chunks.push({ start, end: requests.length });
  return { endpoint, fingerprint: fingerprintOf(requests), requests, chunks };
}

/** One line of the input file, a BatchRequestInput. */
function inputLine(r: BatchRequest, position: number): string {
  return JSON.stringify({ custom_id: customId(position), method: 'POST', url: ENDPOINT, body: r.body });
}

/** Uploads the chunk and creates its batch, unless the state says that was done. */
async function submitChunk(
  client: OpenAI,
  name: string,
  stored: TargetBatchState,
  chunk: ChunkState,
  save: () => void,
  options: BatchOptions,
): Promise<void> {
  const { signal, log } = options;
  const count = chunk.end - chunk.start;
  if (!chunk.batchId) {
    if (!chunk.inputFileId) {
      const lines = stored.requests
        .slice(chunk.start, chunk.end)
        .map((r, i) => inputLine(r, chunk.start + i));
      const file = await uploadInput(
        client,
        `${lines.join('\n')}\n`,
        `evalgate-${name}-${chunk.start}.jsonl`,
        signal,
      );
      chunk.inputFileId = file.id;
      save();
      log(`${name}: uploaded ${count} request${count === 1 ? '' : 's'} as ${file.id}`);
    } else {
      // Killed between creating the batch and recording it: find it rather than pay twice.
      const found = await findBatch(client, chunk.inputFileId, signal);
      if (found) {
        chunk.batchId = found.id;
        save();
        log(`${name}: found ${found.id}, created on ${chunk.inputFileId} before the restart`);
      }
    }
    if (!chunk.batchId) {
      const batch = await createBatch(
        client,
        chunk.inputFileId,
        { evalgate: 'run --batch', target: name.slice(0, 512) },
        signal,
      );
      chunk.batchId = batch.id;
      save();
      log(`${name}: created ${batch.id} (${count} request${count === 1 ? '' : 's'}, completion window 24h)`);
    }
  }
}

/** Waits for the chunk's batch to end, then maps its output and error lines to the requests' keys. */
async function collectChunk(
  client: OpenAI,
  stored: TargetBatchState,
  chunk: ChunkState,
  answers: Map<string, Answer>,
  log: BatchOptions['log'],
  pollIntervalMs: number,
  signal: AbortSignal,
): Promise<Batch> {
  const count = chunk.end - chunk.start;
  const batch = await pollBatch(client, chunk.batchId!, {
    intervalMs: pollIntervalMs,
    signal,
    onStatus: (b) => log(`${b.id}: ${describeStatus(b)}`),
  });

  const byCustomId = new Map<string, Answer>();
  for (const fileId of [batch.output_file_id, batch.error_file_id]) {
    if (!fileId) continue;
    const { unreadable } = readAnswerLines(await downloadFile(client, fileId, signal), byCustomId);
    if (unreadable)
      log(`warning: ${batch.id}: ${unreadable} unreadable line${unreadable === 1 ? '' : 's'} in ${fileId}`);
  }
  let errors = 0;
  for (let i = chunk.start; i < chunk.end; i++) {
    const answer = byCustomId.get(customId(i)) ?? missingAnswer(batch, i - chunk.start, customId(i));
    if ('error' in answer) errors++;
    answers.set(stored.requests[i]!.key, answer);
  }
  if (batch.status === 'failed') {
    const first = batch.errors?.data?.[0];
    log(
      `warning: ${batch.id} failed${first?.message ? `: ${first.message}` : ''}: its ${count} requests are errors`,
    );
  } else if (batch.status !== 'completed') {
    log(
      `warning: ${batch.id} ${batch.status}: ${count - errors} answered, ${errors} not (recorded as errors; run again to send only those)`,
    );
  } else if (errors) {
    log(`${batch.id}: ${count - errors} answered, ${errors} errors`);
  }
  return batch;
}

function describeStatus(b: Batch): string {
  const c = b.request_counts;
  return c && c.total > 0 ? `${b.status} (${c.completed} done, ${c.failed} failed of ${c.total})` : b.status;
}

/** Why a request has no line in the batch's files: the batch's fate says. */
function missingAnswer(batch: Batch, line: number, id: string): Answer {
  switch (batch.status) {
    case 'failed': {
      const data = batch.errors?.data ?? [];
      // BatchError.line is the input file's line number, from 1.
      const own = data.find((d) => d.line === line + 1) ?? data[0];
      return fail(
        'unknown',
        `batch ${batch.id} failed${own?.message ? `: ${own.message}` : ''}${own?.code ? ` (${own.code})` : ''}`,
      );
    }
    case 'expired':
      return fail('timeout', `batch ${batch.id} expired before this request was run`);
    case 'cancelled':
      return fail('unknown', `batch ${batch.id} was cancelled before this request was run`);
    default:
      return fail('unknown', `batch ${batch.id} has no line for this request (custom_id ${id})`);
  }
}

/** A failure of a batch step, said with the target's name; an abort is an interruption. */
async function step<T>(name: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (signal?.aborted) throw new BatchRunError(`${name}: interrupted`, true);
    throw new BatchRunError(`${name}: ${(e as Error)?.message ?? String(e)}`);
  }
}

/**
 * The target as the run sees it in a batch run: the same requests (prepare is the original's,
 * plus the sample index), answered from the batch by cache key. Nothing goes over the network.
 * The original stays the caller's to close.
 */
function answeredTarget(target: Target, answers: Map<string, Answer>): Target {
  return {
    name: target.name,
    info: target.info,
    ...(target.deterministic !== undefined && { deterministic: target.deterministic }),
    prepare: (input) => ({ ...target.prepare(input), sample: input.sample }),
    invoke(request) {
      const answer = answers.get(cacheKey(target.name, request, request.sample ?? 0));
      if (!answer)
        return Promise.reject(
          new TargetError(
            'unknown',
            'this request was not in the batch (it was cached when the batch was made)',
            {
              retryable: false,
            },
          ),
        );
      if ('error' in answer) return Promise.reject(answer.error);
      // A copy: two samples may share one answer (identical requests are sent once).
      return Promise.resolve({ output: structuredClone(answer.output) });
    },
  };
}
