/**
 * One `dhcp-range=` value read as dnsmasq 2.90 reads it (dnsmasq(8),
 * option.c's LOPT_DHCP_RANGE): `[tag:t,][set:t,]start[,end|static|proxy]
 * [,netmask[,broadcast]][,lease]`. What dnsmasq refuses (`bad dhcp-range`,
 * `inconsistent DHCP range`) is an error here too, in dnsmasq's words; what
 * it accepts but Leasehold cannot serve is "unmapped".
 */
import { cidr, cidrContains, formatCidr, isNetmask, maskToPrefix, tryParseIpv4, type Ipv4, type Ipv4Cidr } from '@leasehold/protocol';

/** dnsmasq's lease time syntax: seconds, or a number with s/m/h/d/w, or "infinite" (-1). Undefined if not one. Pure. */
export function parseLeaseTime(text: string): number | undefined {
  if (text === 'infinite') return -1;
  const m = /^(\d+)([smhdw]?)$/i.exec(text);
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[m[2]!.toLowerCase()]!;
  return Number(m[1]) * unit;
}

/** Splits leading `tag:`/`set:`/`interface:` fields off a value. Pure. */
export function takeTags(fields: string[]): { tags: string[]; sets: string[]; negated: boolean; negatedTags: string[]; rest: string[] } {
  const tags: string[] = [];
  const sets: string[] = [];
  const negatedTags: string[] = [];
  let negated = false;
  let i = 0;
  for (; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.startsWith('set:')) sets.push(f.slice(4));
    else if (f.startsWith('tag:!')) {
      negated = true;
      negatedTags.push(f.slice(5));
    }
    else if (f.startsWith('tag:') || f.startsWith('interface:')) tags.push(f.slice(f.indexOf(':') + 1));
    else break;
  }
  return { tags, sets, negated, negatedTags, rest: fields.slice(i) };
}

export type DhcpRange =
  | { readonly kind: 'error' | 'unmapped'; readonly reason: string }
  | {
      readonly kind: 'range';
      readonly tags: string[];
      readonly block: Ipv4Cidr;
      /** Undefined for `static` (fixed addresses only). */
      readonly pool: { first: number; last: number } | undefined;
      /** Whether the netmask was given (without it dnsmasq takes the interface's; here /24 is assumed). */
      readonly maskGiven: boolean;
      readonly lease: number | undefined;
    };

/** Reads one dhcp-range value. Pure. */
export function parseDhcpRange(value: string): DhcpRange {
  const { tags, sets, rest } = takeTags(value.split(',').map((f) => f.trim()));
  const bad = (reason: string): DhcpRange => ({ kind: 'error', reason: `bad dhcp-range: ${reason}` });
  const first = rest[0] ?? '';
  if (first.includes(':')) return { kind: 'unmapped', reason: 'IPv6 ranges are not served (DHCPv4 only)' };
  const start = tryParseIpv4(first);
  if (start === undefined) return bad(`${JSON.stringify(first)} is not an IPv4 address`);
  const mode = rest[1];
  if (mode === undefined) return bad('an end address or a mode (static, proxy) must follow the start');
  if (mode === 'proxy') return { kind: 'unmapped', reason: 'proxy DHCP has no counterpart (only start,end and static)' };
  let end = tryParseIpv4(mode);
  if (end === undefined && mode !== 'static') return bad(`${JSON.stringify(mode)} is not an end address or a mode (static, proxy)`);
  const after = rest.slice(2);
  const mask = after[0] !== undefined ? tryParseIpv4(after[0]) : undefined;
  if (mask !== undefined && !isNetmask(mask)) return { kind: 'error', reason: `inconsistent DHCP range: ${after[0]} is not a netmask` };
  // After the netmask an optional broadcast address, then the lease time, which must be the last field.
  const tail = after.slice(mask === undefined ? 0 : tryParseIpv4(after[1] ?? '') === undefined ? 1 : 2);
  if (tail.length > 1 || (tail.length === 1 && parseLeaseTime(tail[0]!) === undefined)) return bad(`${JSON.stringify(tail.join(','))} is not a lease time (seconds, 45m, 12h, 1d, 1w or infinite)`);
  // dnsmasq takes the two addresses in either order.
  let low: Ipv4 = start;
  if (end !== undefined && end < start) [low, end] = [end, start];
  const block = cidr(low, mask === undefined ? 24 : maskToPrefix(mask));
  if (end !== undefined && !cidrContains(block, end)) {
    const reason = `${mode} is not inside ${formatCidr(block)}`;
    // With a netmask dnsmasq refuses it; without one it takes the interface's, which the file does not say.
    if (mask !== undefined) return { kind: 'error', reason: `inconsistent DHCP range: ${reason}` };
    return { kind: 'unmapped', reason: `${reason} (no netmask given: assumed /24; give the netmask in the range)` };
  }
  return { kind: 'range', tags: [...tags, ...sets], block, pool: end === undefined ? undefined : { first: low, last: end }, maskGiven: mask !== undefined, lease: tail[0] === undefined ? undefined : parseLeaseTime(tail[0]) };
}
