import type { Detector, Finding } from './types.js';

/**
 * International Bank Account Numbers (ISO 13616): a country code, two check digits and a
 * country-specific BBAN, written compact or in groups of four. A candidate is an IBAN when
 *  1. its country is in the IBAN registry and it has exactly that country's length
 *     (`LENGTHS`, from the SWIFT IBAN registry), and
 *  2. mod-97 holds: move the first four characters to the end, replace each letter by
 *     two digits (A = 10 … Z = 35), and the number modulo 97 is 1.
 * The length is what lets a grouped IBAN end exactly where it does: "DE89 3704 0044 0532
 * 0130 00 and more" stops after its 22nd character rather than taking "and" along.
 */
export const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

const START = /(?<![A-Za-z0-9])([A-Z]{2})(\d{2})/g;

/** ISO 7064 MOD 97-10 over the rearranged IBAN, computed piecewise so no big integers are needed. */
export function ibanChecksumValid(compact: string): boolean {
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    rest = value >= 10 ? (rest * 100 + value) % 97 : (rest * 10 + value) % 97;
  }
  return rest === 1;
}

export const ibanDetector: Detector = {
  kind: 'iban',
  find(text) {
    const out: Finding[] = [];
    START.lastIndex = 0;
    for (let m = START.exec(text); m; m = START.exec(text)) {
      const length = IBAN_LENGTHS[m[1]!];
      if (!length) continue;
      // Read `length` alphanumerics from the start, allowing single spaces between them.
      let compact = '';
      let i = m.index;
      while (i < text.length && compact.length < length) {
        const ch = text[i]!;
        if (/[A-Za-z0-9]/.test(ch)) compact += ch.toUpperCase();
        else if (ch === ' ' && compact.length > 0 && /[A-Za-z0-9]/.test(text[i + 1] ?? '')) {
          // a single space between groups
        } else break;
        i++;
      }
      if (compact.length !== length || /[A-Za-z0-9]/.test(text[i] ?? '')) continue;
      if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact) || !ibanChecksumValid(compact)) continue;
      out.push({ kind: 'iban', start: m.index, end: i });
      START.lastIndex = i;
    }
    return out;
  },
};
