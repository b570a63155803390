/**
 * A confidence sequence for a difference (or a log ratio) estimated with an approximately
 * normal error: Robbins' normal-mixture boundary, the statistic of mSPRT (Johari, Pekelis and
 * Walsh, "Always valid inference", 2017).
 *
 * With an estimate θ̂ of θ whose variance is s², mixing the likelihood ratio over
 * θ ~ N(θ₀, τ²) gives
 *
 *   Λ = sqrt(s² / (s² + τ²)) · exp(τ² (θ̂ − θ₀)² / (2 s² (s² + τ²)))
 *
 * a martingale under θ = θ₀ when θ̂ is a running normal mean; by Ville's inequality
 * P(Λ ever ≥ 1/α) ≤ α, at every look however many there are. The θ₀ it does not reject
 * form the sequence
 *
 *   θ̂ ± sqrt(s² (s² + τ²) / τ² · ln((s² + τ²) / (s² α²)))
 *
 * s² is estimated from the data (a plug-in), so the guarantee is asymptotic (time-uniform
 * central limit theory, Waudby-Smith et al. 2021); the seeded A/A simulations in the tests
 * measure it at the sample sizes a canary sees. τ, the scale of effects the test is tuned
 * for, comes from the trigger's tolerance, fixed before any data: never from the data.
 */
export function normalMixtureInterval(
  estimate: number,
  variance: number,
  tau: number,
  alpha: number,
): { lower: number; upper: number } {
  if (!(variance > 0)) return { lower: -Infinity, upper: Infinity };
  const t2 = tau * tau;
  const radius = Math.sqrt(
    ((variance * (variance + t2)) / t2) * Math.log((variance + t2) / (variance * alpha * alpha)),
  );
  return { lower: estimate - radius, upper: estimate + radius };
}
