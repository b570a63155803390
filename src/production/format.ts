// Numbers as the production reports write them; no imports, so any production module can use it.

/** A rate as a percentage to 3 significant digits, trailing zeros dropped (0.9512 → `95.1 %`); null is `–`. */
export function pct(x: number | null): string {
  return x === null ? '–' : `${+(x * 100).toPrecision(3)} %`;
}
