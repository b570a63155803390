/**
 * A labelled, generated corpus for the production redaction detectors: sentences with one
 * planted sensitive value each (whose position is known), and sentences with a value that
 * must NOT be flagged (millisecond timestamps and other clocks, numeric ids). Seeded, so the
 * same seed gives the same corpus on every machine.
 *
 * Values are generated from each kind's own rules (a card's network prefix, length and
 * Luhn digit; an IBAN's country length and mod-97 check digits), never taken from a list,
 * so the detectors are measured against the format, not against memorised examples.
 */

/** mulberry32: a small, fast, seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;
export const int = (r: Random, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const digits = (r: Random, n: number) => Array.from({ length: n }, () => int(r, 0, 9)).join('');
const chars = (r: Random, alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[int(r, 0, alphabet.length - 1)]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_NUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export const PII_KINDS = ['email', 'phone', 'card', 'iban', 'apiKey', 'ip'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface Sample {
  text: string;
  /** The planted value: `text.slice(start, end)`. */
  start: number;
  end: number;
  value: string;
  /** What generated it: a PII kind, or the kind of harmless number. */
  label: string;
}

function plant(template: string, value: string, label: string): Sample {
  const start = template.indexOf('{}');
  return { text: template.replace('{}', value), start, end: start + value.length, value, label };
}

// ---------------------------------------------------------------- values

function luhnDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** [prefix generator, lengths] per network, Mastercard's 2-series and 12-digit Maestro included. */
const CARD_SHAPES: [(r: Random) => string, number[]][] = [
  [() => '4', [13, 16, 19]],
  [(r) => String(int(r, 51, 55)), [16]],
  [(r) => String(int(r, 2221, 2720)), [16]],
  [(r) => pick(r, ['34', '37']), [15]],
  [() => '6011', [16, 19]],
  [(r) => String(int(r, 644, 649)), [16]],
  [() => '65', [16]],
  [(r) => String(int(r, 3528, 3589)), [16]],
  [(r) => String(int(r, 300, 305)), [14]],
  [() => '62', [16, 17, 18, 19]],
  [(r) => pick(r, ['50', '56', '57', '58', '63', '67']), [12, 13, 15, 18, 19]],
];

export function cardNumber(r: Random): string {
  const [prefix, lengths] = pick(r, CARD_SHAPES);
  const p = prefix(r);
  const length = pick(r, lengths);
  const body = p + digits(r, length - p.length - 1);
  const pan = body + luhnDigit(body);
  const style = int(r, 0, 2);
  if (style === 0 || pan.length % 4 !== 0) {
    if (pan.length === 15 && style !== 0) return `${pan.slice(0, 4)} ${pan.slice(4, 10)} ${pan.slice(10)}`;
    return pan;
  }
  const sep = style === 1 ? ' ' : '-';
  return pan.match(/.{4}/g)!.join(sep);
}

const IBAN_COUNTRIES: Record<string, number> = {
  DE: 22,
  FR: 27,
  GB: 22,
  NL: 18,
  ES: 24,
  IT: 27,
  BE: 16,
  CH: 21,
  AT: 20,
  PL: 28,
  PT: 25,
  SE: 24,
  NO: 15,
  DK: 18,
  FI: 18,
  IE: 22,
  LU: 20,
  CZ: 24,
  HU: 28,
  RO: 24,
  GR: 27,
  SA: 24,
  AE: 23,
  TR: 26,
  BR: 29,
  MT: 31,
  LC: 32,
  RU: 33,
  IL: 23,
  KW: 30,
};

function mod97(s: string): number {
  let rest = 0;
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? code - 55 : code - 48;
    rest = v >= 10 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
  }
  return rest;
}

export function iban(r: Random): string {
  const country = pick(r, Object.keys(IBAN_COUNTRIES));
  const length = IBAN_COUNTRIES[country]!;
  // Some countries put letters in the bank code (GB: NWBK…, NL: ABNA…).
  const letters = ['GB', 'NL', 'IE', 'MT', 'LC'].includes(country) ? 4 : 0;
  const bban = chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', letters) + digits(r, length - 4 - letters);
  const check = String(98 - mod97(`${bban}${country}00`)).padStart(2, '0');
  const compact = `${country}${check}${bban}`;
  return int(r, 0, 1) === 0 ? compact : compact.match(/.{1,4}/g)!.join(' ');
}

export function email(r: Random): string {
  const first = pick(r, ['jane', 'j', 'li.wei', 'o.brien', 'maria-luisa', 'dev', 'x', 'ana']);
  const local = `${first}${pick(r, ['', '.doe', '_smith', '+billing', '42', `.${digits(r, 3)}`])}`;
  const domain = pick(r, ['example.com', 'mail.example.co.uk', 'corp-mail.io', 'uni.edu', 'e.xyz', 'web.de']);
  return `${local}@${domain}`;
}

