import { sha256 } from '../util/hash.js';
import type { SampleResult, SuiteResult, TargetOutput } from '../results/types.js';
import type { PrivacyMode } from './schema.js';

/**
 * Patterns for `privacy: redacted`, in the order they are applied: the most specific first,
 * so an API key full of digits is not half-taken by the card pattern. Best effort by design:
 * they catch the common shapes, not every secret a model can print; use `hash` when nothing
 * of the text may be kept.
 */
const PATTERNS: { kind: string; re: RegExp; keep?: (match: string) => boolean }[] = [
  {
    kind: 'api-key',
    re: /\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,}|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,})\b/g,
  },
  { kind: 'api-key', re: /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/g },
  { kind: 'email', re: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  {
    kind: 'card',
    re: /\b(?:\d[ -]?){12,18}\d\b/g,
    keep: (m) => !luhn(m.replace(/[ -]/g, '')),
  },
  {
    kind: 'phone',
    re: /(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}[\s.-]\d{2,4}[\s.-]?\d{2,6}\b|\+\d{8,15}\b/g,
    // Dates and versions look like phone numbers; a phone number has 7 to 15 digits.
    keep: (m) => {
      const digits = m.replace(/\D/g, '').length;
      return digits < 7 || digits > 15 || /^\d{4}-\d{2}-\d{2}$/.test(m.trim());
    },
  },
];

/** Replaces e-mail addresses, phone numbers, card numbers and API-key-like tokens with `[REDACTED:kind]`. */
export function redactText(text: string): string {
  let out = text;
  for (const { kind, re, keep } of PATTERNS) {
    out = out.replace(re, (m) => (keep?.(m) ? m : `[REDACTED:${kind}]`));
  }
  return out;
}

/**
 * `sha256:<hex>` of the text. Deliberately unkeyed (no salt, no secret): anyone holding an
 * output can recompute its hash, which is what lets the baseline and a new run be checked
 * for equal outputs. The flip side: a short or guessable output can be confirmed by
 * guessing it. Use it to keep text out of the repository, not to protect it from a guesser.
 */
export function hashText(text: string): string {
  return `sha256:${sha256(text)}`;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A copy of the suite's results with model text treated per `mode`: outputs, retrieved
 * contexts, citations and tool-call arguments, and the grader reasons and error messages
 * that may quote them. Ids, verdicts, scores and usage are kept: the comparison needs them.
 */
export function applyPrivacy(suite: SuiteResult, mode: PrivacyMode): SuiteResult {
  if (mode === 'raw') return structuredClone(suite);
  const text = mode === 'redacted' ? redactText : hashText;
  // Reasons and error messages are evalgate's own words around quoted output: redaction keeps
  // the words; hashing keeps nothing of them but equality.
  const around = mode === 'redacted' ? redactText : hashText;
  const output = (o: TargetOutput): TargetOutput => ({
    ...o,
    output: text(o.output),
    ...(o.contexts && { contexts: o.contexts.map((c) => ({ ...c, text: text(c.text) })) }),
    ...(o.citations && { citations: o.citations.map(text) }),
    ...(o.toolCalls && {
      toolCalls: o.toolCalls.map((t) => ({ ...t, arguments: treatValue(t.arguments, text) })),
    }),
  });
  const sample = (s: SampleResult): SampleResult => ({
    ...s,
    ...(s.output && { output: output(s.output) }),
    graders: s.graders.map((g) => ({ ...g, reason: around(g.reason) })),
    ...(s.error && { error: { ...s.error, message: around(s.error.message) } }),
  });
  return structuredClone({
    ...suite,
    cases: suite.cases.map((c) => ({ ...c, samples: c.samples.map(sample) })),
  });
}

function treatValue(value: unknown, text: (s: string) => string): unknown {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((v) => treatValue(v, text));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, treatValue(v, text)]));
  return value;
}
