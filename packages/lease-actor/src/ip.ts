/**
 * Minimal private IPv4 helpers (dotted quad <-> uint32). Addresses are numbers
 * in memory and in events, as in @leasehold/protocol's ipv4 module.
 * TODO(ipv4): replace with the helpers from @leasehold/protocol (packages/protocol/src/ipv4/)
 * once they land; nothing outside this package may import this file.
 */

/** An IPv4 address as an unsigned 32-bit number, first octet in the high byte. */
export type Ipv4 = number;

/** True for an integer in 0..2^32-1. Pure. */
export function isIpv4(value: unknown): value is Ipv4 {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** Parses a dotted-quad IPv4 address into an unsigned 32-bit number; undefined if malformed. Pure. */
export function parseIp(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    // Leading zeros are refused: "010" reads as octal in some resolvers (inet_aton).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Formats an unsigned 32-bit number as a dotted-quad IPv4 address. Pure. */
export function formatIp(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Like `parseIp` but throws a RangeError naming the bad value. Pure. */
export function ipToUint(text: string): number {
  const value = parseIp(text);
  if (value === undefined) throw new RangeError(`"${text}" is not a dotted-quad IPv4 address`);
  return value;
}
