import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RunAbort } from './abort.js';

describe('RunAbort', () => {
  it('holds one listener on the signal however many subscribe, and calls each once', () => {
    const ctrl = new AbortController();
    const runAbort = new RunAbort(ctrl.signal);
    const calls: number[] = [];
    const fns = Array.from({ length: 50 }, (_, i) => () => calls.push(i));
    for (const fn of fns) runAbort.subscribe(fn);
    runAbort.unsubscribe(fns[7]!);
    expect(getEventListeners(ctrl.signal, 'abort')).toHaveLength(1);
    expect(runAbort.size).toBe(49);
    ctrl.abort(new Error('stop'));
    expect(calls).toHaveLength(49);
    expect(calls).not.toContain(7);
    expect(runAbort.size).toBe(0);
    // Subscribing after the abort calls at once.
    runAbort.subscribe(() => calls.push(99));
    expect(calls.at(-1)).toBe(99);
  });

  it('gives a backoff its own signal, aborted with the run, and lets go of it when done', () => {
    const ctrl = new AbortController();
    const runAbort = new RunAbort(ctrl.signal);
    const done = runAbort.child();
    done.done();
    expect(runAbort.size).toBe(0);
    const wait = runAbort.child();
    ctrl.abort(new Error('stop'));
    expect(wait.signal.aborted).toBe(true);
    expect((wait.signal.reason as Error).message).toBe('stop');
    expect(done.signal.aborted).toBe(false);
  });

  it('removes its listener on dispose', () => {
    const ctrl = new AbortController();
    const runAbort = new RunAbort(ctrl.signal);
    runAbort.subscribe(() => {});
    runAbort.dispose();
    expect(getEventListeners(ctrl.signal, 'abort')).toHaveLength(0);
    expect(new RunAbort(undefined).aborted).toBe(false);
  });
});
