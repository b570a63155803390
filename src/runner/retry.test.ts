import { describe, expect, it } from 'vitest';
import { TargetError } from '../targets/types.js';
import {
  describeFailure,
  loadingDelay,
  parseResetDuration,
  retryAfterFromHeaders,
  retryDelay,
} from './retry.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

describe('loadingDelay', () => {
  it('is equal jitter in [c/2, c) under c = min(10 s, 1 s·2^k), never below retry-after', () => {
    expect([0, 1, 2, 3, 4, 8].map((k) => loadingDelay(k, () => 0))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ]);
    expect([0, 1, 2, 3, 4].map((k) => loadingDelay(k, () => 0.5))).toEqual([750, 1500, 3000, 6000, 7500]);
    expect(loadingDelay(0, () => 0, 4000)).toBe(4000);
  });
});

describe('retryDelay', () => {
  it('is full jitter under an exponential ceiling, capped', () => {
    const policy = { baseMs: 500, capMs: 30_000 };
    expect([0, 1, 2, 3].map((a) => retryDelay(a, () => 1, policy))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelay(10, () => 1, policy)).toBe(30_000);
    expect(retryDelay(3, () => 0.25, policy)).toBe(1000);
    expect(retryDelay(0, () => 0, policy)).toBe(0);
  });

  it('never waits less than the server asked', () => {
    expect(retryDelay(0, () => 1, { baseMs: 500, capMs: 30_000 }, 7000)).toBe(7000);
    expect(retryDelay(5, () => 1, { baseMs: 500, capMs: 30_000 }, 100)).toBe(16_000);
  });
});

describe('retry-after headers', () => {
  it('reads retry-after-ms, then retry-after as seconds or an HTTP-date', () => {
    expect(retryAfterFromHeaders({ 'retry-after-ms': '250', 'retry-after': '9' }, NOW)).toBe(250);
    expect(retryAfterFromHeaders({ 'retry-after': '3' }, NOW)).toBe(3000);
    expect(retryAfterFromHeaders({ 'retry-after': '1.5' }, NOW)).toBe(1500);
    expect(retryAfterFromHeaders({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }, NOW)).toBe(5000);
    expect(retryAfterFromHeaders({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }, NOW)).toBe(0);
    expect(retryAfterFromHeaders({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
    expect(retryAfterFromHeaders({}, NOW)).toBeUndefined();
  });

  it('reads rate-limit resets as Go durations, seconds or dates', () => {
    expect(parseResetDuration('1s', NOW)).toBe(1000);
    expect(parseResetDuration('6m0s', NOW)).toBe(360_000);
    expect(parseResetDuration('120ms', NOW)).toBe(120);
    expect(parseResetDuration('0.5s', NOW)).toBe(500);
    expect(parseResetDuration('1h2m3.5s', NOW)).toBe(3_723_500);
    expect(parseResetDuration('20', NOW)).toBe(20_000);
    expect(parseResetDuration('2025-01-01T00:00:02Z', NOW)).toBe(2000);
    expect(parseResetDuration('1x', NOW)).toBeUndefined();
    expect(parseResetDuration(undefined, NOW)).toBeUndefined();
  });
});

describe('describeFailure', () => {
  it('keeps what the target said, and the longer of its retry-after and the headers', () => {
    const e = new TargetError('rate_limit', 'slow down', {
      status: 429,
      retryable: true,
      retryAfterMs: 1000,
      headers: { 'retry-after': '2' },
    });
    expect(describeFailure(e, NOW)).toMatchObject({
      kind: 'rate_limit',
      status: 429,
      retryable: true,
      rateLimited: true,
      retryAfterMs: 2000,
    });
    expect(describeFailure(new TargetError('http', 'x', { status: 429 }), NOW)).toMatchObject({
      rateLimited: true,
      retryable: false,
    });
  });

  it('makes anything else a non-retryable unknown', () => {
    expect(describeFailure(new TypeError('oops'), NOW)).toEqual({
      kind: 'unknown',
      message: 'oops',
      retryable: false,
      rateLimited: false,
      loading: false,
    });
    expect(describeFailure('text', NOW)).toMatchObject({ kind: 'unknown', message: 'text' });
  });

  it('recognises a TargetError from another copy of the module', () => {
    const foreign = Object.assign(new Error('reset'), {
      name: 'TargetError',
      kind: 'connection',
      options: { retryable: true },
      retryable: true,
    });
    expect(describeFailure(foreign, NOW)).toMatchObject({ kind: 'connection', retryable: true });
  });
});
