/**
 * Synthetic feature vectors for drift's calibration: 50 features shaped like production
 * ones (skewed continuous, discrete with ties, categorical with a long tail, rare and common
 * rates), drawn row by row from a seeded PRNG so no window is ever stored as records.
 */
import { DriftConfigSchema } from '../../src/production/drift/config.js';
import type { FeatureSpec } from '../../src/production/drift/window.js';
import { Window } from '../../src/production/drift/window.js';
import { rng, type Random } from './pii-corpus.js';

export const FEATURES = 50;
const NUMERIC = 20;
const CATEGORICAL = 15;
// The rest (15) are rates.
const LABELS = Array.from({ length: 64 }, (_, i) => `c${i}`);
const RATES = [0.003, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.95];

export const SPECS: FeatureSpec<Float64Array>[] = Array.from({ length: FEATURES }, (_, i) => {
  if (i < NUMERIC) return { name: `n${i}`, kind: 'numeric', get: (row) => row[i] };
  if (i < NUMERIC + CATEGORICAL) return { name: `c${i}`, kind: 'categorical', get: (row) => LABELS[row[i]!] };
  return { name: `r${i}`, kind: 'rate', get: (row) => row[i] === 1 };
});

/** A shift applied to the current window: `numericShift` standard deviations on feature n0. */
export interface Shift {
  numericShift?: number;
}

function normal(r: Random): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function fill(r: Random, row: Float64Array, shift: Shift): void {
  for (let i = 0; i < NUMERIC; i++) {
    const z = normal(r) + (i === 0 ? (shift.numericShift ?? 0) : 0);
    switch (i % 4) {
      case 0: // normal: latency on a log scale
        row[i] = z;
        break;
      case 1: // log-normal: lengths, cost
        row[i] = Math.exp(1 + 0.8 * z);
        break;
      case 2: // a small count with many ties: tool calls
        row[i] = Math.min(4, Math.max(0, Math.floor(1 + z)));
        break;
      default: // rounded: tokens
        row[i] = Math.round(200 + 40 * z);
    }
  }
  for (let i = NUMERIC; i < NUMERIC + CATEGORICAL; i++) {
    // Zipf-like over 2…64 categories: a few busy ones and a tail of rare ones.
    const k = 2 + ((i * 7) % 63);
    row[i] = Math.min(k - 1, Math.floor(k * r() ** (1 + (i % 3))));
  }
  for (let i = NUMERIC + CATEGORICAL; i < FEATURES; i++)
    row[i] = r() < RATES[i - NUMERIC - CATEGORICAL]! ? 1 : 0;
}

export function syntheticWindow(seed: number, size: number, shift: Shift = {}): Window<Float64Array> {
  const r = rng(seed);
  const w = new Window(SPECS);
  const row = new Float64Array(FEATURES);
  for (let j = 0; j < size; j++) {
    fill(r, row, shift);
    w.add(row);
  }
  return w;
}

export const DEFAULT_DRIFT = DriftConfigSchema.parse({});
