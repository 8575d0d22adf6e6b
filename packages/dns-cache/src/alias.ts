/**
 * dnsmasq's alias ("DNS doctoring", as Cisco PIX calls it): IPv4 addresses in
 * upstream answers are rewritten before anything else sees them.
 * `alias=198.18.5.0,198.19.0.0,255.255.255.0` maps 198.18.5.56 to
 * 198.19.0.56; `alias=198.18.6.10-198.18.6.30,...` only that range. As
 * dnsmasq 2.90 does it (rfc1035.c do_doctor, option.c): A records of class IN
 * in the answer section; the last alias line that matches is used; a
 * rewritten answer loses AA (the upstream no longer vouches for it); and
 * stop-dns-rebind and bogus-nxdomain then judge the rewritten addresses.
 * Pure; alias.test.ts compares with dnsmasq 2.90.
 */
import type { AliasRule } from './config.js';
import { isIPv4 } from './names.js';

const TYPE_A = 1;
const CLASS_IN = 1;

const ipNumber = (ip: string) => ip.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);

interface Doctor {
  readonly start: number;
  /** -1: match by the mask. */
  readonly end: number;
  readonly to: number;
  readonly mask: number;
}

/** The rules as numbers, the last line first (dnsmasq puts each in front of the earlier ones). Pure. */
function doctors(rules: readonly AliasRule[]): readonly Doctor[] {
  return rules.map((r) => ({ start: ipNumber(r.start), end: r.end === undefined ? -1 : ipNumber(r.end), to: ipNumber(r.to), mask: ipNumber(r.mask) })).reverse();
}

/** One address through the rules: the rewritten address, or undefined when none matches. Pure. */
function doctor(ip: number, doctors: readonly Doctor[]): number | undefined {
  for (const d of doctors) {
    const match = d.end < 0 ? ((ip ^ d.start) & d.mask) >>> 0 === 0 : ip >= d.start && ip <= d.end;
    if (match) return ((ip & ~d.mask) | (d.to & d.mask)) >>> 0;
  }
  return undefined;
}

/** The end of the (possibly compressed) name at `o`; never past the message's end, however malformed. */
function skipName(b: Uint8Array, o: number): number {
  for (;;) {
    // Past the end: the caller's bounds checks stop the walk.
    if (o >= b.length) return b.length;
    const len = b[o]!;
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) return o + 2;
    o += len + 1;
  }
}

/** The config's alias lines, ready to rewrite answers. */
export class AnswerAliases {
  readonly #doctors: readonly Doctor[];

  constructor(rules: readonly AliasRule[]) {
    this.#doctors = doctors(rules);
  }

  /**
   * Rewrites the A records of the answer section of a well-formed message in
   * place; clears AA when one changed. Returns whether any did.
   */
  apply(answer: Uint8Array): boolean {
    return rewrite(answer, this.#doctors);
  }
}

function rewrite(answer: Uint8Array, doctors: readonly Doctor[]): boolean {
  const u16 = (o: number) => (answer[o]! << 8) | answer[o + 1]!;
  let o = 12;
  for (let q = u16(4); q > 0 && o < answer.length; q--) o = skipName(answer, o) + 4;
  let changed = false;
  for (let a = u16(6); a > 0 && o < answer.length; a--) {
    o = skipName(answer, o);
    if (o + 10 > answer.length) break;
    const type = u16(o);
    const klass = u16(o + 2);
    const length = u16(o + 8);
    const data = o + 10;
    if (type === TYPE_A && klass === CLASS_IN && length === 4 && data + 4 <= answer.length) {
      const ip = ((answer[data]! << 24) | (answer[data + 1]! << 16) | (answer[data + 2]! << 8) | answer[data + 3]!) >>> 0;
      const to = doctor(ip, doctors);
      if (to !== undefined) {
        answer.set([to >>> 24, (to >>> 16) & 255, (to >>> 8) & 255, to & 255], data);
        changed = true;
      }
    }
    o = data + length;
  }
  if (changed) answer[2]! &= ~0x04;
  return changed;
}

/**
 * alias's value as dnsmasq 2.90 reads it: `old[-end],new[,mask]` (mask
 * 255.255.255.255 when not given); a range must lie in one masked network
 * and not run backwards. Pure; `bad(reason)` throws with dnsmasq's reason.
 */
export function parseAlias(value: string, bad: (reason: string) => never): AliasRule {
  const [from = '', to = '', mask = '255.255.255.255', ...rest] = value.split(',').map((f) => f.trim());
  const [start = '', end] = from.split('-');
  if (rest.length > 0 || !isIPv4(start) || !isIPv4(to) || !isIPv4(mask)) return bad('missing address in alias');
  if (end !== undefined) {
    const m = ipNumber(mask);
    if (!isIPv4(end) || ((ipNumber(start) ^ ipNumber(end)) & m) >>> 0 !== 0 || ipNumber(start) > ipNumber(end)) return bad('invalid alias range');
  }
  return { start, end, to, mask };
}
