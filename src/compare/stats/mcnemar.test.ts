import { describe, expect, it } from 'vitest';
import { binomialHalfCdf, mcnemarExact } from './mcnemar.js';

describe('mcnemarExact', () => {
  // Fagerland, Lydersen & Laake (2013), "The McNemar test for binary matched-pairs data:
  // mid-p and asymptotic are better than exact conditional", BMC Med Res Methodol 13:91,
  // Table 1 and text: airway hyper-responsiveness before/after stem cell transplantation
  // (Bentur et al. 2009), discordant pairs 1 and 7 → exact conditional p = 0.070;
  // complete response before/after consolidation therapy (Cavo et al. 2012), discordant
  // pairs 6 and 16 → exact conditional p = 0.052.
  it.each([
    [1, 7, 0.0703],
    [6, 16, 0.0525],
  ])('b=%i c=%i → p=%f (published)', (b, c, expected) => {
    const r = mcnemarExact(b, c);
    console.log(`McNemar exact b=${b} c=${c}: p=${r.pValue.toFixed(5)} (published ${expected})`);
    expect(r.pValue).toBeCloseTo(expected, 4);
    expect(mcnemarExact(c, b).pValue).toBe(r.pValue);
  });

  it('is 1 without discordant pairs and caps at 1 when balanced', () => {
    expect(mcnemarExact(0, 0).pValue).toBe(1);
    expect(mcnemarExact(5, 5).pValue).toBe(1);
  });

  it('stays finite and exact for thousands of discordant pairs (log-space sums)', () => {
    // 2⁻²⁰⁰⁰ underflows a double; the log-space sum does not.
    // Reference values: scipy.stats.binom.cdf.
    expect(mcnemarExact(900, 1100).pValue / 8.45708953550381e-6).toBeCloseTo(1, 9);
    expect(binomialHalfCdf(1000, 2000)).toBeCloseTo(0.5089195055729272, 10);
  });
});
