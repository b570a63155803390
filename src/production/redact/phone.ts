import { matches, type Detector } from './types.js';

/**
 * Telephone numbers, as people write them: 7 to 15 digits (E.164's maximum) that are
 *  - international, starting with `+` (`+44 20 7946 0958`, `+14155552671`), or
 *  - grouped with an area code in parentheses (`(415) 555-2671`), or
 *  - in three or more groups separated by spaces, dots or hyphens (`415-555-2671`,
 *    `01 23 45 67 89`, `020 7946 0958`), or
 *  - a bare run of digits right after a phone word ("call me on 4155552671").
 *
 * A bare run of digits is otherwise never a phone number: that is what an order id or a
 * timestamp looks like. Shapes that are something else are left alone: dates
 * (`2024-01-15`, `15.01.2024`), dotted quads (IPv4 addresses, version numbers) and
 * thousands-grouped amounts (`1 250 000`).
 */
const GROUPED =
  /(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,5}(?:[ .-]\d{1,8}){0,5}(?![\w]|[.-]\d)/g;
const INTERNATIONAL_COMPACT = /(?<![\w+])\+\d{7,15}(?!\w)/g;
const PHONE_WORD =
  /\b(?:phone|telephone|tel|mobile|cell|cellphone|call|calling|ring|whatsapp|sms|text me|fax|landline|reach me)\b[^\d\n]{0,20}$/i;
const BARE = /(?<![\w+.-])\d{7,15}(?![\w]|[.-]\d)/g;

/** A date, alone or followed by a time (`2024-01-15 10:30`). */
const DATE = /^(?:\d{4}[ ./-]\d{1,2}[ ./-]\d{1,2}|\d{1,2}[ ./-]\d{1,2}[ ./-]\d{2,4})(?: \d{1,2})?$/;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const THOUSANDS = /^\d{1,3}(?:([ .])\d{3})(?:\1\d{3})*$/;

export const phoneDetector: Detector = {
  kind: 'phone',
  find(text) {
    const grouped = matches('phone', text, GROUPED, (m) => {
      const s = m[0];
      const digits = s.replace(/\D/g, '').length;
      if (digits < 7 || digits > 15) return false;
      if (s.startsWith('+') || s.includes('(')) return true;
      if (DATE.test(s) || DOTTED_QUAD.test(s) || THOUSANDS.test(s)) return false;
      const groups = s.split(/[ .-]/).length;
      return groups >= 3;
    });
    const compact = matches('phone', text, INTERNATIONAL_COMPACT);
    const bare = matches('phone', text, BARE, (m) =>
      PHONE_WORD.test(text.slice(Math.max(0, m.index - 40), m.index)),
    );
    return [...grouped, ...compact, ...bare];
  },
};
