import { wilsonInterval, type Interval } from './wilson.js';

/**
 * Newcombe's interval for the difference of two paired proportions (Newcombe 1998,
 * "Improved confidence intervals for the difference between binomial proportions based on
 * paired data", Stat Med 17:2635–50, method 10): the square-and-add combination of the two
 * Wilson intervals, with a correction for the correlation between the arms.
 *
 * Paired table: a = both arms succeed, b = first only, c = second only, d = neither;
 * n = a + b + c + d, p₁ = (a + b)/n, p₂ = (a + c)/n, θ = p₁ − p₂ = (b − c)/n.
 * With (l₁, u₁), (l₂, u₂) the Wilson limits of p₁ and p₂:
 *
 *   L = θ − √( (p₁ − l₁)² − 2φ(p₁ − l₁)(u₂ − p₂) + (u₂ − p₂)² )
 *   U = θ + √( (u₁ − p₁)² − 2φ(u₁ − p₁)(p₂ − l₂) + (p₂ − l₂)² )
 *
 * φ is the phi coefficient of the table with Newcombe's continuity correction, D = ad − bc:
 *
 *   φ = (D − n/2)/√((a+b)(c+d)(a+c)(b+d))   if D > n/2
 *   φ = 0                                   if 0 ≤ D ≤ n/2
 *   φ = D/√((a+b)(c+d)(a+c)(b+d))           if D < 0
 *   φ = 0                                   if any margin is 0
 *
 * This matches the published method-10 limits (0.0562, 0.3292) for Newcombe's example
 * a=20, b=12, c=2, d=16; the uncorrected φ gives his method 8 instead.
 */
export interface PairedTable {
  a: number;
  b: number;
  c: number;
  d: number;
}

export interface PairedDifference extends Interval {
  /** θ = p₁ − p₂. */
  estimate: number;
  phi: number;
}

export function newcombePairedDifference(t: PairedTable, alpha = 0.05): PairedDifference {
  const { a, b, c, d } = t;
  const n = a + b + c + d;
  if (n === 0) return { estimate: 0, lower: -1, upper: 1, phi: 0 };
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const w1 = wilsonInterval(a + b, n, alpha);
  const w2 = wilsonInterval(a + c, n, alpha);
  const phi = correctedPhi(t);
  const theta = p1 - p2;
  const dl1 = p1 - w1.lower;
  const du1 = w1.upper - p1;
  const dl2 = p2 - w2.lower;
  const du2 = w2.upper - p2;
  const lower = theta - Math.sqrt(Math.max(0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const upper = theta + Math.sqrt(Math.max(0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2));
  return { estimate: theta, lower: Math.max(-1, lower), upper: Math.min(1, upper), phi };
}

function correctedPhi({ a, b, c, d }: PairedTable): number {
  const n = a + b + c + d;
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  if (margins === 0) return 0;
  const D = a * d - b * c;
  if (D > n / 2) return (D - n / 2) / Math.sqrt(margins);
  if (D >= 0) return 0;
  return D / Math.sqrt(margins);
}
