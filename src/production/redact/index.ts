import type { CustomPattern, DetectorKind, ProductionPolicy } from '../policy-schema.js';
import { apiKeyDetector } from './api-key.js';
import { cardDetector } from './card.js';
import { emailDetector } from './email.js';
import { ibanDetector } from './iban.js';
import { ipDetector } from './ip.js';
import { phoneDetector } from './phone.js';
import { matches, type Detector, type Finding } from './types.js';

export type { Detector, Finding } from './types.js';

/**
 * The built-in detectors, in priority order: where two findings overlap at the same start,
 * the longer wins, and at equal length the earlier here (a custom pattern before all of
 * them). An API key full of digits is then an API key, not half a card; an Amex number
 * that is also a valid grouped phone shape is a card.
 */
export const DETECTORS: Record<DetectorKind, Detector> = {
  apiKey: apiKeyDetector,
  iban: ibanDetector,
  card: cardDetector,
  email: emailDetector,
  ip: ipDetector,
  phone: phoneDetector,
};
const PRIORITY = ['apiKey', 'iban', 'card', 'email', 'ip', 'phone'];

export function customDetector(pattern: CustomPattern): Detector {
  const re = new RegExp(pattern.pattern, `${pattern.flags}g`);
  return { kind: pattern.name, find: (text) => matches(pattern.name, text, re) };
}

export interface Redaction {
  text: string;
  /** How many values of each kind were replaced. */
  counts: Record<string, number>;
}

export interface Redactor {
  /** Every sensitive value in the text: sorted, never overlapping. */
  find(text: string): Finding[];
  /** The text with each value replaced by `[REDACTED:kind]`. */
  redact(text: string): Redaction;
}

/** A redactor with the detectors the policy turns on, and its custom patterns. */
export function createRedactor(redaction: ProductionPolicy['redaction']): Redactor {
  const detectors = [
    ...redaction.custom.map(customDetector),
    ...PRIORITY.filter((k) => redaction.detectors[k as DetectorKind]).map(
      (k) => DETECTORS[k as DetectorKind],
    ),
  ];
  const rank = new Map(detectors.map((d, i) => [d.kind, i]));
  const find = (text: string): Finding[] => {
    const all = detectors.flatMap((d) => d.find(text));
    all.sort((a, b) => a.start - b.start || b.end - a.end || rank.get(a.kind)! - rank.get(b.kind)!);
    const kept: Finding[] = [];
    for (const f of all) {
      const last = kept.at(-1);
      if (!last || f.start >= last.end) kept.push(f);
      // Overlapping but reaching further: extend, so no part of either value survives.
      else if (f.end > last.end) last.end = f.end;
    }
    return kept;
  };
  return {
    find,
    redact(text) {
      const counts: Record<string, number> = {};
      let out = '';
      let at = 0;
      for (const f of find(text)) {
        out += `${text.slice(at, f.start)}[REDACTED:${f.kind}]`;
        at = f.end;
        counts[f.kind] = (counts[f.kind] ?? 0) + 1;
      }
      return { text: out + text.slice(at), counts };
    },
  };
}
