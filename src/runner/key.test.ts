import { describe, expect, it } from 'vitest';
import type { PreparedRequest } from '../targets/types.js';
import { canonicalJson, sha256 } from '../util/hash.js';
import { canonical, cacheKey } from './key.js';

/** mulberry32: the same "random" values every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 6 : 9));
  const text = () =>
    ['', 'a', 'Zeta', 'é✓', 'line\nbreak', '"q"', '\u0000', 'b', 'aa'][Math.floor(random() * 9)]!;
  switch (pick) {
    case 0:
      return text();
    case 1:
      return Math.floor(random() * 2000) - 1000;
    case 2:
      return random() * 1e6;
    case 3:
      return random() < 0.5;
    case 4:
      return null;
    case 5:
      return random() < 0.5 ? undefined : NaN;
    case 6:
    case 7: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(random() * 5);
      for (let i = 0; i < n; i++)
        out[text() + String(Math.floor(random() * 3))] = randomValue(random, depth + 1);
      return out;
    }
    default:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  }
}

describe('cacheKey', () => {
  it('equals sha256(canonicalJson({ target, request, sample })) (fixed-seed property test)', () => {
    const random = rng(1234);
    for (let i = 0; i < 500; i++) {
      const request = { target: 't', kind: 'openai', body: randomValue(random) } as PreparedRequest;
      const sample = Math.floor(random() * 5);
      expect(cacheKey('app', request, sample)).toBe(
        sha256(canonicalJson({ target: 'app', request, sample })),
      );
    }
  });

  it('serialises like canonicalJson, including the edge cases', () => {
    const when = new Date('2025-01-02T03:04:05Z');
    for (const v of [
      { b: 1, a: [undefined, () => 1, { d: undefined, c: when }] },
      [],
      {},
      'x',
      -0,
      1e21,
      { é: 1, e: 2 },
    ]) {
      expect(canonical(v)).toBe(canonicalJson(v));
    }
    expect(canonical(undefined)).toBeUndefined();
  });

  it("leaves out the request's seed and sample, which follow from the sample index", () => {
    const request: PreparedRequest = { target: 'app', kind: 'http', body: { q: 1 } };
    const key = cacheKey('app', request, 3);
    expect(cacheKey('app', { ...request, seed: 1234, sample: 3 }, 3)).toBe(key);
    expect(key).toBe(sha256(canonicalJson({ target: 'app', request, sample: 3 })));
  });

  it('separates repeats: the sample index is part of the key', () => {
    const request: PreparedRequest = { target: 'app', kind: 'http', body: { q: 1 } };
    expect(cacheKey('app', request, 0)).not.toBe(cacheKey('app', request, 1));
    expect(cacheKey('app', request, 0)).not.toBe(cacheKey('other', request, 0));
  });
});
