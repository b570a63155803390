import type { Clock } from './clock.js';
import { parseResetDuration } from './retry.js';

/** Held while a request is in flight; says which congestion epoch it started in. */
export interface Ticket {
  readonly epoch: number;
}

export type Outcome = 'ok' | 'rate-limited' | 'error';

/**
 * One per target: how many requests may be in flight against it, and whether it is paused.
 *
 * The window follows AIMD, as TCP congestion control does: a 429 halves it, each success
 * grows it by 1/window (about +1 per window's worth of successes) back up to `max`. A burst
 * of 429s from requests that were all in flight together is one congestion signal, not many:
 * a 429 only halves the window if its request started after the last halving (the epoch).
 *
 * A pause (a 429's retry-after, or a quota header at zero) stops *every* request to the target
 * until it ends, because the quota is the target's, not the request's. Waiters queue in
 * arrival order; one timer per limiter wakes them when a pause ends.
 */
export class AdaptiveLimiter {
  private windowSize: number;
  private active = 0;
  private pausedUntilMs = 0;
  private epoch = 0;
  private readonly waiters: Waiter[] = [];
  private timerArmed = false;
  private readonly closed = new AbortController();

  constructor(
    readonly name: string,
    readonly max: number,
    private readonly clock: Clock,
    /** Called when a pause starts (not when a running pause is extended), with its length. */
    private readonly onPause?: (ms: number, reason: string) => void,
  ) {
    this.windowSize = Math.max(1, max);
  }

  get window(): number {
    return this.windowSize;
  }
  get inFlight(): number {
    return this.active;
  }
  get pausedUntil(): number {
    return this.pausedUntilMs;
  }

  /** Resolves with a ticket once a request may start; with null if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<Ticket | null> {
    if (signal?.aborted || this.closed.signal.aborted) return Promise.resolve(null);
    if (this.waiters.length === 0 && !this.paused() && this.active < this.limit()) {
      return Promise.resolve(this.grant());
    }
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(null);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.drain();
    });
  }

  release(ticket: Ticket, outcome: Outcome): void {
    this.active--;
    if (outcome === 'ok') {
      this.windowSize = Math.min(this.max, this.windowSize + 1 / this.windowSize);
    } else if (outcome === 'rate-limited' && ticket.epoch === this.epoch) {
      this.windowSize = Math.max(1, this.windowSize / 2);
      this.epoch++;
    }
    this.drain();
  }

  /** Stops new requests for `ms`; a longer pause already running is kept. */
  pause(ms: number, reason: string): void {
    const now = this.clock.now();
    const until = now + ms;
    if (until <= this.pausedUntilMs) return;
    const wasPaused = this.pausedUntilMs > now;
    this.pausedUntilMs = until;
    if (!wasPaused && ms > 0) this.onPause?.(ms, reason);
  }

  /**
   * Reads the OpenAI-style quota headers a response carried: when the requests or tokens left
   * in the current window reach zero, pause until the window resets.
   */
  observe(headers: Record<string, string> | undefined): void {
    if (!headers) return;
    const requests = headers['x-ratelimit-remaining-requests'];
    if (requests !== undefined) this.quota('requests', requests, headers['x-ratelimit-reset-requests']);
    const tokens = headers['x-ratelimit-remaining-tokens'];
    if (tokens !== undefined) this.quota('tokens', tokens, headers['x-ratelimit-reset-tokens']);
  }

  private quota(what: string, remaining: string, resetText: string | undefined): void {
    if (remaining.trim() === '' || Number(remaining) > 0) return;
    // No reset given: a second is the shortest quota window providers use.
    const reset = parseResetDuration(resetText, this.clock.now()) ?? 1000;
    this.pause(reset, `x-ratelimit-remaining-${what} is 0 (resets in ${resetText ?? '?'})`);
  }

  /**
   * Cancels the pause timer so an aborted run does not wait for it, and turns every waiter
   * (and any later `acquire`) away with null. The runner calls it when the run is aborted:
   * one subscription per limiter rather than one abort listener per waiter.
   */
  close(): void {
    this.closed.abort();
    for (const w of this.waiters.splice(0)) {
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve(null);
    }
  }

  private limit(): number {
    return Math.max(1, Math.floor(this.windowSize));
  }

  private paused(): boolean {
    return this.pausedUntilMs > this.clock.now();
  }

  private grant(): Ticket {
    this.active++;
    return { epoch: this.epoch };
  }

  private drain(): void {
    if (this.waiters.length === 0) return;
    if (this.paused()) {
      this.armTimer();
      return;
    }
    while (this.waiters.length > 0 && this.active < this.limit()) {
      const w = this.waiters.shift()!;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve(this.grant());
    }
  }

  private armTimer(): void {
    if (this.timerArmed || this.closed.signal.aborted) return;
    this.timerArmed = true;
    void this.clock.sleep(this.pausedUntilMs - this.clock.now(), this.closed.signal).then(() => {
      this.timerArmed = false;
      if (!this.closed.signal.aborted) this.drain();
    });
  }
}

interface Waiter {
  resolve(ticket: Ticket | null): void;
  signal: AbortSignal | undefined;
  onAbort?: () => void;
}