export function phone(r: Random): string {
  const n = (k: number) => digits(r, k);
  const shapes = [
    () => `+1 ${int(r, 201, 989)} ${n(3)} ${n(4)}`,
    () => `(${int(r, 201, 989)}) ${n(3)}-${n(4)}`,
    () => `${int(r, 201, 989)}-${n(3)}-${n(4)}`,
    () => `${int(r, 201, 989)}.${n(3)}.${n(4)}`,
    () => `+44 20 ${n(4)} ${n(4)}`,
    () => `+44${n(10)}`,
    () => `0${int(r, 20, 29)} ${n(4)} ${n(4)}`,
    () => `+49 30 ${n(8)}`,
    () => `+33 ${int(r, 1, 9)} ${n(2)} ${n(2)} ${n(2)} ${n(2)}`,
    () => `0${int(r, 1, 9)} ${n(2)} ${n(2)} ${n(2)} ${n(2)}`,
    () => `+91 ${int(r, 70000, 99999)} ${n(5)}`,
    () => `+1-${int(r, 201, 989)}-${n(3)}-${n(4)}`,
  ];
  return pick(r, shapes)();
}

export function apiKey(r: Random): string {
  const shapes = [
    () => `sk-proj-${chars(r, ALNUM + '_-', int(r, 48, 120))}`,
    () => `sk-${chars(r, ALNUM, 48)}`,
    () => `ghp_${chars(r, ALNUM, 36)}`,
    () => `github_pat_${chars(r, ALNUM, 22)}_${chars(r, ALNUM, 59)}`,
    () => `AKIA${chars(r, UPPER_NUM, 16)}`,
    () => `xoxb-${digits(r, 12)}-${digits(r, 13)}-${chars(r, ALNUM, 24)}`,
    () => `Bearer ${chars(r, ALNUM + '-._~', int(r, 20, 60))}`,
    () => `Bearer eyJ${chars(r, ALNUM, 30)}.eyJ${chars(r, ALNUM, 60)}.${chars(r, ALNUM + '_-', 43)}`,
  ];
  return pick(r, shapes)();
}

export function ip(r: Random): string {
  const hex = () => int(r, 0, 0xffff).toString(16);
  const shapes = [
    () => `${int(r, 1, 223)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`,
    () => Array.from({ length: 8 }, hex).join(':'),
    () => `2001:db8::${hex()}:${hex()}`,
    () => `fe80::${hex()}:${hex()}:${hex()}:${hex()}`,
    () => `::ffff:${int(r, 1, 223)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`,
    () => `2001:db8:${hex()}::1`,
  ];
  return pick(r, shapes)();
}

export const GENERATORS: Record<PiiKind, (r: Random) => string> = {
  email,
  phone,
  card: cardNumber,
  iban,
  apiKey,
  ip,
};

// ---------------------------------------------------------------- sentences

const CONTEXTS: Record<PiiKind, string[]> = {
  email: [
    'Please write to {} about the refund.',
    'my email is {}',
    'cc: {}',
    '"email": "{}"',
    '<{}>',
    'mailto:{}',
    '({})',
    'Email:{},',
    '{}\nthanks',
  ],
  phone: [
    'Call me at {} tomorrow.',
    'phone: {}',
    'You can reach our desk on {} (9-5).',
    'tel {}',
    'Number: {}.',
    '"phone":"{}"',
    'tel:{}',
    '({}),',
    'Phone:\n{}',
  ],
  card: [
    'My card number is {} and it expires 04/29.',
    'charged to {}',
    'Paid with visa {}.',
    'here it is: {}',
    '{}',
    'The number {} was declined',
    '"card":"{}"',
    'card={}',
    'cc# {}',
    '({})',
    'number: {},',
    'Card:{}',
  ],
  iban: [
    'Please transfer to IBAN {} by Friday.',
    'account: {}',
    'Send it to {}.',
    '{}',
    'IBAN:{}',
    '"iban":"{}"',
    '({})',
    'IBAN {}, thanks',
  ],
  apiKey: [
    'my key is {} but it stopped working',
    'Authorization: {}',
    'export OPENAI_API_KEY={}',
    '"token": "{}"',
    'curl -H "{}"',
    'key={}',
    "'{}'",
    'token:{}',
  ],
  ip: [
    'Login from {} was blocked.',
    'server at {}:8080',
    'client_ip={}',
    'ping {}',
    'Address: {}.',
    'ip={}',
    '"{}"',
    '({})',
    'from {}, port 22',
  ],
};

