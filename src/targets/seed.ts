import { hash } from 'node:crypto';

/** Seeds stay in [0, 2³¹ − 1]: every server that takes a seed accepts a positive 32-bit int. */
const SEED_MASK = 0x7fffffff;

/**
 * The seed sample `sample` of a case is sent with, given the configured `base` seed.
 *
 *   seed(base, 0) = base
 *   seed(base, k) = the first 4 bytes of SHA-256("evalgate-seed:" + base + ":" + k), read as a
 *                   big-endian uint32, & 0x7fffffff                                (k ≥ 1)
 *
 * Why: with one seed for every sample, a server that honours seeds (llama.cpp, vLLM) answers
 * `repeat: 3` with three copies, which the statistics would count as three independent
 * samples. Sample 0 keeps the configured seed, so single-sample runs send what they always
 * sent and their cached answers stay valid. SHA-256 rather than an ad-hoc integer mix: anyone
 * can recompute a sample's seed in any language from the Results document's `index`.
 * A re-sampling run starts its indices at an offset (RunOptions.sampleOffset), so its seeds
 * differ from the original samples'.
 */
export function sampleSeed(base: number, sample: number): number {
  if (sample === 0) return base;
  const digest = hash('sha256', `evalgate-seed:${base}:${sample}`, 'buffer');
  return digest.readUInt32BE(0) & SEED_MASK;
}

/**
 * The base seed of targets that have no configured seed (http, command): their apps receive
 * `sampleSeed(UNSEEDED_BASE, index)`, so sample 0 is seed 0.
 */
export const UNSEEDED_BASE = 0;
