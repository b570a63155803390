import { createHmac } from 'node:crypto';
import { UsageError } from '../config/errors.js';
import type { ProductionPolicy } from './policy-schema.js';

/** The shortest key accepted: HMAC-SHA-256 with a key any shorter is open to guessing the key. */
export const MIN_KEY_LENGTH = 16;

/** What a keyed hash stands for; part of the hashed message, so equal values of two kinds never join. */
export type HashDomain = 'user' | 'session' | 'request' | 'text' | 'sample';

/**
 * Keyed hashing of identifiers and text: HMAC-SHA-256 (RFC 2104) over `domain NUL value`,
 * as `hmac-sha256:<64 hex>`.
 *
 * Keyed, unlike the baselines' plain SHA-256: a user id or an e-mail address is guessable,
 * and anyone could confirm a guess against an unkeyed hash. With the key kept in the
 * application's secrets, records still join (the same id always gives the same hash) and
 * nobody without the key can tell whose they are. Rotating the key breaks joins across the
 * rotation, which is the point of rotating it.
 */
export class KeyedHasher {
  readonly #key: Buffer;

  constructor(key: string) {
    if (key.length < MIN_KEY_LENGTH)
      throw new UsageError(`the hash key is shorter than ${MIN_KEY_LENGTH} characters`);
    this.#key = Buffer.from(key, 'utf8');
  }

  hash(domain: HashDomain, value: string): string {
    return `hmac-sha256:${this.#digest(domain, value).toString('hex')}`;
  }

  /** A number in [0, 1) from the keyed hash: the same value always gives the same number. */
  uniform(domain: HashDomain, value: string): number {
    return this.#digest(domain, value).readUIntBE(0, 6) / 2 ** 48;
  }

  #digest(domain: HashDomain, value: string): Buffer {
    return createHmac('sha256', this.#key).update(`${domain}\u0000${value}`, 'utf8').digest();
  }
}

/**
 * The hasher keyed by the environment variable the policy names. Missing, empty or short
 * key: an error that names the variable (never a value), and nothing is recorded.
 */
export function hasherFromEnv(
  policy: ProductionPolicy,
  env: Record<string, string | undefined>,
): KeyedHasher {
  const name = policy.hashKeyEnv;
  const key = env[name];
  if (!key)
    throw new UsageError(
      `the hash key is missing: set the environment variable ${name} (production.hashKeyEnv) to a secret of at least ${MIN_KEY_LENGTH} characters; ids are never recorded unhashed`,
    );
  if (key.length < MIN_KEY_LENGTH)
    throw new UsageError(
      `the hash key in ${name} is shorter than ${MIN_KEY_LENGTH} characters: use a long random secret (e.g. \`openssl rand -hex 32\`)`,
    );
  return new KeyedHasher(key);
}
