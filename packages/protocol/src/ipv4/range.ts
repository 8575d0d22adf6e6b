/**
 * Inclusive address ranges (dnsmasq's dhcp-range, Neutron's allocation
 * pools). Iteration yields numbers and allocates nothing per address.
 */
import { formatIpv4, tryParseIpv4, type Ipv4 } from './address.js';
import { cidrFirstHost, cidrLastHost, type Ipv4Cidr } from './cidr.js';
import { InvalidRangeError } from './errors.js';

/** The addresses first..last, both included. */
export interface Ipv4Range {
  readonly first: Ipv4;
  readonly last: Ipv4;
}

/** Builds a range; throws `InvalidRangeError` if `first` is after `last`. Pure. */
export function ipv4Range(first: Ipv4, last: Ipv4): Ipv4Range {
  if (first > last) {
    throw new InvalidRangeError(`${formatIpv4(first)}-${formatIpv4(last)}`, 'first address is after the last');
  }
  return { first, last };
}

/** Parses "a.b.c.d-e.f.g.h"; throws `InvalidRangeError`. Pure. */
export function parseIpv4Range(text: string): Ipv4Range {
  const dash = text.indexOf('-');
  const first = dash < 0 ? undefined : tryParseIpv4(text.slice(0, dash));
  const last = dash < 0 ? undefined : tryParseIpv4(text.slice(dash + 1));
  if (first === undefined || last === undefined) {
    throw new InvalidRangeError(text, 'expected two dotted-quad addresses joined by "-"');
  }
  return ipv4Range(first, last);
}

/** Formats as "first-last". Pure. */
export function formatIpv4Range(range: Ipv4Range): string {
  return `${formatIpv4(range.first)}-${formatIpv4(range.last)}`;
}

/** Number of addresses in the range. Pure. */
export function rangeSize(range: Ipv4Range): number {
  return range.last - range.first + 1;
}

/** True when `address` lies in the range. Pure. */
export function rangeContains(range: Ipv4Range, address: Ipv4): boolean {
  return address >= range.first && address <= range.last;
}

/** True when the ranges share at least one address. Pure. */
export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** The usable hosts of a block as a range (see `cidrFirstHost`). Pure. */
export function cidrHostRange(block: Ipv4Cidr): Ipv4Range {
  return { first: cidrFirstHost(block), last: cidrLastHost(block) };
}

/** Yields every address of the range in ascending order. Pure (a fresh iterator each call). */
export function* iterateIpv4(range: Ipv4Range): Generator<Ipv4, void, undefined> {
  for (let a = range.first; a <= range.last; a++) yield a;
}
