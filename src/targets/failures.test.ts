import { describe, expect, it } from 'vitest';
import { abortError, isModelLoading, retryAfterMs, startDeadline, statusError } from './failures.js';

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('prefers retry-after-ms, then retry-after as seconds or an HTTP date', () => {
    expect(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
    expect(retryAfterMs({ 'retry-after': '1.5' }, now)).toBe(1500);
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' }, now)).toBe(7000);
    expect(retryAfterMs({ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, now)).toBe(0);
    expect(retryAfterMs({ 'retry-after-ms': 'soon', 'retry-after': '2' }, now)).toBe(2000);
    expect(retryAfterMs({ 'retry-after': 'whenever' }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });
});

describe('statusError', () => {
  it('retries 429, 408, 409 and 5xx; honours x-should-retry', () => {
    const table = [429, 408, 409, 500, 502, 400, 401, 403, 404, 422].map((status) => {
      const e = statusError(status, { 'retry-after': '1' }, `HTTP ${status}`);
      return [status, e.kind, e.retryable, e.options.retryAfterMs];
    });
    expect(table).toEqual([
      [429, 'rate_limit', true, 1000],
      [408, 'http', true, 1000],
      [409, 'http', true, 1000],
      [500, 'http', true, 1000],
      [502, 'http', true, 1000],
      [400, 'http', false, undefined],
      [401, 'http', false, undefined],
      [403, 'http', false, undefined],
      [404, 'http', false, undefined],
      [422, 'http', false, undefined],
    ]);
    expect(statusError(500, { 'x-should-retry': 'false' }, '').retryable).toBe(false);
    expect(statusError(400, { 'x-should-retry': 'true' }, '').retryable).toBe(true);
  });
});

describe('a server loading its model', () => {
  it("reads llama.cpp's and TGI's 503s as loading, and nothing else", () => {
    expect(isModelLoading(503, '503 Loading model')).toBe(true);
    expect(
      isModelLoading(503, 'POST http://x/ask: HTTP 503: {"error":"Model foo/bar is currently loading"}'),
    ).toBe(true);
    expect(isModelLoading(503, 'Service Unavailable')).toBe(false);
    expect(isModelLoading(500, 'Loading model')).toBe(false);
    const e = statusError(503, { 'x-should-retry': 'false' }, '503 Loading model');
    expect(e.options).toMatchObject({ loading: true, retryable: true });
    expect(statusError(503, {}, 'overloaded').options.loading).toBeUndefined();
  });
});

describe('startDeadline', () => {
  it('tells its own timeout from the caller cancelling, and lets go of the caller signal', async () => {
    const run = new AbortController();
    const timed = startDeadline(run.signal, 20);
    await new Promise((r) => timed.signal.addEventListener('abort', r));
    expect(abortError(timed, run.signal, 20)).toMatchObject({ kind: 'timeout', retryable: true });
    timed.clear();

    const cancelled = startDeadline(run.signal, 10_000);
    run.abort();
    expect(cancelled.signal.aborted).toBe(true);
    expect(abortError(cancelled, run.signal, 10_000)).toMatchObject({ kind: 'timeout', retryable: false });
    cancelled.clear();

    const fromTimeoutSignal = AbortSignal.abort(new DOMException('t', 'TimeoutError'));
    const d = startDeadline(fromTimeoutSignal, 10_000);
    expect(abortError(d, fromTimeoutSignal, 10_000).retryable).toBe(true);
    d.clear();
  });
});
