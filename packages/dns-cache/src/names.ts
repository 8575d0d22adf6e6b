/**
 * Domain-name text helpers shared by config parsing and local records: names
 * are compared lowercased (RFC 4343) without a trailing dot.
 */
import { isIPv4, isIPv6 } from 'node:net';

const LABEL = /^[a-z0-9_*](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** The canonical form of a name: lowercased, no trailing dot ("" for the root). Pure. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Whether `name` is a usable host or domain name (letters, digits, '-', '_'; RFC 1035 lengths). Pure. */
export function isValidName(name: string): boolean {
  const canonical = canonicalName(name);
  if (canonical.length === 0 || canonical.length > 253) return false;
  return canonical.split('.').every((label) => LABEL.test(label));
}

/** Whether `name` is `domain` or below it. Both canonical. Pure. */
export function isAtOrBelow(name: string, domain: string): boolean {
  if (domain === '') return true;
  return name === domain || (name.length > domain.length && name.endsWith(domain) && name.charCodeAt(name.length - domain.length - 1) === 0x2e);
}

/** The reverse-lookup name of an IPv4 address (RFC 1035 3.5), e.g. "4.3.2.1.in-addr.arpa". Pure. */
export function reverseName4(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** The reverse-lookup name of an IPv6 address (RFC 3596 2.5), nibbles under ip6.arpa. Pure. */
export function reverseName6(ip: string): string {
  return `${expandIpv6(ip).replaceAll(':', '').split('').reverse().join('.')}.ip6.arpa`;
}

/** An IPv6 address with all eight groups written in four hex digits. Pure; the input must be valid. */
export function expandIpv6(ip: string): string {
  let text = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const parts = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${(((parts[0] ?? 0) << 8) | (parts[1] ?? 0)).toString(16)}:${(((parts[2] ?? 0) << 8) | (parts[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - h.length - t.length }, () => '0');
  return [...h, ...zeros, ...t].map((g) => g.padStart(4, '0')).join(':');
}

/** The IPv4 address a name under in-addr.arpa stands for, if it is a full four-label one. Pure. */
export function ipv4FromReverse(name: string): string | undefined {
  if (!name.endsWith('.in-addr.arpa')) return undefined;
  const labels = name.slice(0, -'.in-addr.arpa'.length).split('.');
  if (labels.length !== 4) return undefined;
  const ip = labels.reverse().join('.');
  return isIPv4(ip) ? ip : undefined;
}

export { isIPv4, isIPv6 };
