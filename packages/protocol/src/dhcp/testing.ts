/**
 * fast-check arbitraries for DHCPv4 messages, for this package's tests and
 * for other packages' tests (candidates for a `./testing` export; never
 * exported from the main index). Generated messages are in the form
 * `decodeDhcp` returns, so `decodeDhcp(encodeDhcp(m))` must equal `m`.
 */
import { fc } from '@fast-check/vitest';
import { FILE_SIZE, SNAME_SIZE } from './constants.js';
import type { ClasslessRoute, DhcpMessage, DhcpOption, DhcpOptionArea } from './message.js';
import { isKnownOption, optionValueLength } from './option-values.js';

const ipv4 = fc.integer({ min: 0, max: 0xffffffff });
const byte = fc.integer({ min: 0, max: 255 });

/** Strings of U+0000..U+00FF, as the codec reads DHCP text. */
export function latin1(maxLength: number, minLength = 0): fc.Arbitrary<string> {
  return fc.string({ unit: byte.map((b) => String.fromCharCode(b)), minLength, maxLength });
}

/** A header text field: no trailing NUL, since the decoder strips trailing zero bytes. */
function field(maxLength: number): fc.Arbitrary<string> {
  return latin1(maxLength).map((s) => s.replace(/\0+$/, ''));
}

/** Presentation form of one label, escaped the way the decoder writes it. */
export function presentLabel(bytes: readonly number[]): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += '\\' + String(b).padStart(3, '0');
  }
  return out;
}

// A small label pool makes shared tails (and so compression pointers) common.
const label = fc.oneof(
  fc.constantFrom('com', 'example', 'apple', 'eng', 'marketing', 'lan', 'Corp').map((s) => [...s].map((c) => c.charCodeAt(0))),
  fc.array(byte, { minLength: 1, maxLength: 63 }),
);

/** Label lists whose wire form (with root) is at most 255 bytes. */
const labels = fc.array(label, { maxLength: 6 }).filter((ls) => ls.reduce((n, l) => n + l.length + 1, 1) <= 255);

/** A domain name in presentation form; `fqdn` adds the trailing dot. */
export function domainName(fqdn: boolean): fc.Arbitrary<string> {
  return labels.map((ls) => {
    const text = ls.map(presentLabel).join('.');
    return fqdn ? (text === '' ? '.' : text + '.') : text;
  });
}

const route: fc.Arbitrary<ClasslessRoute> = fc
  .record({ destination: ipv4, prefix: fc.integer({ min: 0, max: 32 }), router: ipv4 })
  // Only the significant octets travel (RFC 3442 section 2), so the rest are zero.
  .map((r) => {
    const keep = ((r.prefix + 7) >> 3) * 8;
    const mask = keep === 0 ? 0 : (0xffffffff << (32 - keep)) >>> 0;
    return { ...r, destination: (r.destination & mask) >>> 0 };
  });

const fqdn = fc.oneof(
  fc.record({ flags: byte.map((f) => f | 0x04), rcode1: byte, rcode2: byte, name: fc.boolean().chain(domainName) }, { noNullPrototype: true }),
  fc.record({ flags: byte.map((f) => f & ~0x04), rcode1: byte, rcode2: byte, name: latin1(80) }, { noNullPrototype: true }),
);

/** Every typed option the codec knows, with generated values (53 and 52 excepted: the message adds them). */
export const typedOption: fc.Arbitrary<DhcpOption> = fc.oneof(
  fc.record({ code: fc.constantFrom(1, 28, 50, 54), value: ipv4 }, { noNullPrototype: true }),
  fc.record({ code: fc.constantFrom(3, 6, 42), value: fc.array(ipv4, { maxLength: 12 }) }, { noNullPrototype: true }),
  fc.record({ code: fc.constantFrom(12, 15, 60, 66, 67), value: latin1(40) }, { noNullPrototype: true }),
  // Values over 255 bytes, which RFC 3396 splits into several instances.
  fc.record({ code: fc.constantFrom(12, 60, 67), value: latin1(600, 256) }, { noNullPrototype: true }),
  fc.record({ code: fc.constantFrom(6, 121), value: fc.array(route, { minLength: 60, maxLength: 100 }) }, { noNullPrototype: true }).map(
    ({ code, value }) => (code === 6 ? { code, value: value.map((r) => r.router) } : { code, value }),
  ),
  fc.record({ code: fc.constantFrom(26, 57), value: fc.integer({ min: 0, max: 0xffff }) }, { noNullPrototype: true }),
  fc.record({ code: fc.constantFrom(51, 58, 59), value: ipv4 }, { noNullPrototype: true }),
  fc.record({ code: fc.constant(55), value: fc.array(byte, { maxLength: 40 }) }, { noNullPrototype: true }),
  fc.record({ code: fc.constant(61), value: fc.uint8Array({ maxLength: 40 }) }, { noNullPrototype: true }),
  fc.record({ code: fc.constant(81), value: fqdn }, { noNullPrototype: true }),
  fc.record({ code: fc.constant(82), value: fc.array(fc.record({ code: byte, data: fc.uint8Array({ maxLength: 40 }) }, { noNullPrototype: true }), { maxLength: 4 }) }, { noNullPrototype: true }),
  fc.record({ code: fc.constant(119), value: fc.array(domainName(true), { maxLength: 6 }) }, { noNullPrototype: true }),
  fc.record({ code: fc.constant(121), value: fc.array(route, { maxLength: 30 }) }, { noNullPrototype: true }),
) as fc.Arbitrary<DhcpOption>;

