/**
 * Modified EUI-64 interface identifiers (RFC 4291 appendix A): the 48-bit MAC
 * split in half around ff:fe, with the universal/local bit (0x02 of the first
 * byte) inverted. A SLAAC host forms its address from its /64 prefix and this
 * id (RFC 4862 5.5.3), which is why Neutron gives a port on a slaac or
 * dhcpv6-stateless subnet exactly this address and no other.
 */
import { formatIpv6, type Ipv6 } from './address.js';
import { InvalidMacError } from './errors.js';
import type { Ipv6Prefix } from './prefix.js';

const macPattern = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;

/** The 64-bit interface id of a colon-separated MAC ("fa:16:3e:00:00:01"). Throws `InvalidMacError`. Pure. */
export function eui64InterfaceId(mac: string): bigint {
  if (!macPattern.test(mac)) throw new InvalidMacError(mac, 'not six colon-separated hex bytes');
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const bytes = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  return bytes.reduce((id, byte) => (id << 8n) | BigInt(byte), 0n);
}

/**
 * The address a host with `mac` takes by SLAAC in the /64 `block`: its
 * prefix and the MAC's interface id. Throws `RangeError` for another prefix
 * length (an EUI-64 id fills exactly 64 bits), `InvalidMacError` for a bad
 * MAC. Pure.
 */
export function eui64Address(block: Ipv6Prefix, mac: string): Ipv6 {
  if (block.prefix !== 64) throw new RangeError(`an EUI-64 address needs a /64 prefix, not ${formatIpv6(block.address)}/${block.prefix}`);
  return block.address | eui64InterfaceId(mac);
}
