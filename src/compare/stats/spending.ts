import { normalCdf, normalQuantile } from './normal.js';

/**
 * Splitting α across the stages of a sequential test, so that re-sampling an inconclusive
 * result and testing again does not raise the false-alarm rate above α.
 *
 * Design: a two-(or K-)stage group-sequential test. Stage 1 is the ordinary comparison;
 * if it is inconclusive, the runner re-samples the discordant cases (both arms) up to a call
 * budget and stage 2 tests the fresh samples only. Each stage k is tested at its own
 * nominal level αₖ, and since
 *
 *   P(false alarm at any stage) ≤ Σₖ P(false alarm at stage k) ≤ Σₖ αₖ = α
 *
 * (Bonferroni over stages), the overall rate stays at α whatever the dependence between
 * stages — in particular it does not matter that stage 2 looks only at cases selected by
 * stage 1, because the stage-2 test uses only fresh, independent samples of those cases.
 * Exact group-sequential boundaries would spend slightly less, but need the joint
 * distribution of the stage statistics, which depends on how many cases get re-sampled.
 *
 * The αₖ come from a Lan–DeMets spending function α(t) at information fractions tₖ
 * (the share of the planned samples available at look k, t_K = 1): αₖ = α(tₖ) − α(tₖ₋₁).
 *
 *   bonferroni       α(t) = α · t                          (linear: equal split for equal looks)
 *   pocock           α(t) = α · ln(1 + (e − 1) t)          (Lan & DeMets 1983, Pocock-type)
 *   obrien-fleming   α(t) = 2 − 2Φ(z₁₋α/₂ / √t)            (Lan & DeMets 1983, O'Brien–Fleming-type)
 *
 * O'Brien–Fleming spends almost nothing early, so stage 1 keeps little power; for a gate
 * whose first stage is the everyday check, Pocock or a weighted Bonferroni split is the
 * better fit. Every function spends exactly α by t = 1.
 */
export type SpendingFunction = 'bonferroni' | 'pocock' | 'obrien-fleming';

export function alphaSpent(alpha: number, t: number, spending: SpendingFunction): number {
  if (t <= 0) return 0;
  if (t >= 1) return alpha;
  switch (spending) {
    case 'bonferroni':
      return alpha * t;
    case 'pocock':
      return alpha * Math.log(1 + (Math.E - 1) * t);
    case 'obrien-fleming':
      return 2 - 2 * normalCdf(normalQuantile(1 - alpha / 2) / Math.sqrt(t));
  }
}

/**
 * Nominal α for each stage. `stages` is either a number of equally spaced looks or the
 * increasing information fractions of each look (the last is taken to be 1).
 */
export function splitAlpha(
  alpha: number,
  stages: number | readonly number[],
  spending: SpendingFunction = 'pocock',
): number[] {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const fractions =
    typeof stages === 'number' ? Array.from({ length: stages }, (_, k) => (k + 1) / stages) : [...stages];
  if (fractions.length === 0) throw new RangeError('at least one stage');
  for (let k = 0; k < fractions.length; k++) {
    const t = fractions[k]!;
    if (!(t > 0 && t <= 1) || (k > 0 && t <= fractions[k - 1]!)) {
      throw new RangeError(`information fractions must increase within (0, 1], got ${fractions.join(', ')}`);
    }
  }
  fractions[fractions.length - 1] = 1;
  let spent = 0;
  return fractions.map((t) => {
    const cumulative = alphaSpent(alpha, t, spending);
    const increment = cumulative - spent;
    spent = cumulative;
    return increment;
  });
}
