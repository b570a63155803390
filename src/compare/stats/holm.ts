/**
 * Holm's step-down adjustment (Holm 1979), controlling the family-wise error rate across
 * the tested metrics of one suite (each suite is its own family: see verdict.ts,
 * `adjustWithinSuites`).
 *
 * With the m p-values sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎,
 *
 *   p̃₍ᵢ₎ = min(1, maxⱼ≤ᵢ (m − j + 1) · p₍ⱼ₎)
 *
 * and a hypothesis is rejected at level α when p̃ ≤ α. Uniformly more powerful than
 * Bonferroni and valid under any dependence between the tests — metrics of one suite are
 * computed on the same cases, so they are far from independent.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((i, j) => pValues[i]! - pValues[j]! || i - j);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}
