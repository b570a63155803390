import { hash } from 'node:crypto';
import type { PreparedRequest } from '../targets/types.js';

/**
 * The response cache key: sha256(canonicalJson({ target, request: { body, kind, target },
 * sample })), byte for byte what `util/hash.ts` gives (the tests hold the two together),
 * computed in one pass. canonicalJson copies the whole request into key-sorted objects before
 * stringifying it; at 100,000 cached cases that copy was a fifth of the replay time.
 *
 * The request's `seed` and `sample` are left out: both follow from the sample index, which is
 * in the key, and leaving them out keeps the keys of requests cached before they existed.
 */
export function cacheKey(target: string, request: PreparedRequest, sample: number): string {
  // Keys in sorted order: request (body, kind, target), sample, target.
  const text = `{"request":${requestText(request)},"sample":${canonical(sample) ?? 'null'},"target":${JSON.stringify(target)}}`;
  return hash('sha256', text, 'hex');
}

const REQUEST_KEYS = ['body', 'kind', 'target'] as const;

function requestText(request: PreparedRequest): string {
  let out = '{';
  for (const key of REQUEST_KEYS) {
    const text = canonical(request[key]);
    if (text === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}"${key}":${text}`;
  }
  return `${out}}`;
}

/** JSON.stringify with object keys sorted at every level; undefined where JSON.stringify gives undefined. */
export function canonical(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i) out += ',';
          out += canonical(value[i]) ?? 'null';
        }
        return `${out}]`;
      }
      if (value instanceof Date) return JSON.stringify(value);
      const keys = sortedKeys(value);
      let out = '{';
      let first = true;
      for (const key of keys) {
        const text = canonical((value as Record<string, unknown>)[key]);
        if (text === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
        first = false;
      }
      return `${out}}`;
    }
    case 'bigint':
      return JSON.stringify(value); // throws, as JSON.stringify does
    default:
      return undefined; // undefined, functions, symbols
  }
}

const INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * The order canonicalJson's key-sorted copy enumerates in: sorted, except that integer-like
 * keys ("0", "10") come first in numeric order, as JavaScript enumerates any object's keys.
 * Object.keys already lists those first, in that order.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  let k = 0;
  while (k < keys.length && INDEX.test(keys[k]!) && Number(keys[k]) < 4294967295) k++;
  return k === 0 ? keys.sort() : keys.slice(0, k).concat(keys.slice(k).sort());
}
