import { describe, expect, it } from 'vitest';
import { rng } from '../../../test/helpers/pii-corpus.js';
import { normalMixtureInterval } from './normal-mixture.js';
import { quantileInterval } from './quantile.js';
import { evidenceAbove, evidenceBelow, rateRatioInterval, type RareEvent } from './rate-ratio.js';

describe('normalMixtureInterval', () => {
  it('matches the worked boundary: s² = 1, τ = 1, α = 0.05 gives ±sqrt(2 ln 800)', () => {
    const { lower, upper } = normalMixtureInterval(0.5, 1, 1, 0.05);
    expect(upper - 0.5).toBeCloseTo(Math.sqrt(2 * Math.log(800)), 12);
    expect(0.5 - lower).toBeCloseTo(3.6564, 4);
    expect(normalMixtureInterval(1, 0, 1, 0.05)).toEqual({ lower: -Infinity, upper: Infinity });
  });
});

/**
 * Seeded A/A event streams: `records` records, each the canary's with probability `share`
 * and an event with probability `rate` on either side; events carry the running share the
 * decision uses.
 */
function stream(seed: number, records: number, share: number, rate: number, looksEvery: number) {
  const r = rng(seed);
  const looks: RareEvent[][] = [];
  const events: RareEvent[] = [];
  let k = 0;
  let n = 0;
  for (let i = 1; i <= records; i++) {
    const canary = r() < share;
    if (r() < rate) events.push({ canary, share: (k + 1) / (n + 2) });
    if (canary) k++;
    n++;
    if (i % looksEvery === 0) looks.push([...events]);
  }
  return looks;
}

describe('rate ratio: sequential conditional binomial', () => {
  it('a control with no event is no free pass: the worked e-value of 10 canary events against none', () => {
    const events = Array.from({ length: 10 }, () => ({ canary: true, share: 0.5 }));
    const multipliers = [1.1, 1.25, 1.5, 2, 3, 5, 10, 30, 100, 1000];
    const expected = multipliers.reduce((a, m) => a + ((2 * m) / (m + 1)) ** 10, 0) / multipliers.length;
    expect(evidenceAbove(events, 1)).toBeCloseTo(expected, 8);
    expect(expected).toBeGreaterThan(2 / (0.05 / 6)); // a rollback at α = 0.05 over six triggers
    const ci = rateRatioInterval(events, 0.05 / 6);
    expect(ci.lower).toBeGreaterThan(1);
    expect(ci.upper).toBe(Infinity);
    expect(evidenceBelow(events, 1)).toBeLessThan(1);
  });

  it('A/A over 50 looks, even and 1:4 traffic splits: each side rejects at most α of the time', () => {
    const alpha = 0.1;
    for (const share of [0.5, 0.2]) {
      const runs = 800;
      let above = 0;
      let below = 0;
      for (let s = 0; s < runs; s++) {
        const looks = stream(100 + s, 5000, share, 0.02, 100);
        if (looks.some((e) => evidenceAbove(e, 1) >= 1 / alpha)) above++;
        if (looks.some((e) => evidenceBelow(e, 1) >= 1 / alpha)) below++;
      }
      console.log(
        `rate ratio A/A, share ${share}, 50 looks: false "above" ${above / runs}, false "below" ${below / runs} (α ${alpha})`,
      );
      expect(above / runs).toBeLessThanOrEqual(alpha);
      expect(below / runs).toBeLessThanOrEqual(alpha);
    }
  }, 120_000);

  it('its interval holds the true ratio and excludes 1 for a doubled rate with enough events', () => {
    const r = rng(5);
    const events: RareEvent[] = [];
    for (let i = 0; i < 20_000; i++) {
      const canary = i % 2 === 0;
      if (r() < (canary ? 0.04 : 0.02)) events.push({ canary, share: 0.5 });
    }
    const ci = rateRatioInterval(events, 0.05);
    expect(ci.lower).toBeGreaterThan(1.2);
    expect(ci.lower).toBeLessThan(2);
    expect(ci.upper).toBeGreaterThan(2);
    expect(ci.upper).toBeLessThan(3.5);
    expect(rateRatioInterval([], 0.05)).toEqual({ lower: 0, upper: Infinity });
  });
});

describe('quantileInterval', () => {
  it('covers the true p95 at every one of 40 looks in at least 1 − α of seeded runs', () => {
    const alpha = 0.1;
    const truth = Math.exp(6.5 + 0.5 * 1.6448536269514722);
    const runs = 300;
    let missed = 0;
    for (let s = 0; s < runs; s++) {
      const r = rng(900 + s);
      const values: number[] = [];
      let miss = false;
      for (let look = 1; look <= 40 && !miss; look++) {
        for (let i = 0; i < 50; i++)
          values.push(Math.exp(6.5 + 0.5 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
        const ci = quantileInterval(
          [...values].sort((a, b) => a - b),
          0.95,
          alpha,
        );
        if (truth < ci.lower || truth >= ci.upper) miss = true;
      }
      if (miss) missed++;
    }
    console.log(`p95 confidence sequence, 40 looks: missed in ${missed / runs} of runs (α ${alpha})`);
    expect(missed / runs).toBeLessThanOrEqual(alpha);
  }, 120_000);

  it('brackets the sample quantile by order statistics and narrows as values accrue', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const ci = quantileInterval(values, 0.95, 0.05);
    expect(ci.estimate).toBe(950);
    expect(ci.lower).toBeLessThan(950);
    expect(ci.upper).toBeGreaterThan(950);
    expect(ci.lower).toBeGreaterThan(900);
    expect(ci.upper).toBeLessThan(990);
    const more = quantileInterval(
      Array.from({ length: 10_000 }, (_, i) => (i + 1) / 10),
      0.95,
      0.05,
    );
    expect((more.upper - more.lower) / 1000).toBeLessThan((ci.upper - ci.lower) / 1000);
    // 20 values cannot bound a p95 from above
    expect(quantileInterval(values.slice(0, 20), 0.95, 0.05).upper).toBe(Infinity);
    expect(quantileInterval([], 0.95, 0.05).upper).toBe(Infinity);
  });
});