/** A sentence with one planted value of `kind`. Bearer values carry their own header word. */
export function piiSample(r: Random, kind: PiiKind): Sample {
  let template = pick(r, CONTEXTS[kind]);
  const value = GENERATORS[kind](r);
  if (kind === 'ip' && template.includes(':8080') && value.includes(':')) template = 'server at [{}]:8080';
  if (kind === 'apiKey' && value.startsWith('Bearer') && template.includes('OPENAI_API_KEY'))
    template = 'header {}';
  return plant(template, value, kind);
}

// ---------------------------------------------------------------- numbers that are not PII

const MS_2001 = 978_307_200_000;
const MS_2033 = 2_000_000_000_000;

/** Clocks: epoch milliseconds (13 digits), seconds, microseconds and nanoseconds. */
export function timestamp(r: Random): string {
  const ms = int(r, MS_2001, MS_2033);
  const kind = int(r, 0, 5);
  if (kind <= 2) return String(ms);
  if (kind === 3) return String(Math.floor(ms / 1000));
  if (kind === 4) return `${ms}${digits(r, 3)}`;
  return `${ms}${digits(r, 6)}`;
}

/** Identifiers as systems issue them: sequential, prefixed, snowflake, random with a label. */
export function numericId(r: Random): string {
  const kind = int(r, 0, 4);
  if (kind === 0) return String(int(r, 1, 9_999_999)); // a sequential order number
  if (kind === 1) return `${int(r, 1, 9)}${digits(r, int(r, 9, 18))}`; // random-width id
  if (kind === 2) return `1${digits(r, 18)}`; // a snowflake id (time-ordered, 19 digits)
  if (kind === 3) return `${int(r, 100, 999)}-${digits(r, 7)}-${digits(r, 7)}`; // Amazon-style order id
  return digits(r, int(r, 12, 19)).replace(/^0/, '1'); // an opaque numeric reference
}

const TIMESTAMP_CONTEXTS = [
  '"ts": {}',
  'timestamp={}',
  'created at {} (epoch ms)',
  'event_time: {},',
  '[{}] GET /api/orders 200',
  'Date.now() returned {}',
  '{"createdAt":{},"status":"ok"}',
  'ts {}',
  'at {} the job started',
];
const ID_CONTEXTS = [
  'Order #{} has shipped.',
  'order id: {}',
  '"order_id": {}',
  'Where is my order {}?',
  'Invoice no. {} is attached.',
  'Tracking number {}',
  'ticket {} was closed',
  'userId={}',
  'ref: {}',
  '{"id":{},"total":12.5}',
  'Your confirmation number is {}.',
  'transaction {} failed',
];

export function timestampSample(r: Random): Sample {
  return plant(pick(r, TIMESTAMP_CONTEXTS), timestamp(r), 'timestamp');
}

export function numericIdSample(r: Random): Sample {
  return plant(pick(r, ID_CONTEXTS), numericId(r), 'numeric-id');
}

/** Other numbers prose and logs are full of: dates and times, versions, amounts, coordinates, sizes. */
export function otherNumber(r: Random): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const shapes = [
    () =>
      `${int(r, 2000, 2033)}-${two(int(r, 1, 12))}-${two(int(r, 1, 28))}T${two(int(r, 0, 23))}:${two(int(r, 0, 59))}:${two(int(r, 0, 59))}.${digits(r, 3)}Z`,
    () =>
      `${int(r, 2000, 2033)}-${two(int(r, 1, 12))}-${two(int(r, 1, 28))} ${two(int(r, 0, 23))}:${two(int(r, 0, 59))}`,
    () => `${two(int(r, 1, 28))}.${two(int(r, 1, 12))}.${int(r, 2000, 2033)}`,
    () => `${two(int(r, 1, 12))}/${two(int(r, 1, 28))}/${int(r, 2000, 2033)}`,
    () => `v${int(r, 0, 20)}.${int(r, 0, 40)}.${int(r, 0, 99)}`,
    () => `$${int(r, 1, 999)},${digits(r, 3)},${digits(r, 3)}.${digits(r, 2)}`,
    () => `${int(r, 1, 999)} ${digits(r, 3)} ${digits(r, 3)} EUR`,
    () => `${(r() * 180 - 90).toFixed(6)}, ${(r() * 360 - 180).toFixed(6)}`,
    () => `${int(r, 1, 99_999)} ms`,
    () => `${int(r, 1, 4096)}x${int(r, 1, 4096)}`,
    () => `${int(r, 1, 99)}.${digits(r, 1)}%`,
    () => `${int(r, 0, 23)}:${two(int(r, 0, 59))}:${two(int(r, 0, 59))}`,
  ];
  return pick(r, shapes)();
}

const OTHER_CONTEXTS = [
  '{}',
  'at {} the job ran',
  'took {}',
  'value: {}',
  '[{}] INFO started',
  'total {}',
  'build {} released',
];

export function otherNumberSample(r: Random): Sample {
  return plant(pick(r, OTHER_CONTEXTS), otherNumber(r), 'other-number');
}
