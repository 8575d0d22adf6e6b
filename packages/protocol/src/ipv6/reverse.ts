/**
 * Reverse names of IPv6 addresses (RFC 3596 2.5): the 32 nibbles of the
 * address, least significant first, each a label, under `ip6.arpa`.
 */
import type { Ipv6 } from './address.js';

/** "1.0.0.0.….8.b.d.0.1.0.0.2.ip6.arpa" for 2001:db8::1 (no final dot). Pure. */
export function ip6ArpaName(address: Ipv6): string {
  const labels: string[] = [];
  for (let i = 0, v = address; i < 32; i++, v >>= 4n) labels.push(Number(v & 0xfn).toString(16));
  return `${labels.join('.')}.ip6.arpa`;
}

/**
 * The address a full ip6.arpa name (32 nibble labels, any case, with or
 * without a final dot) names, or undefined for any other name (a shorter
 * name is a zone, not an address). Pure.
 */
export function parseIp6ArpaName(name: string): Ipv6 | undefined {
  const text = name.endsWith('.') ? name.slice(0, -1) : name;
  if (text.length !== 64 + 8 || text.slice(64).toLowerCase() !== 'ip6.arpa') return undefined;
  let value = 0n;
  for (let i = 62; i >= 0; i -= 2) {
    if (text[i + 1] !== '.') return undefined;
    const nibble = parseInt(text[i]!, 16);
    if (Number.isNaN(nibble)) return undefined;
    value = (value << 4n) | BigInt(nibble);
  }
  return value;
}
