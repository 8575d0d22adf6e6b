/** MAC addresses of ports: parsing user input and generating Neutron-style addresses. Pure. */
import { ApiError } from '../errors.js';

const macPattern = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i;

/** Normalizes to lower-case colon form; INVALID_MAC for anything else, multicast or all-zero. */
export function parseMac(text: string, field = 'mac_address'): string {
  const m = macPattern.exec(text.trim());
  if (!m) throw new ApiError('INVALID_MAC', `${field} ${JSON.stringify(text)} is not a MAC address (expected aa:bb:cc:dd:ee:ff)`, field);
  const octets = [m[1], m[3], m[4], m[5], m[6], m[7]].map((o) => o!.toLowerCase());
  if ((Number.parseInt(octets[0]!, 16) & 1) === 1) {
    throw new ApiError('INVALID_MAC', `${field} ${text} is a multicast address`, field);
  }
  if (octets.every((o) => o === '00')) throw new ApiError('INVALID_MAC', `${field} ${text} is all zeros`, field);
  return octets.join(':');
}

/** OpenStack's base MAC prefix (fa:16:3e) with three random octets. */
export function generateMac(random: () => number = Math.random): string {
  const octet = () => Math.floor(random() * 256).toString(16).padStart(2, '0');
  return `fa:16:3e:${octet()}:${octet()}:${octet()}`;
}
