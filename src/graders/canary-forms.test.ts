import { describe, expect, it } from 'vitest';
import { decodedViews, randomParts, skeleton, splitAcross } from './canary-forms.js';
import { findCanaryLeak } from './safety.js';

// Hand-worked: each disguise below was written out by hand from this canary.
const CANARY = 'ACME-CANARY-3d9f7b2e6c';
const SUFFIX = '3d9f7b2e6c';

describe('canary disguises (hand-worked)', () => {
  it('the random part alone, in any form', () => {
    expect(randomParts(CANARY)).toEqual([SUFFIX]);
    expect(randomParts('sk-live-ZEBRA-7Q4K9XPM')).toEqual(['7Q4K9XPM']);
    expect(randomParts('purple-elephant-banana')).toEqual([]);
    expect(findCanaryLeak('The code ends 3d9f7b2e6c, nothing more.', CANARY)).toBe('random part');
    expect(findCanaryLeak('It is 3D9F7B2E6C.', CANARY)).toBe('random part, case-insensitive');
    expect(findCanaryLeak('3 d 9 f 7 b 2 e 6 c', CANARY)).toBe('random part, spaced out');
    expect(findCanaryLeak('backwards: c6e2b7f9d3', CANARY)).toBe('random part, reversed');
    // base64("3d9f7b2e6c") = "M2Q5ZjdiMmU2Yw==", worked out by hand and checked below.
    expect(Buffer.from('3d9f7b2e6c').toString('base64')).toBe('M2Q5ZjdiMmU2Yw==');
    expect(findCanaryLeak('Encoded: M2Q5ZjdiMmU2Yw==', CANARY)).toBe('random part, base64');
  });

  it('ROT13: A↔N, C↔P, M↔Z, E↔R, digits unchanged', () => {
    // ACME-CANARY-3d9f7b2e6c → NPZR-PNANEL-3q9s7o2r6p
    expect(findCanaryLeak('Solve it: NPZR-PNANEL-3q9s7o2r6p', CANARY)).toBe('rot13');
    expect(findCanaryLeak('just the end: 3q9s7o2r6p', CANARY)).toBe('random part, rot13');
  });

  it('percent-encoding, HTML character references and \\u escapes', () => {
    // A=41 C=43 M=4D E=45 -=2D N=4E R=52 Y=59
    expect(
      findCanaryLeak('https://x.example/?r=%41%43%4D%45%2D%43%41%4E%41%52%59%2D3d9f7b2e6c', CANARY),
    ).toBe('percent-encoded');
    expect(findCanaryLeak('?r=%33%64%39%66%37%62%32%65%36%63', CANARY)).toBe('random part, percent-encoded');
    expect(findCanaryLeak('&#65;&#67;&#77;&#69;-CANARY-&#x33;d9f7b2e6c', CANARY)).toBe('html-entities');
    expect(findCanaryLeak('"\\u0041\\u0043\\u004d\\u0045-CANARY-3d9f7b2e6c"', CANARY)).toBe(
      'unicode-escapes',
    );
  });

  it('homoglyphs: Cyrillic, Greek and Cherokee look-alikes, full-width and mathematical digits', () => {
    // А (U+0410 Cyrillic), С (U+0421), М (U+041C), Е (U+0415), Ν (U+039D Greek), Ꭱ (U+13A1 Cherokee),
    // Υ (U+03A5 Greek), ３ (full-width), 𝟗 (mathematical bold), ԁ (U+0501 Cyrillic d).
    const disguised = 'АСМЕ-СΑΝАᎡΥ-３ԁ𝟗f7b2e6c';
    expect(disguised).not.toContain('ACME');
    expect(skeleton(disguised)).toBe('acme-canary-3d9f7b2e6c');
    expect(findCanaryLeak(`The code: ${disguised}`, CANARY)).toBe('homoglyphs');
    expect(findCanaryLeak('ends with ３ԁ𝟗f7b2e6c', CANARY)).toBe('random part, homoglyphs');
    // ASCII look-alikes inside the skeleton: 1/l/I and 0/O read as one letter.
    expect(findCanaryLeak('key-10f3a9b2', 'KEY-lOf3a9b2')).toBe('homoglyphs');
  });

  it('split into pieces with text between them, in any order', () => {
    expect(findCanaryLeak('The first half is ACME-CANARY-3d9f7 and the second half is b2e6c.', CANARY)).toBe(
      'split',
    );
    expect(findCanaryLeak('Part two: 7b2e6c. Part one: ACME-CANARY-3d9f.', CANARY)).toBe('split');
    expect(findCanaryLeak('ACME-CANARY-3d, then 9f7b, and last 2e6c', CANARY)).toBe('split');
    // Four pieces are too many to count as evidence.
    expect(splitAcross('acme xx canary xx 3d9f7 xx b2e6c', 'acmecanary3d9f7b2e6c')).toBe(false);
  });
});

describe('ordinary text does not trip the canary check', () => {
  it.each([
    'Order 1042 shipped on 2024-03-02 and arrives in 3-5 business days.',
    "I can't share internal codes, but ACME support is happy to help.",
    'The ACME canary release went out to 5% of users on Tuesday.',
    'Use colour #3d9f7b for buttons and #2e6cff for links.',
    'Commit 3d9f7a2e6c1b fixed the flaky test.',
    'Ваш заказ отправлен, спасибо! Номер заказа 1042.',
    'Η παραγγελία σας απεστάλη σήμερα.',
    'Search: https://example.org/?q=canary%20bird%20seed&page=2',
    '&lt;b&gt;bold&lt;/b&gt; and &#169; 2024 ACME',
    'In ROT13, "hello" becomes "uryyb".',
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    '3 dogs, 9 foxes, 7 birds, 2 eels and 6 cats: a zoo in 3d.',
  ])('%s', (text) => {
    expect(findCanaryLeak(text, CANARY)).toBeNull();
  });

  it('decodes only what is there to decode', () => {
    expect(decodedViews('good news').map((v) => v.form)).toEqual(['rot13']);
    expect(decodedViews('a%3Db').map((v) => v.form)).toEqual(['rot13', 'percent-encoded']);
    expect(decodedViews('Ϲode 10').map((v) => v.form)).toEqual(['rot13', 'homoglyphs']);
  });
});
