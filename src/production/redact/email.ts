import { matches, type Detector } from './types.js';

/**
 * E-mail addresses: a dot-atom local part (letters, digits and `. _ % + -`, no leading,
 * trailing or doubled dot), `@`, then a domain of labels joined by dots ending in a TLD of
 * at least two letters. Quoted local parts and IP-literal domains are left out: rare in
 * prose, and the IP detector still sees the address in `user@[192.0.2.1]`.
 */
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9%+_-]+(?:\.[A-Za-z0-9%+_-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

export const emailDetector: Detector = {
  kind: 'email',
  find: (text) => matches('email', text, EMAIL),
};
