import { describe, expect, it } from 'vitest';
import { applyPrivacy, hashText, redactText } from './privacy.js';
import { fakeResults } from '../../test/kits/baseline.js';

const secretOutput =
  'Mail jane.doe+work@example.co.uk or call +1 (415) 555-0134 / 020 7946 0958; card 4111 1111 1111 1111; ' +
  'key sk-proj-abcdefghijklmnopqrstuvwx1234, token ghp_abcdefghijklmnopqrstuvwxyz0123456789, AKIAIOSFODNN7EXAMPLE.';

describe('redactText', () => {
  it('removes e-mail addresses, phone numbers, card numbers and API keys', () => {
    const out = redactText(secretOutput);
    for (const secret of [
      'jane.doe',
      'example.co.uk',
      '555-0134',
      '7946',
      '4111',
      'sk-proj-',
      'ghp_',
      'AKIAIOSFODNN7EXAMPLE',
    ])
      expect(out).not.toContain(secret);
    expect(out).toBe(
      'Mail [REDACTED:email] or call [REDACTED:phone] / [REDACTED:phone]; card [REDACTED:card]; ' +
        'key [REDACTED:api-key], token [REDACTED:api-key], [REDACTED:api-key].',
    );
  });

  it('keeps ordinary text, dates, small numbers and digit runs that are not card numbers', () => {
    const text = 'On 2026-01-15 we sold 1234 units for $56.78 (order 1234567890123456, version 1.2.3).';
    expect(redactText(text)).toBe(text);
  });

  it('redacts a bearer token', () => {
    expect(redactText('Authorization: Bearer abc.def-ghi_jkl0123456789')).toBe(
      'Authorization: [REDACTED:api-key]',
    );
  });
});

describe('applyPrivacy', () => {
  const results = fakeResults([
    { id: 's', outcomes: 'PFE', outputs: [secretOutput, secretOutput, 'x@y.io'] },
  ]);
  const suite = results.suites[0]!;

  it('raw keeps everything, as a copy', () => {
    const out = applyPrivacy(suite, 'raw');
    expect(out).toEqual(suite);
    expect(out).not.toBe(suite);
  });

  it('redacted removes secrets from outputs, contexts, reasons and error messages, keeping verdicts', () => {
    const out = applyPrivacy(suite, 'redacted');
    const text = JSON.stringify(out);
    expect(text).not.toContain('jane.doe');
    expect(text).not.toContain('4111 1111');
    expect(text).not.toContain('x@y.io');
    expect(out.cases[0]!.samples[0]!.output!.contexts![0]!.text).toMatch(
      /^context for Mail \[REDACTED:email\]/,
    );
    expect(out.cases[2]!.samples[0]!.error!.message).toBe(`HTTP 500 for '[REDACTED:email]'`);
    expect(out.cases.map((c) => c.samples[0]!.status)).toEqual(['pass', 'fail', 'error']);
    expect(out.metrics).toEqual(suite.metrics);
    // The input is left alone.
    expect(suite.cases[0]!.samples[0]!.output!.output).toBe(secretOutput);
  });

  it('hash replaces output text by its SHA-256, so equal outputs stay equal and nothing is readable', () => {
    const out = applyPrivacy(suite, 'hash');
    const [a, b] = out.cases.map((c) => c.samples[0]!.output?.output);
    expect(a).toBe(hashText(secretOutput));
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a).toBe(b);
    expect(JSON.stringify(out)).not.toContain('example.co.uk');
    expect(hashText('answer')).toBe(hashText('answer'));
    expect(hashText('answer')).not.toBe(hashText('answer.'));
  });
});
