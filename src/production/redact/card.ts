import { matches, type Detector } from './types.js';
import { luhnValid } from '../../util/luhn.js';

/**
 * Payment card numbers (PANs). A run of 12 to 19 digits, written compact or in groups
 * separated by single spaces or hyphens, is a card when all of these hold:
 *
 *  1. the Luhn checksum is valid (ISO/IEC 7812-1): from the right, double every second
 *     digit, subtract 9 from results over 9, and the sum is a multiple of 10;
 *  2. its issuer prefix (IIN) belongs to a card network, at a length that network issues
 *     (`NETWORKS` below; Mastercard includes the 2221–2720 series);
 *  3. it is not something else by its look or its label: a number grouped otherwise than
 *     cards are printed (fours, or Amex's 4-6-5) is an order number like
 *     `112-4890915-3107695`, and a compact number right after "order", "invoice",
 *     "tracking number", "timestamp", `"id":` … is an identifier, unless card words
 *     ("card", "visa", "cvv", …) are nearby. A number grouped as cards are is a card
 *     whatever its label.
 *
 * Why not Luhn alone: one random number in ten passes Luhn, so a Luhn-only detector flags
 * a tenth of all order numbers and millisecond timestamps, the false positive users of
 * Presidio report. Rule 2 removes every 13-digit millisecond timestamp until 2033 outright
 * (they start with 1, which no card network issues under) and most sequential ids; rule 3
 * removes labelled identifiers. What remains is a bare, unlabelled, Luhn-valid number with a
 * network's prefix and length; that is redacted, since it may well be a card.
 */
const CANDIDATE = /(?<![\w.,+-])\d(?:[ -]?\d){11,18}(?![\w]|[.,-]\d)/g;

/** [first prefix, last prefix (inclusive, same length), allowed lengths]. */
const NETWORKS: [number, number, number[]][] = [
  [4, 4, [13, 16, 19]], // Visa
  [51, 55, [16]], // Mastercard
  [2221, 2720, [16]], // Mastercard 2-series
  [34, 34, [15]], // American Express
  [37, 37, [15]], // American Express
  [6011, 6011, [16, 17, 18, 19]], // Discover
  [644, 649, [16, 17, 18, 19]], // Discover
  [65, 65, [16, 17, 18, 19]], // Discover
  [622126, 622925, [16, 17, 18, 19]], // Discover / UnionPay co-brand
  [62, 62, [16, 17, 18, 19]], // UnionPay
  [3528, 3589, [16, 17, 18, 19]], // JCB
  [300, 305, [14, 15, 16, 17, 18, 19]], // Diners Club
  [36, 36, [14, 15, 16, 17, 18, 19]], // Diners Club
  [38, 39, [16, 17, 18, 19]], // Diners Club
  [2200, 2204, [16, 17, 18, 19]], // Mir
  [50, 50, [12, 13, 14, 15, 16, 17, 18, 19]], // Maestro
  [56, 69, [12, 13, 14, 15, 16, 17, 18, 19]], // Maestro
  [6759, 6759, [12, 13, 14, 15, 16, 17, 18, 19]], // Maestro UK
];

const CARD_WORDS =
  /\b(?:card|cards|credit|debit|visa|master ?card|mc|amex|american express|discover|jcb|diners|maestro|unionpay|mir|cc|pan|cvv|cvc|expir\w*|exp|payment|pay with|paid with|charged?)\b/i;
/** A label right before the number (only separators between) saying it is an identifier. */
const ID_LABEL =
  /(?:\b(?:order|orders|invoice|inv|ticket|tracking|shipment|parcel|package|booking|reservation|confirmation|reference|ref|transaction|txn|trace|request|req|session|user|customer|account|acct|member|employee|sku|item|product|serial|batch|case|claim|policy|id|ids|uid|pid|no|nr|num|timestamp|ts|time|epoch|created|updated|millis|ms|nanos|ns|seq|sequence|snowflake)\b|_id|#)(?:\s+(?:number|no|nr|num|id|code)\b)?["'\s:=#.()-]{0,6}(?:is\s+)?$/i;
/** The same for camel-case keys: `orderId`, `userID`. */
const ID_KEY = /[a-z](?:Id|ID)["'\s:=]{0,6}$/;
/** How cards are written when grouped: fours (Visa, Mastercard, …), or Amex's and Diners' 4-6-5 / 4-6-4. */
const CARD_GROUPING = /^(?:\d{4}(?:[ -]\d{4})*(?:[ -]\d{1,4})?|\d{4}[ -]\d{6}[ -]\d{4,5})$/;

/** The number has a card network's issuer prefix at a length that network issues. */
export function networkPrefix(digits: string): boolean {
  return NETWORKS.some(([from, to, lengths]) => {
    if (!lengths.includes(digits.length)) return false;
    const width = String(from).length;
    const prefix = Number(digits.slice(0, width));
    return prefix >= from && prefix <= to;
  });
}

export const cardDetector: Detector = {
  kind: 'card',
  find: (text) =>
    matches('card', text, CANDIDATE, (m) => {
      const digits = m[0].replace(/[ -]/g, '');
      if (digits.length < 12 || digits.length > 19) return false;
      if (!luhnValid(digits) || !networkPrefix(digits)) return false;
      const grouped = /[ -]/.test(m[0]);
      const before = text.slice(Math.max(0, m.index - 40), m.index);
      const after = text.slice(m.index + m[0].length, m.index + m[0].length + 24);
      if (CARD_WORDS.test(before) || CARD_WORDS.test(after)) return true;
      // Grouped as cards are printed, it is a card whatever the label; grouped otherwise, it is not.
      if (grouped) return CARD_GROUPING.test(m[0]);
      return !ID_LABEL.test(before) && !ID_KEY.test(before);
    }),
};
