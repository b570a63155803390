import { describe, expect, it } from 'vitest';
import {
  numericIdSample,
  otherNumberSample,
  PII_KINDS,
  piiSample,
  rng,
  timestampSample,
  type Sample,
} from '../../../test/helpers/pii-corpus.js';
import { ProductionPolicySchema } from '../policy-schema.js';
import { createRedactor, type Finding } from './index.js';

/**
 * The detectors against a labelled, generated corpus (test/helpers/pii-corpus.ts), with a
 * fixed seed: recall per kind (the planted value is wholly inside a finding of its kind)
 * must reach 99 %, and the false-positive rate on timestamps and numeric ids (any finding of
 * any kind touching the number) must stay at or under 1 %. The figures are printed.
 */
const PER_KIND = 2000;
const NEGATIVES = 5000;
const redactor = createRedactor(ProductionPolicySchema.parse({}).redaction);

const covers = (f: Finding, s: Sample) => f.start <= s.start && f.end >= s.end;
const touches = (f: Finding, s: Sample) => f.start < s.end && f.end > s.start;

describe('redaction corpus (seeded)', () => {
  const figures: Record<string, string> = {};

  for (const kind of PII_KINDS) {
    it(`finds ${kind} with recall >= 99 %`, () => {
      const r = rng(1000 + PII_KINDS.indexOf(kind));
      const missed: Sample[] = [];
      for (let i = 0; i < PER_KIND; i++) {
        const s = piiSample(r, kind);
        const found = redactor.find(s.text).some((f) => f.kind === kind && covers(f, s));
        if (!found) missed.push(s);
        // Whatever kind it was taken for, nothing of it may survive redaction.
        expect(redactor.redact(s.text).text).not.toContain(s.value);
      }
      const recall = 1 - missed.length / PER_KIND;
      figures[kind] = `recall ${(recall * 100).toFixed(2)} % (${PER_KIND - missed.length}/${PER_KIND})`;
      expect(
        recall,
        `missed, e.g.: ${missed
          .slice(0, 5)
          .map((m) => m.text)
          .join(' | ')}`,
      ).toBeGreaterThanOrEqual(0.99);
    });
  }

  for (const [label, make, seed] of [
    ['timestamps', timestampSample, 7],
    ['numeric ids', numericIdSample, 8],
    ['other numbers (dates, times, versions, amounts, coordinates)', otherNumberSample, 10],
  ] as const) {
    it(`flags at most 1 % of ${label}`, () => {
      const r = rng(seed);
      const flagged: string[] = [];
      for (let i = 0; i < NEGATIVES; i++) {
        const s = make(r);
        const hits = redactor.find(s.text).filter((f) => touches(f, s));
        if (hits.length) flagged.push(`${s.text} (${hits.map((h) => h.kind).join(',')})`);
      }
      const rate = flagged.length / NEGATIVES;
      figures[label] = `false positives ${(rate * 100).toFixed(2)} % (${flagged.length}/${NEGATIVES})`;
      expect(rate, `flagged, e.g.: ${flagged.slice(0, 5).join(' | ')}`).toBeLessThanOrEqual(0.01);
    });
  }

  // The limit of any detector without context: a bare number with no label, uniformly
  // random, passes Luhn one time in ten, and about half of those have a card network's
  // prefix and length. Such a number is redacted (it may be a card); measured, not hidden.
  it('redacts some unlabelled random 12-19 digit numbers (the Luhn base rate), and says how many', () => {
    const r = rng(9);
    let flagged = 0;
    for (let i = 0; i < NEGATIVES; i++) {
      const value = `${1 + Math.floor(r() * 9)}${Array.from({ length: 11 + Math.floor(r() * 8) }, () => Math.floor(r() * 10)).join('')}`;
      if (redactor.find(`see ${value} above`).length) flagged++;
    }
    const rate = flagged / NEGATIVES;
    figures['unlabelled random numbers'] = `flagged ${(rate * 100).toFixed(2)} % (${flagged}/${NEGATIVES})`;
    expect(rate).toBeGreaterThan(0.01);
    expect(rate).toBeLessThan(0.06);
  });

  it('prints the measured figures', () => {
    console.log(
      Object.entries(figures)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n'),
    );
    expect(Object.keys(figures)).toHaveLength(PII_KINDS.length + 4);
  });
});
