import type { LoadedSuite } from '../../config/load.js';
import { caseInput } from '../../config/targets.js';
import type { Target } from '../../targets/types.js';
import type { ResponseCache } from '../cache.js';
import { cacheKey } from '../key.js';

/** One request of a batch: its cache key and the body as it would be sent live. */
export interface BatchRequest {
  /** The response cache key of the request (key.ts): what identifies it, and its answer. */
  key: string;
  body: unknown;
}

/**
 * Every request a run of `suites` would send to `target`, in document order: each case's
 * samples rendered exactly as the runner renders them (the same `prepare`, the same sample
 * indices), minus those the response cache already answers. Identical requests (same body
 * and sample index: the cache would answer the second from the first) are sent once.
 */
export async function collectRequests(
  target: Target,
  suites: readonly LoadedSuite[],
  cache: ResponseCache | null,
  sampleOffset: number,
): Promise<{ requests: BatchRequest[]; cached: number }> {
  const requests: BatchRequest[] = [];
  const seen = new Set<string>();
  let cached = 0;
  for (const suite of suites) {
    if (suite.target !== target.name) continue;
    for (const c of suite.cases) {
      for (let position = 0; position < c.repeat; position++) {
        const index = sampleOffset + position;
        const request = target.prepare(caseInput(suite, c, index));
        const key = cacheKey(target.name, request, index);
        if (seen.has(key)) continue;
        seen.add(key);
        if (cache && (await cachedAnswer(cache, key))) {
          cached++;
          continue;
        }
        requests.push({ key, body: request.body });
      }
    }
  }
  return { requests, cached };
}

/**
 * Whether the run will answer `key` from the cache: read as the runner reads it (not the
 * cheaper `has`), so an entry that does not parse goes into the batch rather than being left
 * to a live call at full price.
 */
async function cachedAnswer(cache: ResponseCache, key: string): Promise<boolean> {
  try {
    return (await cache.get(key)) !== undefined;
  } catch {
    return false; // an unreadable entry is a miss, as the runner treats it
  }
}
