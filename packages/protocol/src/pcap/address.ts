/** Text forms of the addresses in captured IP headers. */
import { formatIpv6, ipv6FromBytes } from '../ipv6/address.js';

/** Dotted quad of the 4 bytes at `offset`. Pure. */
export function ipv4Text(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** RFC 5952 text of the 16 bytes at `offset` (ipv6's formatIpv6: IPv4-mapped addresses keep the hex form). Pure. */
export function ipv6Text(bytes: Uint8Array, offset: number): string {
  return formatIpv6(ipv6FromBytes(bytes, offset));
}
