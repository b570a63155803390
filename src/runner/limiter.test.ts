import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter } from './limiter.js';
import { VirtualClock } from '../../test/kits/runner.js';

const settle = () => new Promise((r) => setImmediate(r));

describe('AdaptiveLimiter', () => {
  it('halves the window once per congestion epoch and grows it back by 1/window per success', async () => {
    const clock = new VirtualClock();
    const limiter = new AdaptiveLimiter('t', 8, clock);
    const tickets = await Promise.all(Array.from({ length: 8 }, () => limiter.acquire()));
    expect(limiter.inFlight).toBe(8);
    // Eight requests of the same burst all hit 429: one signal, one halving.
    for (const t of tickets) limiter.release(t!, 'rate-limited');
    expect(limiter.window).toBe(4);
    const next = await limiter.acquire();
    limiter.release(next!, 'rate-limited');
    expect(limiter.window).toBe(2);
    const ok = await limiter.acquire();
    limiter.release(ok!, 'ok');
    expect(limiter.window).toBe(2.5);
    for (let i = 0; i < 100; i++) limiter.release((await limiter.acquire())!, 'ok');
    expect(limiter.window).toBe(8);
    const floor = new AdaptiveLimiter('t', 1, clock);
    floor.release((await floor.acquire())!, 'rate-limited');
    expect(floor.window).toBe(1);
  });

  it('queues beyond the window, first come first served', async () => {
    const clock = new VirtualClock();
    const limiter = new AdaptiveLimiter('t', 2, clock);
    const order: number[] = [];
    const a = await limiter.acquire();
    await limiter.acquire();
    const waiting = [1, 2, 3].map((n) => limiter.acquire().then((t) => (order.push(n), t)));
    await settle();
    expect(order).toEqual([]);
    limiter.release(a!, 'ok');
    await settle();
    expect(order).toEqual([1]);
    limiter.release((await waiting[0])!, 'error');
    await settle();
    expect(order).toEqual([1, 2]);
  });

  it('stops everything during a pause and resumes when it ends', async () => {
    const clock = new VirtualClock(1000);
    const pauses: [number, string][] = [];
    const limiter = new AdaptiveLimiter('t', 4, clock, (ms, reason) => pauses.push([ms, reason]));
    limiter.pause(500, 'test');
    limiter.pause(200, 'shorter: ignored');
    const granted: number[] = [];
    await Promise.all(
      [limiter.acquire(), limiter.acquire()].map((p) => p.then(() => granted.push(clock.now()))),
    );
    expect(granted).toEqual([1500, 1500]);
    expect(pauses).toEqual([[500, 'test']]);
  });

  it('pauses when a quota header reaches zero, until its reset', async () => {
    const clock = new VirtualClock(0);
    const pauses: number[] = [];
    const limiter = new AdaptiveLimiter('t', 4, clock, (ms) => pauses.push(ms));
    limiter.observe({ 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-reset-requests': '1s' });
    expect(limiter.pausedUntil).toBe(0);
    limiter.observe({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' });
    expect(limiter.pausedUntil).toBe(360_000);
    limiter.observe({ 'x-ratelimit-remaining-requests': '0' });
    expect(pauses).toEqual([360_000]);
  });

  it('lets an aborted waiter go', async () => {
    const clock = new VirtualClock();
    const limiter = new AdaptiveLimiter('t', 1, clock);
    await limiter.acquire();
    const ctrl = new AbortController();
    const waiting = limiter.acquire(ctrl.signal);
    ctrl.abort();
    expect(await waiting).toBeNull();
    expect(await limiter.acquire(ctrl.signal)).toBeNull();
    limiter.pause(10_000, 'long');
    limiter.close();
  });
});
