/**
 * trust-anchor=<domain>,<key-tag>,<algorithm>,<digest-type>,<digest>: the DS
 * records the chain of trust starts from, parsed as dnsmasq 2.90 parses
 * them (its `--test` verdicts: exactly five fields, numbers in range, hex
 * digits with optional ':' separators, the domain taken as written).
 */
import type { TrustAnchor } from '../config.js';

/** Parses one trust-anchor value; `bad` throws with dnsmasq's reason. Pure. */
export function parseTrustAnchor(value: string, bad: (reason: string) => never): TrustAnchor {
  const fields = value.split(',');
  if (fields.length < 5) bad('bad trust anchor');
  const [domain = '', keyTag = '', algorithm = '', digestType = '', ...rest] = fields;
  const number = (text: string, max: number) => (/^\d+$/.test(text) && Number(text) <= max ? Number(text) : bad('bad trust anchor'));
  const anchor = { keyTag: number(keyTag, 0xffff), algorithm: number(algorithm, 0xff), digestType: number(digestType, 0xff) };
  // dnsmasq reads the rest as hex, so a sixth field's comma is "bad HEX" rather than a count error.
  const hex = rest.join(',').replaceAll(':', '');
  if (!/^[0-9a-fA-F]*$/.test(hex)) bad('bad HEX in trust anchor');
  const lower = domain.toLowerCase();
  return { domain: lower === '.' ? '' : lower.replace(/\.$/, ''), ...anchor, digest: hex.toLowerCase() };
}
