/**
 * An anytime-valid comparison of two rare-event rates: the conditional binomial test made
 * sequential.
 *
 * Events (errors, safety events) of the canary and control, taken in the order they
 * happened: given that an event happened while the canary received a share s of the traffic,
 * it is the canary's with probability
 *
 *   π(ρ, s) = ρ s / (ρ s + 1 − s),   ρ = canary rate ÷ control rate.
 *
 * To test H₀: ρ ≤ R (the tolerated ratio), each event multiplies, for an alternative ρ₁ > R,
 * the likelihood ratio by π(ρ₁, s)/π(R, s) if the canary's, (1 − π(ρ₁, s))/(1 − π(R, s)) if
 * control's: a nonnegative supermartingale under H₀ (its expected factor is ≤ 1 whenever the
 * true π ≤ π(R, s)). An equal-weight mixture over ρ₁ = R·m, m in MULTIPLIERS, is one too, so
 * by Ville's inequality P(it ever reaches 1/α) ≤ α: the false-rollback bound holds at every
 * look, however many. The lower side (ρ < R, evidence the canary is within tolerance) mirrors
 * it with ρ₁ = R/m.
 *
 * Why this and not a rank test or a normal approximation: only events carry information
 * about a rare rate, and this test counts nothing else; it is exact at 3 events as at 3,000;
 * and a control with no event at all is no free pass: with equal traffic and R = 1, each
 * canary event against none doubles the evidence (about ten events roll back at α = 0.05
 * split over six triggers).
 *
 * The share s is what each event's time says: the canary's share of the records before it
 * (with one pseudo-record each side), so a traffic split that ramps (1 %, 5 %, 25 %) is
 * followed; it is predictable (known before the event), as the supermartingale needs.
 */
export interface RareEvent {
  canary: boolean;
  /** The canary's share of traffic when the event happened, in (0, 1). */
  share: number;
}

/** Alternatives mixed, as multiples of the null ratio: from a 10 % rise to a thousandfold one. */
const MULTIPLIERS = [1.1, 1.25, 1.5, 2, 3, 5, 10, 30, 100, 1000];

function pi(rho: number, s: number): number {
  return (rho * s) / (rho * s + 1 - s);
}

function logMixture(events: readonly RareEvent[], nullRatio: number, direction: 1 | -1): number {
  const logs = MULTIPLIERS.map((m) => {
    const alt = direction === 1 ? nullRatio * m : nullRatio / m;
    let sum = 0;
    for (const e of events) {
      const p0 = pi(nullRatio, e.share);
      const p1 = pi(alt, e.share);
      sum += e.canary ? Math.log(p1 / p0) : Math.log((1 - p1) / (1 - p0));
    }
    return sum;
  });
  const max = Math.max(...logs);
  return max + Math.log(logs.reduce((acc, l) => acc + Math.exp(l - max), 0) / logs.length);
}

/** The e-value against ρ ≤ R: large when the canary's rate is above R times control's. */
export function evidenceAbove(events: readonly RareEvent[], ratio: number): number {
  return Math.exp(logMixture(events, ratio, 1));
}

/** The e-value against ρ ≥ R: large when the canary's rate is below R times control's. */
export function evidenceBelow(events: readonly RareEvent[], ratio: number): number {
  return Math.exp(logMixture(events, ratio, -1));
}

/**
 * The rate ratios neither side rejects at α/2 each: a 1 − α confidence sequence for ρ.
 * Lower 0 when the data cannot exclude any small ratio, upper Infinity when they cannot
 * exclude a large one (no control event yet).
 */
export function rateRatioInterval(
  events: readonly RareEvent[],
  alpha: number,
): { lower: number; upper: number } {
  const threshold = Math.log(2 / alpha);
  const lo = Math.log(1e-4);
  const hi = Math.log(1e4);
  const crossing = (rejects: (logR: number) => boolean, rejectedAtLow: boolean) => {
    let a = lo;
    let b = hi;
    for (let i = 0; i < 30; i++) {
      const mid = (a + b) / 2;
      if (rejects(mid) === rejectedAtLow) a = mid;
      else b = mid;
    }
    return Math.exp((a + b) / 2);
  };
  const above = (logR: number) => logMixture(events, Math.exp(logR), 1) >= threshold;
  const below = (logR: number) => logMixture(events, Math.exp(logR), -1) >= threshold;
  const lower = above(lo) ? (above(hi) ? Infinity : crossing(above, true)) : 0;
  const upper = below(hi) ? (below(lo) ? 0 : crossing(below, false)) : Infinity;
  return { lower, upper };
}
