import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from './normal.js';

describe('normal distribution', () => {
  it('matches tabulated values', () => {
    expect(normalCdf(-1)).toBeCloseTo(0.158655253931457, 14);
    expect(normalCdf(-3)).toBeCloseTo(0.00134989803163009, 15);
    expect(normalCdf(-8) / 6.22096057427174e-16).toBeCloseTo(1, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 10);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it('inverts itself', () => {
    for (const p of [1e-9, 0.01, 0.2, 0.5, 0.8, 0.99])
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 9);
  });
});
