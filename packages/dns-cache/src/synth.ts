/**
 * dnsmasq's synth-domain: names made from addresses and back, with no table.
 * `synth-domain=lan,198.18.7.0/24,host-` answers host-198-18-7-5.lan with
 * 198.18.7.5 and 5.7.18.198.in-addr.arpa with host-198-18-7-5.lan; with a
 * prefix ending in '*' the label carries the address's index in the range
 * (n-0.lan is the range's first address). IPv6 ranges write the address with
 * '-' for ':' (fd00--5), a leading '0' when the text would start with '-' and
 * no prefix is given, and IPv4-mapped addresses as 0--ffff-1-2-3-4.
 *
 * The rules are dnsmasq 2.90's (domain.c: is_name_synthetic, is_rev_synth,
 * match_domain6; the last line is tried first): the label after the prefix is one label of digits and '-'
 * (and hex digits for IPv6), the rest of the name is the domain itself, and
 * the address must lie in the range. Pure; synth.test.ts compares answers
 * with dnsmasq 2.90's.
 */
import type { SynthDomain } from './config.js';
import { expandIpv6, isIPv4, isIPv6 } from './names.js';
import type { LocalAnswer } from './reply.js';

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_AAAA = 28;
const TYPE_ANY = 255;

const LOW64 = (1n << 64n) - 1n;

/** A range ready to match: addresses as numbers (IPv4 in the low 32 bits). */
interface Range {
  readonly spec: SynthDomain;
  readonly start: bigint;
  readonly end: bigint;
}

/** An address's number. Pure; the address must be valid for its family. */
function addressNumber(ip: string): bigint {
  if (isIPv4(ip)) return ip.split('.').reduce((n, o) => (n << 8n) | BigInt(o), 0n);
  return BigInt(`0x${expandIpv6(ip).replaceAll(':', '')}`);
}

function formatIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

