import { TargetError } from './types.js';

/**
 * How a failed request becomes a TargetError, shared by every target kind so the runner sees
 * one vocabulary: which failures are worth retrying, and how long the server asked us to wait.
 */

/** Fetch `Headers` (already lower-cased) as a plain record, for the runner's rate limiter. */
export function headerRecord(headers: Headers | undefined | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers) headers.forEach((value, key) => (out[key] = value));
  return out;
}

/**
 * Milliseconds the server asked us to wait: `retry-after-ms` (OpenAI's, more precise) first,
 * then `retry-after` as seconds or as an HTTP date.
 */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers['retry-after'];
  if (after === undefined || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * A non-2xx response. 429 is rate limiting; 408 (request timeout), 409 (lock conflict) and
 * 5xx are the server's transient trouble; any other 4xx is our request being wrong, and
 * resending it cannot help. OpenAI's `x-should-retry` overrides the status when present.
 */
export function statusError(status: number, headers: Record<string, string>, detail: string): TargetError {
  const rateLimited = status === 429;
  const loading = isModelLoading(status, detail);
  let retryable = rateLimited || loading || status === 408 || status === 409 || status >= 500;
  const hint = headers['x-should-retry'];
  if (hint === 'true') retryable = true;
  else if (hint === 'false' && !loading) retryable = false;
  const wait = retryable ? retryAfterMs(headers) : undefined;
  return new TargetError(rateLimited ? 'rate_limit' : 'http', detail, {
    status,
    retryable,
    ...(wait !== undefined && { retryAfterMs: wait }),
    ...(loading && { loading }),
    headers,
  });
}

/**
 * A self-hosted server still loading its model answers 503 until it is ready: llama.cpp
 * `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}`, Hugging Face
 * TGI / Inference Endpoints "Model … is currently loading". The runner waits that out (up to
 * its model-load budget) instead of spending the ordinary retries in a few seconds.
 */
export function isModelLoading(status: number, detail: string): boolean {
  return status === 503 && MODEL_LOADING.test(detail);
}

const MODEL_LOADING =
  /loading model|model (?:is )?(?:still )?(?:being )?loading|currently loading|model (?:is )?not (?:yet )?loaded/i;

/**
 * One request's time budget joined with the caller's cancellation. Per-request, so listeners
 * on the long-lived run signal are removed when the request ends instead of piling up over
 * 100,000 requests.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  clear(): void;
}

export function startDeadline(outer: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(outer.reason);
  if (outer.aborted) controller.abort(outer.reason);
  else outer.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no response within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clear() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The error for a request cut short. Our own deadline (or a caller's signal that itself came
 * from a timeout) is a timeout worth retrying; any other abort is the run being cancelled, and
 * retrying it would only fight the cancellation.
 */
export function abortError(deadline: Deadline, outer: AbortSignal, timeoutMs: number): TargetError {
  const reason: unknown = outer.reason;
  if (deadline.timedOut || (outer.aborted && reason instanceof Error && reason.name === 'TimeoutError')) {
    return new TargetError('timeout', `no response within ${timeoutMs} ms`, { retryable: true });
  }
  return new TargetError('timeout', 'request aborted', { retryable: false });
}

/**
 * A network-level failure from fetch (undici wraps the real cause, e.g. ECONNRESET, one or
 * two levels down). Always retryable: resets and refusals during deploys or under load pass.
 */
export function connectionError(error: unknown, prefix = 'connection failed'): TargetError {
  return new TargetError('connection', `${prefix}: ${describeCause(error)}`, { retryable: true });
}

export function describeCause(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    const text =
      typeof code === 'string' && !current.message.includes(code)
        ? `${code} ${current.message}`
        : current.message;
    // undici's own wrapper message says nothing the cause does not.
    if (text && text !== 'fetch failed' && !parts.includes(text)) parts.push(text);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}

/** The start of a response body for an error message: enough to recognise, never a flood. */
export function snippet(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
