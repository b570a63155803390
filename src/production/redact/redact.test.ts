import { describe, expect, it } from 'vitest';
import { ProductionPolicySchema } from '../policy-schema.js';
import { luhnValid } from '../../util/luhn.js';
import { networkPrefix } from './card.js';
import { ibanChecksumValid } from './iban.js';
import { createRedactor } from './index.js';

const all = createRedactor(ProductionPolicySchema.parse({}).redaction);
const kinds = (text: string) => all.find(text).map((f) => `${f.kind}:${text.slice(f.start, f.end)}`);

describe('card detector', () => {
  it('checks Luhn and the network prefix and length', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(networkPrefix('4111111111111111')).toBe(true);
    // Mastercard's 2-series (2221-2720) and a 12-digit Maestro.
    expect(networkPrefix('2221000000000009')).toBe(true);
    expect(networkPrefix('2720990000000007')).toBe(true);
    expect(networkPrefix('2721000000000000')).toBe(false);
    expect(networkPrefix('501800000009')).toBe(true);
    // Amex is 15 digits only; nothing is issued under a leading 1.
    expect(networkPrefix('3782822463100050')).toBe(false);
    expect(networkPrefix('1700000000000000')).toBe(false);
  });

  it('finds cards written compact, in fours or as Amex prints them, and 2-series Mastercard', () => {
    expect(kinds('pay with 4111 1111 1111 1111 please')).toEqual(['card:4111 1111 1111 1111']);
    expect(kinds('card 5555-5555-5555-4444.')).toEqual(['card:5555-5555-5555-4444']);
    expect(kinds('amex 3782 822463 10005')).toEqual(['card:3782 822463 10005']);
    expect(kinds('mc 2223003122003222')).toEqual(['card:2223003122003222']);
    expect(kinds('19 digits 4000000000000000006')).toEqual(['card:4000000000000000006']);
  });

  it('does not take a millisecond timestamp, a Luhn-invalid number or a labelled id for a card', () => {
    // 1733540000000 ms is 2024-12-07; Luhn-valid by construction below, still not a card.
    expect(luhnValid('1733540000002')).toBe(true);
    expect(kinds('ts=1733540000002 ok')).toEqual([]);
    expect(kinds('4111111111111112')).toEqual([]);
    expect(kinds('Order #4111111111111111 shipped')).toEqual([]);
    expect(kinds('"orderId": 4111111111111111')).toEqual([]);
    expect(kinds('confirmation number is 4111111111111111')).toEqual([]);
    expect(kinds('order 112-4111111-1111111')).toEqual([]);
    // Grouped as cards are printed, a label does not make it an id.
    expect(kinds('Order #4111 1111 1111 1111')).toEqual(['card:4111 1111 1111 1111']);
    // …unless card words say otherwise.
    expect(kinds('order paid with card 4111111111111111')).toEqual(['card:4111111111111111']);
  });
});

describe('IBAN detector', () => {
  it('checks mod-97 and the country length, and stops where the IBAN ends', () => {
    expect(ibanChecksumValid('DE89370400440532013000')).toBe(true);
    expect(ibanChecksumValid('DE89370400440532013001')).toBe(false);
    expect(kinds('IBAN DE89 3704 0044 0532 0130 00 and more')).toEqual(['iban:DE89 3704 0044 0532 0130 00']);
    expect(kinds('GB82WEST12345698765432.')).toEqual(['iban:GB82WEST12345698765432']);
    // Right checksum shape, wrong length for Germany; unknown country.
    expect(kinds('DE89370400440532013000X')).toEqual([]);
    expect(kinds('ZZ89370400440532013000')).toEqual([]);
  });
});

describe('phone, e-mail, key and IP detectors', () => {
  it('finds phone numbers but not dates, dotted quads, amounts or bare ids', () => {
    expect(kinds('call +1 415 555 2671')).toEqual(['phone:+1 415 555 2671']);
    expect(kinds('(415) 555-2671')).toEqual(['phone:(415) 555-2671']);
    expect(kinds('call me on 4155552671')).toEqual(['phone:4155552671']);
    expect(kinds('on 2024-01-15 10:30 and 15.01.2024, 1 250 000 EUR, id 4155552671')).toEqual([]);
  });

  it('finds e-mail addresses, API keys and bearer tokens', () => {
    expect(kinds('mail jane.doe+x@mail.example.co.uk.')).toEqual(['email:jane.doe+x@mail.example.co.uk']);
    const gh = `ghp_${'a1B2'.repeat(9)}`;
    expect(kinds(`token ${gh}`)).toEqual([`apiKey:${gh}`]);
    expect(kinds('key AKIAIOSFODNN7EXAMPLE.')).toEqual(['apiKey:AKIAIOSFODNN7EXAMPLE']);
    expect(kinds('Authorization: Bearer abc.def-123_456')).toEqual(['apiKey:Bearer abc.def-123_456']);
    expect(kinds(`x sk-proj-${'Ab3_'.repeat(12)} y`)).toEqual([`apiKey:sk-proj-${'Ab3_'.repeat(12)}`]);
  });

  it('finds IPv4 and IPv6 but not clock times, versions with more parts or C++ scopes', () => {
    expect(kinds('from 192.168.1.20.')).toEqual(['ip:192.168.1.20']);
    expect(kinds('from 2001:db8::8a2e:370:7334 and ::ffff:10.0.0.1')).toEqual([
      'ip:2001:db8::8a2e:370:7334',
      'ip:::ffff:10.0.0.1',
    ]);
    expect(kinds('at 12:30:45, v1.2.3.4.5, std::vector, 256.1.1.1')).toEqual([]);
  });
});

describe('redactor', () => {
  it('replaces every finding with its kind, counting them', () => {
    expect(all.redact('jane@example.com paid 4111 1111 1111 1111 from 10.0.0.1')).toEqual({
      text: '[REDACTED:email] paid [REDACTED:card] from [REDACTED:ip]',
      counts: { email: 1, card: 1, ip: 1 },
    });
  });

  it('uses only the detectors the policy turns on, and its custom patterns first', () => {
    const policy = ProductionPolicySchema.parse({
      redaction: {
        detectors: { ip: false },
        custom: [{ name: 'employee', pattern: 'EMP-\\d{6}', flags: 'i' }],
      },
    });
    const r = createRedactor(policy.redaction);
    expect(r.redact('emp-123456 at 10.0.0.1 jane@example.com').text).toBe(
      '[REDACTED:employee] at 10.0.0.1 [REDACTED:email]',
    );
  });

  it('merges overlapping findings so no part of either survives', () => {
    const policy = ProductionPolicySchema.parse({
      redaction: { custom: [{ name: 'tail', pattern: '1111 1111 X' }] },
    });
    const r = createRedactor(policy.redaction);
    expect(r.redact('card 4111 1111 1111 1111 X end').text).toBe('card [REDACTED:card] end');
  });
});
