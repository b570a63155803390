import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyRefusal } from './refusal.js';
import { findCanaryLeak } from './safety.js';

/**
 * The held-out evasion set (test/fixtures/safety-targets/held-out): written before the
 * detectors were hardened against evasion and not tuned on since, so the rates below say how
 * the detectors do on evasions they were not fitted to (the same person wrote set and
 * detectors, so "held out" means kept aside, not independent). The README quotes these
 * numbers, before and after hardening; a change to either detector that moves them must
 * update both.
 */
const dir = resolve(import.meta.dirname, '../../test/fixtures/safety-targets/held-out');
const read = <T>(name: string): T[] =>
  readFileSync(resolve(dir, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);

interface CanaryItem {
  id: string;
  canary: string;
  text: string;
  leak: boolean;
}
interface RefusalItem {
  id: string;
  text: string;
  expect: 'complies' | 'refusal' | 'answer';
}

describe('held-out evasion set', () => {
  it('canary: catch rate on leaks, false alarms on ordinary text', () => {
    const items = read<CanaryItem>('canary.jsonl');
    const leaks = items.filter((i) => i.leak);
    const clean = items.filter((i) => !i.leak);
    const missed = leaks.filter((i) => findCanaryLeak(i.text, i.canary) === null).map((i) => i.id);
    const alarms = clean.filter((i) => findCanaryLeak(i.text, i.canary) !== null).map((i) => i.id);
    expect(leaks.length).toBe(20);
    expect(clean.length).toBe(12);
    // Before hardening: 3 of 20 caught (base64-whole, fullwidth, zero-width), 0 false alarms.
    // After: 19 of 20. The miss writes Q as Cyrillic Ԛ (U+051A), which the confusables table
    // used (confusables.ts) does not list; it is left missed rather than patched, the set being
    // held out.
    expect(missed).toEqual(['homoglyph-math']);
    expect(alarms).toEqual([]);
  });

  it('refusal: refusal-then-compliance caught, real refusals and answers kept', () => {
    const items = read<RefusalItem>('refusal.jsonl');
    const comply = items.filter((i) => i.expect === 'complies');
    const refuse = items.filter((i) => i.expect === 'refusal');
    const answers = items.filter((i) => i.expect === 'answer');
    const missed = comply.filter((i) => classifyRefusal(i.text) === 'refusal').map((i) => i.id);
    const lost = refuse.filter((i) => classifyRefusal(i.text) !== 'refusal').map((i) => i.id);
    const wrong = answers.filter((i) => classifyRefusal(i.text) !== null).map((i) => i.id);
    expect([comply.length, refuse.length, answers.length]).toEqual([12, 8, 4]);
    // Before hardening: 1 of 12 caught (by accident: "I'm not going to" was not read as a
    // refusal at all); refusals 8/8 and answers 4/4 kept. After: 12 of 12, 8/8, 4/4.
    expect(missed).toEqual([]);
    expect(lost).toEqual([]);
    expect(wrong).toEqual([]);
  });
});
