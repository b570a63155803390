/**
 * Calibration of `evalgate drift` (issue 13, Show): over seeded A/A windows of 50 features,
 * the chance of any alarm per check stays at or below α, at every window size; a stated
 * shift is caught, and a negligible one is not alarmed even where it is significant.
 *
 * Repetitions fall as windows grow (each 100,000-record pair costs about a second); the
 * 1,000,000-record size runs only with EVALGATE_DRIFT_1M=1 (about 25 s a pair). The measured
 * rates are printed, and quoted in the README.
 */
import { describe, expect, it } from 'vitest';
import { compareWindows, type DriftReport } from '../../src/production/drift/drift.js';
import { DEFAULT_DRIFT, FEATURES, SPECS, syntheticWindow, type Shift } from '../helpers/drift-synthetic.js';

const ALPHA = DEFAULT_DRIFT.alpha;

function check(seed: number, size: number, shift: Shift = {}): DriftReport {
  return compareWindows(
    syntheticWindow(1_000_003 * seed + 1, size),
    syntheticWindow(1_000_003 * seed + 2, size, shift),
    SPECS,
    DEFAULT_DRIFT,
  );
}

const A_A: [size: number, repetitions: number][] = [
  [100, 300],
  [1_000, 80],
  [10_000, 10],
  [100_000, 1],
  ...(process.env.EVALGATE_DRIFT_1M === '1' ? ([[1_000_000, 1]] as [number, number][]) : []),
];

describe('drift calibration: 50 features, A/A', () => {
  it('has 50 features of every kind', () => {
    expect(SPECS).toHaveLength(FEATURES);
    expect(new Set(SPECS.map((s) => s.kind))).toEqual(new Set(['numeric', 'categorical', 'rate']));
  });

  it.each(A_A)('%i records a window: the chance of any alarm per check is at most α', (size, reps) => {
    let alarms = 0;
    let significant = 0;
    let maxPsi = 0;
    for (let seed = 0; seed < reps; seed++) {
      const report = check(seed, size);
      expect(report.windows).toEqual({ reference: size, current: size });
      if (report.alarms.length) alarms++;
      if (report.features.some((f) => f.pAdjusted <= ALPHA)) significant++;
      for (const f of report.features)
        if (f.effect.measure === 'psi') maxPsi = Math.max(maxPsi, f.effect.value);
    }
    console.log(
      `A/A ${size} records × ${reps} checks: any alarm ${alarms}/${reps}, any Holm-significant ${significant}/${reps}, largest PSI ${maxPsi.toFixed(4)}`,
    );
    expect(alarms / reps).toBeLessThanOrEqual(ALPHA);
    // Holm alone keeps the family-wise rate near α (two standard errors of slack).
    if (reps >= 80)
      expect(significant / reps).toBeLessThanOrEqual(ALPHA + 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / reps));
    // On large windows the effect threshold alone rules an A/A alarm out.
    if (size >= 10_000) expect(maxPsi).toBeLessThan(DEFAULT_DRIFT.psi / 4);
  });
});

describe('drift power: a shift of 0.5 standard deviations in one of 50 features (PSI ≈ 0.25)', () => {
  const POWER: [size: number, repetitions: number, atLeast: number][] = [
    [100, 100, 0],
    [1_000, 30, 0.95],
    [10_000, 5, 1],
    [100_000, 1, 1],
  ];
  it.each(POWER)('%i records a window: detected in the stated share of checks', (size, reps, atLeast) => {
    let caught = 0;
    let others = 0;
    for (let seed = 0; seed < reps; seed++) {
      const report = check(10_000 + seed, size, { numericShift: 0.5 });
      if (report.alarms.includes('n0')) caught++;
      others += report.alarms.filter((a) => a !== 'n0').length;
    }
    console.log(`shift 0.5 sd, ${size} records × ${reps} checks: caught ${caught}/${reps}`);
    expect(caught / reps).toBeGreaterThanOrEqual(atLeast);
    expect(others).toBe(0);
    if (size === 100) expect(caught).toBeGreaterThan(0);
  });

  it('a negligible shift (0.05 sd, PSI ≈ 0.003) on 100,000 records: significant, not an alarm', () => {
    const report = check(20_000, 100_000, { numericShift: 0.05 });
    const n0 = report.features.find((f) => f.feature === 'n0')!;
    expect(n0.pAdjusted).toBeLessThan(ALPHA);
    expect(n0.status).toBe('significant');
    expect(report.alarms).toEqual([]);
    expect(report.status).toBe('stable');
  });
});