/** Options with codes the codec does not know, kept raw, some longer than 255 bytes. */
export const rawOption: fc.Arbitrary<DhcpOption> = fc.record({
  code: fc.integer({ min: 1, max: 254 }).filter((c) => !isKnownOption(c)),
  raw: fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ maxLength: 20 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 256, maxLength: 700 }) }),
}, { noNullPrototype: true });

function wire(option: DhcpOption): number {
  const n = optionValueLength(option);
  return n === 0 ? 2 : n + 2 * Math.ceil(n / 255);
}

/** Moves options into sname/file, as far as they fit, for the areas `overload` names. */
function placeOverloaded(options: DhcpOption[], overload: number, picks: readonly number[]): DhcpOption[] {
  let free: Record<DhcpOptionArea, number> = { file: FILE_SIZE - 1, sname: SNAME_SIZE - 1 };
  return options.map((option, i) => {
    const pick = picks[i % picks.length] ?? 0;
    const area: DhcpOptionArea | undefined = pick === 1 && overload & 1 ? 'file' : pick === 2 && overload & 2 ? 'sname' : undefined;
    if (area === undefined || free[area] < wire(option)) return option;
    free = { ...free, [area]: free[area] - wire(option) };
    return { ...option, area };
  });
}

export interface DhcpMessageConstraints {
  /** Largest number of options besides 52 and 53. Default 8. */
  readonly maxOptions?: number;
}

/** DHCPv4 messages, with unique option codes (RFC 3396 merges repeats), 53 first in replies, sometimes overload. */
export function dhcpMessage(constraints: DhcpMessageConstraints = {}): fc.Arbitrary<DhcpMessage> {
  return fc
    .record({
      op: fc.oneof(fc.constantFrom(1, 2), byte),
      htype: byte,
      hops: byte,
      xid: ipv4,
      secs: fc.integer({ min: 0, max: 0xffff }),
      flags: fc.integer({ min: 0, max: 0xffff }),
      ciaddr: ipv4,
      yiaddr: ipv4,
      siaddr: ipv4,
      giaddr: ipv4,
      chaddr: fc.uint8Array({ maxLength: 16 }),
      sname: field(64),
      file: field(128),
      type: fc.option(fc.integer({ min: 1, max: 255 }), { nil: undefined }),
      typeAt: fc.nat(),
      options: fc.uniqueArray(fc.oneof(typedOption, rawOption), { selector: (o) => o.code, maxLength: constraints.maxOptions ?? 8 }),
      overload: fc.constantFrom(0, 0, 1, 2, 3),
      picks: fc.array(fc.constantFrom(0, 1, 2), { minLength: 1, maxLength: 8 }),
    })
    .map(({ type, typeAt, options, overload, picks, ...header }) => {
      const placed = overload === 0 ? options : placeOverloaded(options, overload, picks);
      // Options in order main, file, sname: the order the decoder reads them in.
      const main: DhcpOption[] = placed.filter((o) => o.area === undefined);
      if (overload !== 0) main.unshift({ code: 52, value: overload });
      // Replies carry 53 first; a request may have it anywhere (dhcpcd sends 50 before it).
      if (type !== undefined) main.splice(header.op === 2 ? 0 : typeAt % (main.length + 1), 0, { code: 53, value: type });
      return {
        ...header,
        sname: overload & 2 ? '' : header.sname,
        file: overload & 1 ? '' : header.file,
        options: [...main, ...placed.filter((o) => o.area === 'file'), ...placed.filter((o) => o.area === 'sname')],
      };
    });
}
