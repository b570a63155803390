/**
 * The one place that builds an Octokit. Everything else depends on the narrowed `GitHubApi`
 * (./api.ts), built over the Octokit this returns.
 *
 * The client retries what is worth retrying and nothing else:
 * - rate limits (primary: 403/429 with `x-ratelimit-remaining: 0`; secondary: 403 "secondary
 *   rate limit") through @octokit/plugin-throttling, honouring `retry-after` / the reset time,
 *   up to `retries` times and only while the wait is at most `maxRetryAfterSeconds`;
 * - 5xx and network failures through @octokit/plugin-retry, with quadratic backoff.
 * 4xx other than rate limits fail at once: they need a person (see describeGitHubError).
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export type GitHubOctokit = ReturnType<typeof getOctokit>;

/** Where the client reports retries and waits. Messages never contain the token. */
export interface GitHubLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface GitHubClientOptions {
  token: string;
  /** REST API root: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  baseUrl: string;
  userAgent?: string;
  log?: GitHubLog;
  /** Retries for rate limits and for 5xx (default 3). */
  retries?: number;
  /** A rate-limit wait longer than this fails instead of blocking the job (default 120 s). */
  maxRetryAfterSeconds?: number;
  /**
   * Milliseconds per second of `retry-after` and of backoff (default 1000). Tests shrink it so a
   * `retry-after: 1` costs milliseconds.
   */
  msPerSecond?: number;
  /**
   * Space write requests one second apart, as GitHub asks of integrations to avoid secondary
   * rate limits (default true). Tests against a local fake turn it off.
   */
  spaceWrites?: boolean;
  /** The fetch to use; defaults to @actions/github's (proxy-aware) one, or the global fetch on loopback. */
  fetch?: typeof fetch;
}

const silent: GitHubLog = { debug: () => {}, info: () => {}, warn: () => {} };

/** A limiter group with the shape plugin-throttling calls, that never waits. */
const unthrottled = {
  key: () => ({
    schedule: <T>(_options: unknown, task: (...args: unknown[]) => T | Promise<T>, ...args: unknown[]) =>
      Promise.resolve().then(() => task(...args)),
  }),
};

/** A loopback API is never github.com: tests, and local fakes. */
export function isLoopback(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

interface RetriedRequest {
  method: string;
  url: string;
}

export function createGitHubClient(options: GitHubClientOptions): GitHubOctokit {
  const log = options.log ?? silent;
  const retries = options.retries ?? 3;
  const maxWait = options.maxRetryAfterSeconds ?? 120;
  const msPerSecond = options.msPerSecond ?? 1000;

  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: RetriedRequest, _octokit: unknown, retryCount: number): boolean => {
      const what = `${request.method} ${request.url}`;
      if (retryCount >= retries) {
        log.warn(`GitHub ${kind} on ${what}: giving up after ${retryCount} retries.`);
        return false;
      }
      if (retryAfter > maxWait) {
        log.warn(`GitHub ${kind} on ${what}: retry-after ${retryAfter}s exceeds ${maxWait}s; not waiting.`);
        return false;
      }
      log.warn(
        `GitHub ${kind} on ${what}: retrying in ${retryAfter}s (retry ${retryCount + 1} of ${retries}).`,
      );
      return true;
    };

  const fetchImpl = options.fetch ?? (isLoopback(options.baseUrl) ? globalThis.fetch : undefined);
  const spaceWrites = options.spaceWrites ?? true;

  return getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      log: {
        debug: (message: string) => log.debug(message),
        info: (message: string) => log.info(message),
        warn: (message: string) => log.warn(message),
        error: (message: string) => log.warn(message),
      },
      ...(fetchImpl ? { request: { fetch: fetchImpl } } : {}),
      retry: { retries, retryAfterBaseValue: msPerSecond },
      throttle: {
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
        retryAfterBaseValue: msPerSecond,
        ...(spaceWrites ? {} : { write: unthrottled, notifications: unthrottled }),
      },
    } as Parameters<typeof getOctokit>[1],
    retry,
    throttling,
  );
}
