/** Time as the runner sees it: injected so tests run on virtual time and never really sleep. */
export interface Clock {
  /** Milliseconds on the wall clock (HTTP-date retry-after values are compared with it). */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts: never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` after `ms` unless cancelled first. Cheaper than `sleep` with an AbortController
   * (no AbortSignal, no DOMException), which matters once per request.
   */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  // Sub-millisecond resolution, still on the wall clock's scale.
  now: () => performance.timeOrigin + performance.now(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    });
  },
  setTimer(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};
