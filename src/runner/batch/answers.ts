import type { TargetOutput } from '../../results/types.js';
import { readCompletion } from '../../targets/openai.js';
import { TargetError } from '../../targets/types.js';

/** What the batch said to one request: the answer, or why there is none. */
export type Answer = { output: TargetOutput } | { error: TargetError };

/**
 * Reads one line of a batch's output or error file, a BatchRequestOutput:
 * `{ id, custom_id, response: { status_code, request_id, body } | null, error: { code, message } | null }`.
 * A 200 response's body is a chat completion, read by the same code as a live answer
 * (targets/openai.ts), so graders see the same TargetOutput either way. Everything else is an
 * error, never retryable: the runner's retry would get the same line again.
 */
export function answerOfLine(line: unknown): { customId: string; answer: Answer } | undefined {
  if (!line || typeof line !== 'object') return undefined;
  const {
    custom_id: customId,
    response,
    error,
  } = line as {
    custom_id?: unknown;
    response?: { status_code?: unknown; request_id?: unknown; body?: unknown } | null;
    error?: { code?: unknown; message?: unknown } | null;
  };
  if (typeof customId !== 'string') return undefined;
  if (error) {
    const code = typeof error.code === 'string' ? error.code : 'error';
    const message = typeof error.message === 'string' ? error.message : 'the request failed';
    // An expired batch's unfinished requests: not answered in the completion window.
    const kind = code === 'batch_expired' ? 'timeout' : 'unknown';
    return { customId, answer: fail(kind, `batch ${code}: ${message}`) };
  }
  const status = typeof response?.status_code === 'number' ? response.status_code : undefined;
  const requestId = typeof response?.request_id === 'string' ? response.request_id : undefined;
  const headers: Record<string, string> = requestId ? { 'x-request-id': requestId } : {};
  if (status === undefined)
    return { customId, answer: fail('malformed', 'batch line without a response or an error') };
  const id = requestId ? ` (request ${requestId})` : '';
  if (status !== 200) {
    const body = response?.body as { error?: { message?: unknown } } | undefined;
    const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${status}`;
    return {
      customId,
      answer: fail(status === 429 ? 'rate_limit' : 'http', `${status} ${message}${id}`, status),
    };
  }
  try {
    return { customId, answer: { output: readCompletion(response?.body, headers) } };
  } catch (e) {
    if (e instanceof TargetError) return { customId, answer: fail(e.kind, `${e.message}${id}`, status) };
    throw e;
  }
}

/** Every line of a downloaded output or error file; a line that is not JSON is skipped and counted. */
export function readAnswerLines(text: string, into: Map<string, Answer>): { unreadable: number } {
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      unreadable++;
      continue;
    }
    const read = answerOfLine(parsed);
    if (!read) unreadable++;
    // An answer wins over an error line for the same request (it should never have both).
    else if (!into.has(read.customId) || 'output' in read.answer) into.set(read.customId, read.answer);
  }
  return { unreadable };
}

export function fail(kind: TargetError['kind'], message: string, status?: number): { error: TargetError } {
  return {
    error: new TargetError(kind, message, { retryable: false, ...(status !== undefined && { status }) }),
  };
}
