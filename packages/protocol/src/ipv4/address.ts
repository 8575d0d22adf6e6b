/**
 * IPv4 addresses as unsigned 32-bit numbers (0..0xFFFFFFFF, most significant
 * byte first, so 198.18.0.1 is 0xC6120001). This is the one representation the
 * whole project uses in memory, in events and in the DHCP codec: arithmetic,
 * comparison and hashing are then plain number operations with no
 * allocation. Dotted strings appear only at the edges (API input, JSON
 * output, subject names), through `parseIpv4` and `formatIpv4`.
 */
import { InvalidIpv4Error } from './errors.js';

/** An IPv4 address: an integer in 0..2^32-1, first octet in the high byte. */
export type Ipv4 = number;

export const IPV4_MAX: Ipv4 = 0xffffffff;

/** True when `value` is an integer in 0..2^32-1. Pure. */
export function isIpv4(value: unknown): value is Ipv4 {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= IPV4_MAX;
}

/** Throws `InvalidIpv4Error` unless `value` is an integer in 0..2^32-1; returns it. Pure. */
export function assertIpv4(value: number): Ipv4 {
  if (!isIpv4(value)) throw new InvalidIpv4Error(String(value), 'not an integer in 0..4294967295');
  return value;
}

/**
 * Parses strict dotted-quad text: four decimal octets 0..255 without leading
 * zeros (so "010.0.0.1", which inet_aton would read as octal, is refused),
 * no spaces, no shorthand forms. Returns undefined for anything else. Pure.
 */
export function tryParseIpv4(text: string): Ipv4 | undefined {
  const n = text.length;
  if (n < 7 || n > 15) return undefined;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return undefined;
      digits++;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

/** Like `tryParseIpv4` but throws `InvalidIpv4Error` naming the text. Pure. */
export function parseIpv4(text: string): Ipv4 {
  const value = tryParseIpv4(text);
  if (value === undefined) throw new InvalidIpv4Error(text, 'not a dotted-quad IPv4 address');
  return value;
}

/** Formats as dotted-quad text. Pure. */
export function formatIpv4(address: Ipv4): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}

/** Orders addresses numerically (negative, zero, positive), for `Array.prototype.sort`. Pure. */
export function compareIpv4(a: Ipv4, b: Ipv4): number {
  return a - b;
}

/** Reads four bytes at `offset` as an address. The caller checks bounds. Pure. */
export function readIpv4(bytes: Uint8Array, offset: number): Ipv4 {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Writes an address as four bytes at `offset`. The caller checks bounds. Mutates `bytes`. */
export function writeIpv4(bytes: Uint8Array, offset: number, address: Ipv4): void {
  bytes[offset] = address >>> 24;
  bytes[offset + 1] = address >>> 16;
  bytes[offset + 2] = address >>> 8;
  bytes[offset + 3] = address;
}

/** The address as four bytes, first octet first. Pure. */
export function ipv4ToBytes(address: Ipv4): Uint8Array {
  const out = new Uint8Array(4);
  writeIpv4(out, 0, address);
  return out;
}
