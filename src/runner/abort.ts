/**
 * The run's cancellation, fanned out to whatever is waiting on it through one listener.
 *
 * Why: every request in flight, every retry backoff and every limiter waiter must stop when
 * the run is aborted. Each adding its own listener to the caller's long-lived signal put 32
 * listeners on it at concurrency 32, and Node warns past 10 ("MaxListenersExceededWarning:
 * Possible EventTarget memory leak detected"). Here the signal has exactly one listener,
 * added at construction and removed by `dispose()`; subscribers are a Set (O(1) to add and
 * remove on the hot path), each removed when its request ends.
 *
 * Invariants: a subscriber is called at most once; one that subscribes after the abort is
 * called at once; after `dispose()` the caller's signal holds no listener of ours.
 */
export class RunAbort {
  private readonly subscribers = new Set<() => void>();
  private readonly onAbort = () => {
    const called = [...this.subscribers];
    this.subscribers.clear();
    for (const fn of called) fn();
  };

  constructor(private readonly signal: AbortSignal | undefined) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  get reason(): unknown {
    return this.signal?.reason;
  }

  /** How many are waiting (a test's view of the leak this class exists to prevent). */
  get size(): number {
    return this.subscribers.size;
  }

  /** Calls `fn` when the run is aborted (now, if it already is). Undo with `unsubscribe(fn)`. */
  subscribe(fn: () => void): void {
    if (this.aborted) fn();
    else this.subscribers.add(fn);
  }

  unsubscribe(fn: () => void): void {
    this.subscribers.delete(fn);
  }

  /** A signal of its own for one wait (a backoff sleep), aborted with the run. Call `done` after. */
  child(): { signal: AbortSignal; done: () => void } {
    const ctrl = new AbortController();
    const abort = () => ctrl.abort(this.reason);
    this.subscribe(abort);
    return { signal: ctrl.signal, done: () => this.unsubscribe(abort) };
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.subscribers.clear();
  }
}
