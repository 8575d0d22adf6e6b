/**
 * dnsmasq's rev-server=ip[/len],server: the reverse zones of a prefix, each
 * sent to the server as `server=/<zone>/server` would be. A prefix that ends
 * inside an octet (IPv4) or a nibble (IPv6) covers several zones:
 * 198.18.16.0/20 is 16.18.198.in-addr.arpa to 31.18.198.in-addr.arpa, as
 * dnsmasq 2.90 expands it (option.c domain_rev4 and domain_rev6). Pure.
 */
import { expandIpv6, isIPv4, isIPv6 } from './names.js';

/**
 * The reverse zones of `ip[/len]` (no length or one that is not a number:
 * the whole address, as dnsmasq reads it). `bad(reason)` throws with
 * dnsmasq's reason.
 */
export function reverseZones(prefix: string, bad: (reason: string) => never): string[] {
  const slash = prefix.indexOf('/');
  const ip = slash < 0 ? prefix : prefix.slice(0, slash);
  const lengthText = slash < 0 ? '' : prefix.slice(slash + 1);
  const given = /^\d+$/.test(lengthText) ? Number(lengthText) : undefined;
  if (isIPv4(ip)) {
    const size = given ?? 32;
    if (size < 1 || size > 32) return bad('bad IPv4 prefix length');
    return zones(ip.split('.').map(Number), 8, size, (d) => String(d), 'in-addr.arpa');
  }
  if (isIPv6(ip)) {
    const size = given ?? 128;
    if (size < 1 || size > 128) return bad('bad IPv6 prefix length');
    const nibbles = expandIpv6(ip).replaceAll(':', '').split('').map((h) => parseInt(h, 16));
    return zones(nibbles, 4, size, (d) => d.toString(16), 'ip6.arpa');
  }
  return bad('bad address (expected ip[/prefix-length][,server])');
}

/** The zones of a prefix `size` bits long over `digits` of `unit` bits each, most significant first. */
function zones(digits: number[], unit: number, size: number, text: (d: number) => string, suffix: string): string[] {
  const whole = Math.floor(size / unit);
  const rem = size % unit;
  const head = digits.slice(0, whole).reverse().map(text);
  if (rem === 0) return [[...head, suffix].join('.')];
  // The partial digit keeps its top `rem` bits; every value of the rest is a zone of its own.
  const free = unit - rem;
  const base = (digits[whole] ?? 0) & ~((1 << free) - 1);
  return Array.from({ length: 1 << free }, (_, i) => [text(base + i), ...head, suffix].join('.'));
}
