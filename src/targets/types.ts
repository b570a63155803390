import type { ContextItem, TargetInfo, TargetOutput } from '../results/types.js';

/** What a target needs to know about one case sample. */
export interface CaseInput {
  suite: string;
  caseId: string;
  vars: Record<string, unknown>;
  expected?: unknown;
  reference?: string;
  context?: ContextItem[];
  tags: Record<string, string | string[]>;
  /**
   * The sample index: 0-based within the case (for `repeat: n`), plus the run's
   * `sampleOffset`. A target derives the seed it sends from it (see seed.ts).
   */
  sample: number;
}

/**
 * The full request a target will send, as plain JSON. The response cache key is the hash of
 * target name + `target`, `kind` and `body` + the sample index, so everything that can change
 * the answer must be in those (or follow from the sample index, as `seed` does).
 */
export interface PreparedRequest {
  target: string;
  kind: TargetInfo['kind'];
  body: unknown;
  /**
   * The seed this request carries (openai: the body's `seed`; http and command: sent beside the
   * body), recorded in the Results. Left out of the cache key: the body and the sample index
   * already determine it.
   */
  seed?: number;
  /** The sample index (CaseInput.sample), for targets that pass it on beside the body. Not in the cache key either. */
  sample?: number;
}

export interface InvokeOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

export interface InvokeResult {
  output: TargetOutput;
  /** Response headers (lower-cased), read by the adaptive rate limiter (`x-ratelimit-*`). */
  headers?: Record<string, string>;
}

/** The system under test. One module per kind: openai, http, command. */
export interface Target {
  readonly name: string;
  readonly info: TargetInfo;
  /**
   * The server answers a request the same way every time (an openai target at temperature 0),
   * whatever seed it carries: `repeat: n` gets n copies, not n samples. The runner warns when
   * it sees them.
   */
  readonly deterministic?: boolean;
  /** Builds the request for a case. Pure and synchronous; throws ConfigError on a missing var. */
  prepare(input: CaseInput): PreparedRequest;
  /** Sends it. Throws TargetError on any failure. */
  invoke(request: PreparedRequest, options: InvokeOptions): Promise<InvokeResult>;
  close?(): Promise<void>;
}

export type TargetErrorKind =
  'timeout' | 'http' | 'connection' | 'malformed' | 'empty' | 'rate_limit' | 'process' | 'unknown';

/** A failed request. The runner retries it when `retryable`, waiting at least `retryAfterMs`. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(
    readonly kind: TargetErrorKind,
    message: string,
    readonly options: {
      status?: number;
      retryable?: boolean;
      retryAfterMs?: number;
      headers?: Record<string, string>;
      /** A 503 from a server still loading its model: worth waiting out (see isModelLoading). */
      loading?: boolean;
    } = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}
