import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hasherFromEnv, KeyedHasher } from './hash.js';
import { ProductionPolicySchema } from './policy-schema.js';

const KEY = 'k'.repeat(32);

describe('keyed hashing', () => {
  it('is HMAC-SHA-256 over domain NUL value, hex', () => {
    const h = new KeyedHasher(KEY);
    const expected = createHmac('sha256', KEY).update('user\u0000alice@example.com').digest('hex');
    expect(h.hash('user', 'alice@example.com')).toBe(`hmac-sha256:${expected}`);
    // RFC 4231 test case 2 fixes the primitive itself ("Jefe" is too short for a policy key).
    expect(createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('joins within a domain, never across domains or keys', () => {
    const h = new KeyedHasher(KEY);
    expect(h.hash('user', 'u-1')).toBe(h.hash('user', 'u-1'));
    expect(h.hash('user', 'u-1')).not.toBe(h.hash('session', 'u-1'));
    expect(new KeyedHasher('x'.repeat(32)).hash('user', 'u-1')).not.toBe(h.hash('user', 'u-1'));
  });

  it('gives a stable uniform number in [0, 1) per value', () => {
    const h = new KeyedHasher(KEY);
    const xs = Array.from({ length: 4000 }, (_, i) => h.uniform('sample', `req-${i}`));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(h.uniform('sample', 'req-7')).toBe(xs[7]);
    const below = xs.filter((x) => x < 0.25).length / xs.length;
    expect(below).toBeGreaterThan(0.22);
    expect(below).toBeLessThan(0.28);
  });

  it('refuses a missing or short key, naming the variable and never a value', () => {
    const policy = ProductionPolicySchema.parse({ hashKeyEnv: 'APP_KEY' });
    expect(() => hasherFromEnv(policy, {})).toThrow(
      'the hash key is missing: set the environment variable APP_KEY (production.hashKeyEnv) to a secret of at least 16 characters; ids are never recorded unhashed',
    );
    expect(() => hasherFromEnv(policy, { APP_KEY: 'short-secret' })).toThrow(
      /^the hash key in APP_KEY is shorter than 16/,
    );
    expect(() => hasherFromEnv(policy, { APP_KEY: 'short-secret' })).not.toThrow(/short-secret/);
    expect(hasherFromEnv(policy, { APP_KEY: KEY }).hash('request', 'r')).toMatch(
      /^hmac-sha256:[0-9a-f]{64}$/,
    );
  });
});