/** IPv6 text as inet_ntop writes it: the longest run of two or more zero groups as '::', IPv4-mapped with a dotted tail. */
function formatIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${formatIpv4(n & 0xffffffffn)}`;
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/** Whether `n` is in the range (dnsmasq's match_domain / match_domain6). */
function inRange(r: Range, n: bigint): boolean {
  if (r.spec.family === 4) return n >= r.start && n <= r.end;
  const length = r.spec.prefixLength;
  if (length !== undefined && length < 64) return n >> BigInt(128 - length) === r.start >> BigInt(128 - length);
  return n >> 64n === r.start >> 64n && (n & LOW64) >= (r.start & LOW64) && (n & LOW64) <= (r.end & LOW64);
}

/** The offset an indexed name counts from: IPv6 indexes count in the low 64 bits (dnsmasq's addr6part). */
const indexBase = (r: Range) => (r.spec.family === 4 ? r.start : r.start & LOW64);
const indexLimit = (r: Range) => (r.spec.family === 4 ? r.end - r.start : (r.end & LOW64) - (r.start & LOW64));

export class SynthDomains {
  readonly #ranges: readonly Range[];

  constructor(specs: readonly SynthDomain[]) {
    // dnsmasq puts each line in front of the earlier ones: the last line given is tried first.
    this.#ranges = specs.map((spec) => ({ spec, start: addressNumber(spec.start), end: addressNumber(spec.end) })).reverse();
  }

  get size(): number {
    return this.#ranges.length;
  }

  /**
   * The answer to (name, type) if the name is synthetic: A or AAAA (ANY
   * too) for a name of the range's family, PTR for an address in a range;
   * undefined otherwise, so the question goes on (another type of a
   * synthetic name is forwarded, as dnsmasq does).
   */
  answer(nameLower: string, type: number): LocalAnswer | undefined {
    if (type === TYPE_PTR || type === TYPE_ANY) {
      const name = this.reverse(nameLower);
      if (name !== undefined) return { kind: 'records', records: [{ type: 'PTR', data: name }] };
    }
    if (type === TYPE_A || type === TYPE_ANY) {
      const ip = this.address(nameLower, 4);
      if (ip !== undefined) return { kind: 'records', records: [{ type: 'A', data: ip }] };
    }
    if (type === TYPE_AAAA || type === TYPE_ANY) {
      const ip = this.address(nameLower, 6);
      if (ip !== undefined) return { kind: 'records', records: [{ type: 'AAAA', data: ip }] };
    }
    return undefined;
  }

  /** The address a synthetic name stands for in `family`, or undefined. `nameLower` canonical. */
  address(nameLower: string, family: 4 | 6): string | undefined {
    for (const r of this.#ranges) {
      if (r.spec.family !== family || !nameLower.startsWith(r.spec.prefix)) continue;
      const tail = nameLower.slice(r.spec.prefix.length);
      const allowed = r.spec.indexed ? /^[0-9]*\./ : family === 4 ? /^[0-9-]*\./ : /^[0-9a-f-]*\./;
      const label = allowed.exec(tail)?.[0].slice(0, -1);
      if (label === undefined || tail.slice(label.length + 1) !== r.spec.domain) continue;
      let n: bigint | undefined;
      if (r.spec.indexed) {
        // atoi: an empty label is index 0, leading zeros are read as the number.
        const index = BigInt(label === '' ? 0 : label.length > 20 ? -1 : label);
        if (index >= 0n && index <= indexLimit(r)) n = r.spec.family === 4 ? r.start + index : (r.start & ~LOW64) | (indexBase(r) + index);
      } else {
        const text = family === 6 && label.startsWith('--ffff-') ? `::ffff:${label.slice(7).replaceAll('-', '.')}` : label.replaceAll('-', family === 4 ? '.' : ':');
        if (family === 4 ? isIPv4(text) : isIPv6(text)) {
          const candidate = addressNumber(text);
          if (inRange(r, candidate)) n = candidate;
        }
      }
      if (n !== undefined) return family === 4 ? formatIpv4(n) : formatIpv6(n);
    }
    return undefined;
  }

  /** The synthetic name of the address a reverse name (in-addr.arpa or ip6.arpa) stands for, or undefined. */
  reverse(nameLower: string): string | undefined {
    const parsed = reverseAddress(nameLower);
    if (parsed === undefined) return undefined;
    const r = this.#ranges.find((x) => x.spec.family === parsed.family && inRange(x, parsed.n));
    if (r === undefined) return undefined;
    let label: string;
    if (r.spec.indexed) {
      label = r.spec.prefix + String((parsed.family === 4 ? parsed.n : parsed.n & LOW64) - indexBase(r));
    } else if (parsed.family === 4) {
      label = r.spec.prefix + formatIpv4(parsed.n).replaceAll('.', '-');
    } else {
      let text = formatIpv6(parsed.n);
      // A label may not start with '-': without a prefix, '::1' is written 0--1.
      if (r.spec.prefix === '' && text.startsWith(':')) text = `0${text}`;
      label = r.spec.prefix + text.replaceAll(/[:.]/g, '-');
    }
    return `${label}.${r.spec.domain}`;
  }
}

/** The address of a full reverse name: four labels under in-addr.arpa, 32 nibbles under ip6.arpa. Pure. */
function reverseAddress(nameLower: string): { family: 4 | 6; n: bigint } | undefined {
  if (nameLower.endsWith('.in-addr.arpa')) {
    const ip = nameLower.slice(0, -'.in-addr.arpa'.length).split('.').reverse().join('.');
    return isIPv4(ip) ? { family: 4, n: addressNumber(ip) } : undefined;
  }
  if (nameLower.endsWith('.ip6.arpa')) {
    const nibbles = nameLower.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    return { family: 6, n: BigInt(`0x${nibbles.reverse().join('')}`) };
  }
  return undefined;
}

/** dnsmasq's limit on a prefix: MAXLABEL less the longest address text. */
const MAX_PREFIX = 63 - 16;

/**
 * synth-domain's value as dnsmasq 2.90 reads it (option.c): domain, then
 * `ip/len` or `start[,end]`, then an optional prefix. Pure; `bad(reason)`
 * throws with dnsmasq's reason where it has one.
 */
export function parseSynthDomain(value: string, bad: (reason: string) => never): SynthDomain {
  const [domainText = '', rangeText, ...rest] = value.split(',').map((f) => f.trim());
  if (!/^[^\s/]+$/.test(domainText) || rangeText === undefined) return bad('bad synth-domain (expected domain,address range[,prefix])');
  const domain = domainText.toLowerCase().replace(/\.$/, '');
  let start: string;
  let end: string;
  let family: 4 | 6;
  let prefixLength: number | undefined;
  let prefixText: string | undefined;
  const slash = rangeText.indexOf('/');
  if (slash >= 0) {
    const ip = rangeText.slice(0, slash);
    const lengthText = rangeText.slice(slash + 1);
    if (!/^\d+$/.test(lengthText)) return bad('bad address range');
    const length = Number(lengthText);
    family = isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : bad('bad address range');
    if (length > (family === 4 ? 32 : 128)) return bad('bad prefix length');
    const bits = family === 4 ? 32n : 128n;
    const n = addressNumber(ip);
    if (family === 4) {
      const host = (1n << (bits - BigInt(length))) - 1n;
      [start, end] = [formatIpv4(n & ~host), formatIpv4(n | host)];
    } else {
      // dnsmasq keeps the upper 64 bits as given and spans the low 64 bits from /64 down.
      const host = length <= 64 ? LOW64 : (1n << (bits - BigInt(length))) - 1n;
      [start, end] = [formatIpv6(n & ~host), formatIpv6(n | host)];
      prefixLength = length;
    }
    prefixText = rest[0];
    if (rest.length > 1) return bad('bad synth-domain (expected domain,address range[,prefix])');
  } else {
    family = isIPv4(rangeText) ? 4 : isIPv6(rangeText) ? 6 : bad('bad address range');
    start = rangeText;
    // dnsmasq leaves an IPv6 range's prefix length at 0, so it matches every IPv6 address (as dnsmasq 2.90 answers).
    if (family === 6) prefixLength = 0;
    const second = rest[0];
    if (second === undefined || second === '') {
      end = start;
    } else {
      if (family === 4 ? !isIPv4(second) : !isIPv6(second)) return bad('bad address range');
      end = second;
    }
    prefixText = rest[1];
    if (rest.length > 2) return bad('bad synth-domain (expected domain,address range[,prefix])');
  }
  let prefix = (prefixText ?? '').toLowerCase();
  if (prefix.length > MAX_PREFIX || /[\s/]/.test(prefix)) return bad('bad prefix');
  const indexed = prefix.endsWith('*');
  if (indexed) {
    prefix = prefix.slice(0, -1);
    if (family === 6 && prefixLength !== undefined && prefixLength < 64) return bad('prefix length too small');
  }
  return { domain, family, start, end, prefixLength, prefix, indexed };
}
