import { normalQuantile } from './normal.js';

/**
 * Wilson score interval for a single proportion (Wilson 1927; Newcombe 1998a, method 3).
 *
 * With p̂ = x/n and z = Φ⁻¹(1 − α/2):
 *
 *   centre    = (p̂ + z²/2n) / (1 + z²/n)
 *   halfWidth = z / (1 + z²/n) · √( p̂(1 − p̂)/n + z²/4n² )
 *
 * Unlike the Wald interval it never leaves [0, 1] and keeps its coverage near 0 and 1,
 * which is exactly where pass rates of a healthy suite live.
 */
export interface Interval {
  lower: number;
  upper: number;
}

export function wilsonInterval(successes: number, n: number, alpha = 0.05): Interval {
  if (n <= 0) return { lower: 0, upper: 1 };
  if (successes < 0 || successes > n)
    throw new RangeError(`successes must be in [0, ${n}], got ${successes}`);
  const z = zFor(alpha);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp rounding: at x = 0 or x = n one limit is exactly 0 or 1.
  return {
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === n ? 1 : Math.min(1, centre + half),
  };
}

const zCache = new Map<number, number>();

/** z₁₋α/₂, cached: the gate asks for the same one or two levels thousands of times. */
export function zFor(alpha: number): number {
  let z = zCache.get(alpha);
  if (z === undefined) {
    z = normalQuantile(1 - alpha / 2);
    zCache.set(alpha, z);
  }
  return z;
}
