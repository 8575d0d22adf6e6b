/**
 * Minimal private IPv4 helpers (dotted quad <-> uint32).
 * TODO(ipv4): replace with the helpers from @leasehold/protocol (packages/protocol/src/ipv4/)
 * once they land; nothing outside this package may import this file.
 */

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
