import { TargetError } from '../targets/types.js';

export interface BackoffPolicy {
  /** First retry waits up to this long. */
  baseMs: number;
  /** No computed wait exceeds this (a server's retry-after may). */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/**
 * How long a target's requests wait for a server that answers "503 Loading model", from its
 * first such answer, before the ordinary retries take over: loading a model of a few GB from
 * disk takes tens of seconds.
 */
export const DEFAULT_MODEL_LOAD_WAIT_MS = 120_000;

/**
 * Wait before loading retry number `k + 1`: "equal jitter", uniform in [c/2, c) with
 * c = min(10 s, 1 s·2^k), so a model that is ready is noticed within ~10 s, while the
 * workers that all saw it loading do not retry in lockstep. Never shorter than the server's
 * retry-after.
 */
export function loadingDelay(k: number, random: () => number, serverRetryAfterMs?: number): number {
  const ceiling = Math.min(10_000, 1000 * 2 ** k);
  return Math.max(serverRetryAfterMs ?? 0, ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Wait before retry number `attempt + 1`: "full jitter" (uniform in [0, min(cap, base·2^attempt)),
 * AWS Architecture Blog, "Exponential Backoff And Jitter"), which spreads a burst of failed
 * workers out instead of having them retry in lockstep, but never shorter than what the
 * server asked for.
 */
export function retryDelay(
  attempt: number,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  serverRetryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  const jittered = random() * ceiling;
  return Math.max(serverRetryAfterMs ?? 0, jittered);
}

/**
 * The wait a response asks for, in ms from `now`: `retry-after-ms` (OpenAI, Azure),
 * then `retry-after` as seconds or an HTTP-date (RFC 9110 §10.2.3). Undefined when absent.
 */
export function retryAfterFromHeaders(
  headers: Record<string, string> | undefined,
  now: number,
): number | undefined {
  if (!headers) return undefined;
  const ms = headers['retry-after-ms'];
  if (ms !== undefined) {
    const v = Number(ms);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const ra = headers['retry-after']?.trim();
  if (ra) {
    if (/^\d+(?:\.\d+)?$/.test(ra)) return Number(ra) * 1000;
    const at = Date.parse(ra);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  return undefined;
}

/**
 * A rate-limit reset as providers send it: Go durations (`1s`, `6m0s`, `120ms`, `0.5s`,
 * `1h2m3.5s`), bare seconds, or a timestamp. Milliseconds from `now`; undefined when unreadable.
 */
export function parseResetDuration(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  const unit: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 1e-3,
    µs: 1e-3,
    ns: 1e-6,
  };
  const part = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m) break;
    total += Number(m[1]) * unit[m[2]!]!;
    at = part.lastIndex;
  }
  if (at === text.length && at > 0) return total;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** What the runner needs to know about any failure, whatever was thrown. */
export interface Failure {
  kind: string;
  message: string;
  status?: number;
  retryable: boolean;
  rateLimited: boolean;
  /** A 503 from a server still loading its model: waited out on its own budget. */
  loading: boolean;
  retryAfterMs?: number;
  headers?: Record<string, string>;
}

export function describeFailure(e: unknown, now: number): Failure {
  if (isTargetError(e)) {
    const { status, headers } = e.options;
    const fromHeaders = retryAfterFromHeaders(headers, now);
    const given = e.options.retryAfterMs;
    const retryAfterMs = given === undefined ? fromHeaders : Math.max(given, fromHeaders ?? 0);
    return {
      kind: e.kind,
      message: e.message,
      ...(status !== undefined && { status }),
      retryable: e.retryable,
      rateLimited: e.kind === 'rate_limit' || status === 429,
      loading: e.options.loading === true,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      ...(headers && { headers }),
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    kind: 'unknown',
    message: message || 'unknown error',
    retryable: false,
    rateLimited: false,
    loading: false,
  };
}

// Duck-typed as well: a second copy of the module (a target bundled separately) makes
// instanceof fail, and its errors must still be retried.
function isTargetError(e: unknown): e is TargetError {
  return (
    e instanceof TargetError ||
    (e instanceof Error &&
      e.name === 'TargetError' &&
      typeof (e as { kind?: unknown }).kind === 'string' &&
      'options' in e)
  );
}
