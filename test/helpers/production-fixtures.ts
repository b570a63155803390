/**
 * Realistic, seeded production traffic: what a support assistant's interactions look like
 * when handed to `toRecord` or `evalgate record`. Routes and languages with skewed
 * frequencies, risk tags on a minority, tool calls (some blocked), refusals, errors,
 * log-normal latency, token counts and costs that follow from the text, sparse feedback,
 * edited answers, and PII where users put it (e-mail addresses, phone numbers, cards,
 * IBANs, pasted keys, IP addresses in the text, e-mail addresses as user ids).
 *
 * The same seed gives the same traffic on every machine, so later stages (drift, coverage)
 * can be tested against known distributions.
 */
import type { Interaction } from '../../src/production/record.js';
import { GENERATORS, int, pick, PII_KINDS, rng, type Random } from './pii-corpus.js';

/** [route, weight]: a few busy routes and a long tail. */
export const ROUTES: [string, number][] = [
  ['billing', 0.35],
  ['shipping', 0.25],
  ['returns', 0.15],
  ['account', 0.1],
  ['product-qa', 0.1],
  ['legal', 0.03],
  ['other', 0.02],
];

const QUESTIONS: Record<string, string[]> = {
  en: [
    'Why was I charged twice this month?',
    'Where is my order and when will it arrive?',
    'How do I return the shoes I bought?',
    'I cannot log in to my account, what should I do?',
    'Is this jacket waterproof and what sizes are there?',
  ],
  es: ['¿Por qué me cobraron dos veces este mes?', '¿Dónde está mi pedido y cuándo llega?'],
  de: [
    'Warum wurde mir das zweimal berechnet und was kann ich tun?',
    'Wo ist meine Bestellung und wann kommt sie an?',
  ],
  fr: ['Pourquoi ai-je été débité deux fois ce mois-ci ?', 'Où est ma commande et quand arrive-t-elle ?'],
};
const LANGUAGES: [string, number][] = [
  ['en', 0.7],
  ['es', 0.12],
  ['de', 0.1],
  ['fr', 0.08],
];
const ANSWERS = [
  'I have checked your account: the second charge is a pending authorisation and will disappear within 3 days.',
  'Your parcel left our warehouse yesterday and should arrive within 2 business days.',
  'You can return it within 30 days from the Returns page; the label is free.',
  'Please reset your password from the login page; the link is valid for one hour.',
];
const REFUSALS = [
  "I'm sorry, but I can't help with that request.",
  "I don't have enough information to answer that.",
];
const TOOLS = ['lookup_order', 'lookup_invoice', 'issue_refund', 'search_docs', 'reset_password'];
const ERRORS = ['timeout', 'rate_limit', 'http', 'malformed'];

function weighted<T>(r: Random, table: [T, number][]): T {
  let x = r();
  for (const [value, w] of table) {
    if (x < w) return value;
    x -= w;
  }
  return table[table.length - 1]![0];
}

/** A standard normal draw (Box–Muller). */
function normal(r: Random): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export interface TrafficOptions {
  /** Share of interactions with a PII value in the input. Default 0.1. */
  piiRate?: number;
  /** Epoch ms of the first interaction; the rest follow about a second apart. */
  start?: number;
}

export function generateTraffic(seed: number, count: number, options: TrafficOptions = {}): Interaction[] {
  const r = rng(seed);
  const piiRate = options.piiRate ?? 0.1;
  let at = options.start ?? Date.UTC(2026, 11, 1);
  const out: Interaction[] = [];
  for (let i = 0; i < count; i++) {
    at += int(r, 200, 1800);
    const route = weighted(r, ROUTES);
    const language = weighted(r, LANGUAGES);
    let input = pick(r, QUESTIONS[language]!);
    if (r() < piiRate) input += ` ${GENERATORS[pick(r, PII_KINDS)](r)}`;
    const refused = route === 'legal' ? r() < 0.5 : r() < 0.03;
    const failed = r() < 0.02;
    const output = failed ? undefined : refused ? pick(r, REFUSALS) : pick(r, ANSWERS);
    const it: Interaction = {
      at,
      requestId: `req-${seed}-${i}`,
      sessionId: `sess-${seed}-${Math.floor(i / 4)}`,
      userId: r() < 0.3 ? `user${int(r, 1, 500)}@example.com` : `u-${int(r, 1, 5000)}`,
      route,
      input,
      latencyMs: Math.round(Math.exp(6.5 + 0.5 * normal(r))),
    };
    const risk = route === 'billing' && r() < 0.2 ? ['payments'] : route === 'legal' ? ['high'] : [];
    if (risk.length) it.riskTags = risk;
    if (output !== undefined) {
      it.output = output;
      const tokens = { input: Math.ceil(input.length / 4) + 120, output: Math.ceil(output.length / 4) };
      it.tokens = tokens;
      it.costUsd = +((tokens.input * 0.15 + tokens.output * 0.6) / 1e6).toFixed(8);
    } else {
      it.error = { kind: pick(r, ERRORS), message: `upstream failed for ${it.userId}` };
    }
    if (r() < 0.4)
      it.toolCalls = Array.from({ length: int(r, 1, 3) }, () => ({
        name: pick(r, TOOLS),
        ...(r() < 0.05 && { blocked: true }),
      }));
    if (r() < 0.01) it.safetyEvents = ['moderation-flagged'];
    if (r() < 0.08) it.feedback = r() < 0.7 ? 'up' : 'down';
    if (output && r() < 0.05) it.acceptedAnswer = `${output} Thanks for waiting.`;
    out.push(it);
  }
  return out;
}
