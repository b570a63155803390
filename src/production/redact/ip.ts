import { isIPv6 } from 'node:net';
import { matches, type Detector } from './types.js';

/**
 * IP addresses. IPv4: four decimal octets 0–255 (no leading zeros beyond one digit), not
 * part of a longer dotted number. IPv6: a run of hex digits, colons and (for the embedded
 * IPv4 forms such as `::ffff:192.0.2.1`) dots with at least two colons, accepted when
 * `node:net` parses it as IPv6 and it has at least two hex groups, so `std::` or a clock
 * time `12:30:45` is not taken for one. A zone (`fe80::1%eth0`) is included.
 */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g');
const IPV6 = /(?<![\w:.])[0-9A-Fa-f:.]{2,}(?:%[0-9A-Za-z]+)?(?![\w:])/g;

export const ipDetector: Detector = {
  kind: 'ip',
  find(text) {
    const v4 = matches('ip', text, IPV4);
    const v6 = matches('ip', text, IPV6, (m) => {
      let s = m[0];
      let end = m.index + s.length;
      // A sentence's full stop after the address is not part of it.
      while (s.endsWith('.')) {
        s = s.slice(0, -1);
        end--;
      }
      const address = s.split('%')[0]!;
      if (address.split(':').length < 3) return false;
      if (!isIPv6(address)) return false;
      if (address.split(/[:.]/).filter(Boolean).length < 2) return false;
      return { start: m.index, end };
    });
    return [...v4, ...v6];
  },
};
