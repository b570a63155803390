import { describe, expect, it } from 'vitest';
import { sampleSeed } from './seed.js';

describe('sampleSeed', () => {
  it('keeps the configured seed for sample 0', () => {
    expect(sampleSeed(42, 0)).toBe(42);
    expect(sampleSeed(-7, 0)).toBe(-7);
  });

  it('is the first 31 bits of SHA-256("evalgate-seed:<seed>:<k>") for k ≥ 1 (worked examples)', () => {
    // sha256("evalgate-seed:42:1") starts b5b9dcde: 0xb5b9dcde & 0x7fffffff = 901373150.
    expect(sampleSeed(42, 1)).toBe(0x35b9dcde);
    expect(sampleSeed(42, 1)).toBe(901373150);
    // sha256("evalgate-seed:42:1000") starts 984f4440.
    expect(sampleSeed(42, 1000)).toBe(0x184f4440);
    // sha256("evalgate-seed:0:1") starts 123af20f.
    expect(sampleSeed(0, 1)).toBe(0x123af20f);
  });

  it('gives distinct seeds in [0, 2³¹) across samples', () => {
    const seeds = Array.from({ length: 2000 }, (_, k) => sampleSeed(7, k + 1));
    expect(new Set(seeds).size).toBe(2000);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
  });
});
