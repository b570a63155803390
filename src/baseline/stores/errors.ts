/** The store could not be read or written (git failed, the API refused, retries ran out). */
export class BaselineStoreError extends Error {
  override readonly name = 'BaselineStoreError';
}

/** Exponential backoff with full jitter, so writers that collided do not collide again in step. */
export function backoffDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  return Math.round(random() * baseMs * 2 ** Math.min(attempt, 8));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
