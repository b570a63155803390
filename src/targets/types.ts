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
  /** 0-based sample index (for `repeat: n`). */
  sample: number;
}

/**
 * The full request a target will send, as plain JSON. The response cache key is the hash of
 * target name + this + the sample index, so everything that can change the answer must be in it.
 */
export interface PreparedRequest {
  target: string;
  kind: TargetInfo['kind'];
  body: unknown;
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
    } = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}
