/**
 * DHCPv4 encoder. Writes option 53 first in replies (some clients only look there),
 * ends each option area with option 255, pads with zeros to the BOOTP
 * minimum of 300 bytes (RFC 1542 section 2.1), splits options over 255
 * bytes into consecutive instances (RFC 3396), and honours a maximum size.
 */
import { isIpv4, writeIpv4 } from '../ipv4/address.js';
import {
  BOOTP_MIN_SIZE,
  CHADDR_SIZE,
  DHCP_HEADER_SIZE,
  DHCP_MAGIC_COOKIE,
  DHCP_MIN_MAX_MESSAGE_SIZE,
  FILE_SIZE,
  HeaderOffset,
  SNAME_SIZE,
} from './constants.js';
import { DhcpEncodeError } from './errors.js';
import type { DhcpMessage, DhcpOption } from './message.js';
import { optionValueLength, writeOptionValue } from './option-values.js';
import { writeLatin1 } from './text.js';

export interface DhcpEncodeOptions {
  /**
   * Largest datagram to write: the client's option 57, or 576 when it sent
   * none. Values below 576 count as 576 (RFC 2132 section 9.10). Optional
   * options are dropped to fit; see `encodeDhcp` for the order.
   */
  readonly maxSize?: number;
  /**
   * When the options do not fit `maxSize`, move some into the file and sname
   * fields first (those whose text is empty), with option 52 saying so (RFC
   * 2131 section 4.1, RFC 2132 section 9.3), as dnsmasq does for a client
   * that sent a parameter request list; only what still does not fit is
   * dropped. Ignored when the message already overloads a field itself.
   */
  readonly overload?: boolean;
  /** Pad shorter messages with zero bytes to this size. Default 300, the BOOTP minimum. */
  readonly minSize?: number;
  /** The client's parameter request list (option 55): what it asked for is dropped last, in its own order. */
  readonly requested?: readonly number[];
  /** Write into this buffer instead of a new one. */
  readonly buffer?: Uint8Array;
  /** Where in `buffer` to start. Default 0. */
  readonly offset?: number;
}

/** Options that `maxSize` never drops: without them a reply is wrong, not merely less helpful. */
const NEVER_DROPPED = new Set([53, 54, 51, 58, 59, 1, 3, 52, 61, 82]);

interface Plan {
  readonly main: DhcpOption[];
  readonly mainLengths: number[];
  readonly file: DhcpOption[];
  readonly fileLengths: number[];
  readonly sname: DhcpOption[];
  readonly snameLengths: number[];
  overload: number;
  readonly size: number;
}

/** Bytes an option takes on the wire, code and length bytes of every RFC 3396 instance included. */
function wireSize(valueLength: number): number {
  return valueLength === 0 ? 2 : valueLength + 2 * Math.ceil(valueLength / 255);
}

function sum(lengths: readonly number[]): number {
  let n = 0;
  for (const l of lengths) n += wireSize(l);
  return n;
}

function plan(msg: DhcpMessage, opts: DhcpEncodeOptions): Plan {
  let overload = 0;
  const first: DhcpOption[] = [];
  const rest: DhcpOption[] = [];
  const file: DhcpOption[] = [];
  const sname: DhcpOption[] = [];
  for (const option of msg.options) {
    if (!Number.isInteger(option.code) || option.code < 1 || option.code > 254) {
      throw new DhcpEncodeError(`option code ${option.code} is not in 1..254 (pad and end are written by the encoder)`);
    }
    if (option.code === 52) overload = 'value' in option ? (option.value as number) : (option.raw[0] ?? 0);
    // Replies carry 53 first, where some clients look for it; requests keep their own order (dhcpcd sends 50 first).
    if (option.code === 53 && msg.op === 2) first.push(option);
    else if (option.area === 'file') file.push(option);
    else if (option.area === 'sname') sname.push(option);
    else rest.push(option);
  }
  const main = first.concat(rest);
  const mainLengths = main.map(optionValueLength);
  const fileLengths = file.map(optionValueLength);
  const snameLengths = sname.map(optionValueLength);
  checkArea('file', file.length, fileLengths, FILE_SIZE, overload & 1, msg.file);
  checkArea('sname', sname.length, snameLengths, SNAME_SIZE, overload & 2, msg.sname);

  let natural = DHCP_HEADER_SIZE + sum(mainLengths) + 1;
  const limit = opts.maxSize === undefined ? Infinity : Math.max(DHCP_MIN_MAX_MESSAGE_SIZE, opts.maxSize);
  if (natural > limit) {
    const fitted = dropToFit(main, mainLengths, natural, limit, opts.requested);
    natural = fitted.natural;
    if (opts.overload && overload === 0) {
      const areas: Areas = { main, mainLengths, file, fileLengths, sname, snameLengths, overload };
      natural = rescueIntoFields(areas, msg, fitted.dropped, natural, limit, opts.requested);
      overload = areas.overload;
    }
  }
  const padded = Math.max(opts.minSize ?? BOOTP_MIN_SIZE, natural);
  const hint = msg.length;
  let size = hint !== undefined && hint >= natural ? hint : padded;
  if (size > limit) size = Math.max(natural, Math.min(padded, limit));
  return { main, mainLengths, file, fileLengths, sname, snameLengths, overload, size };
}

function checkArea(name: string, count: number, lengths: number[], capacity: number, used: number, text: string): void {
  if (used) {
    if (text !== '') throw new DhcpEncodeError(`option 52 gives the ${name} field to options, but ${name} is ${JSON.stringify(text)}`);
    // The end option follows when there is room; options that fill the field exactly end at its edge.
    const need = sum(lengths);
    if (need > capacity) throw new DhcpEncodeError(`options for the ${name} field need ${need} bytes; it holds ${capacity}`);
  } else if (count > 0) {
    throw new DhcpEncodeError(`options are placed in the ${name} field, but option 52 does not overload it`);
  }
}

/** The optional options of `main`, the least wanted first: unrequested ones latest first, then requested ones, the client's last choice first. */
function leastWantedFirst(main: readonly DhcpOption[], requested?: readonly number[]): number[] {
  const rank = (i: number): number => {
    const asked = requested?.indexOf(main[i]!.code) ?? -1;
    return asked < 0 ? -1_000_000 - i : -asked;
  };
  const order = main.map((_, i) => i).filter((i) => !NEVER_DROPPED.has(main[i]!.code));
  return order.sort((a, b) => rank(a) - rank(b));
}

/** Keeps the entries of `main` (and their lengths) whose index is not in `gone`. */
function removeAt(main: DhcpOption[], lengths: number[], gone: ReadonlySet<number>): void {
  let w = 0;
  for (let i = 0; i < main.length; i++) {
    if (gone.has(i)) continue;
    main[w] = main[i]!;
    lengths[w++] = lengths[i]!;
  }
  main.length = w;
  lengths.length = w;
}

/**
 * Puts options that `dropToFit` dropped into the file field, then sname
 * (those with no text), the most wanted first, where they fit, and those
 * too big for them back into the options field where the room made allows;
 * option 52 goes after 53, and when its 3 bytes do not fit the options
 * field, kept options move out the same way (least wanted first). Keeps
 * the plain result (returns `natural`, plan untouched) when nothing dropped
 * fits, so overloading never keeps less. Mutates the plan's arrays; returns
 * the new natural size.
 */
function rescueIntoFields(p: Areas, msg: DhcpMessage, dropped: Dropped, natural: number, limit: number, requested?: readonly number[]): number {
  const free = { file: msg.file === '' ? FILE_SIZE : 0, sname: msg.sname === '' ? SNAME_SIZE : 0 };
  // Entries >= 0 index `dropped`; entries < 0 are -1 - (index of a kept option in p.main).
  const into = { file: [] as number[], sname: [] as number[] };
  const place = (need: number, entry: number): boolean => {
    const where = need <= free.file ? 'file' : need <= free.sname ? 'sname' : undefined;
    if (where === undefined) return false;
    free[where] -= need;
    into[where].push(entry);
    return true;
  };
  // Room for option 52 first, from the kept options that fit a field.
  let size = natural + 3;
  const moved = new Set<number>();
  for (const i of leastWantedFirst(p.main, requested)) {
    if (size <= limit) break;
    const need = wireSize(p.mainLengths[i]!);
    if (!place(need, -1 - i)) continue;
    moved.add(i);
    size -= need;
  }
  if (size > limit) return natural;
  let rescued = 0;
  const stillOut: number[] = [];
  for (let d = dropped.options.length - 1; d >= 0; d--) {
    if (place(wireSize(dropped.lengths[d]!), d)) rescued++;
    else stillOut.push(d);
  }
  if (rescued === 0) return natural;
  // What moved out made room: a dropped option too big for the fields may fit the options field again.
  const back: number[] = [];
  for (const d of stillOut) {
    const need = wireSize(dropped.lengths[d]!);
    if (size + need > limit) continue;
    size += need;
    back.push(d);
  }
  const append = (list: number[], options: DhcpOption[], lengths: number[]): void => {
    for (const at of list) {
      options.push(at < 0 ? p.main[-1 - at]! : dropped.options[at]!);
      lengths.push(at < 0 ? p.mainLengths[-1 - at]! : dropped.lengths[at]!);
    }
  };
  append(into.file, p.file, p.fileLengths);
  append(into.sname, p.sname, p.snameLengths);
  removeAt(p.main, p.mainLengths, moved);
  for (const d of back) {
    p.main.push(dropped.options[d]!);
    p.mainLengths.push(dropped.lengths[d]!);
  }
  p.overload = (into.file.length > 0 ? 1 : 0) | (into.sname.length > 0 ? 2 : 0);
  const at = p.main[0]?.code === 53 ? 1 : 0;
  p.main.splice(at, 0, { code: 52, value: p.overload });
  p.mainLengths.splice(at, 0, 1);
  return size;
}

type Areas = Pick<Plan, 'main' | 'mainLengths' | 'file' | 'fileLengths' | 'sname' | 'snameLengths' | 'overload'>;

/** What `dropToFit` dropped, in the order it dropped them (least wanted first). */
interface Dropped {
  readonly options: DhcpOption[];
  readonly lengths: number[];
}

/** Drops optional options (mutating the plan's arrays) until the message fits; returns the new natural size and what it dropped. */
function dropToFit(main: DhcpOption[], lengths: number[], natural: number, limit: number, requested?: readonly number[]): { natural: number; dropped: Dropped } {
  const order: number[] = [];
  for (const i of leastWantedFirst(main, requested)) {
    if (natural <= limit) break;
    natural -= wireSize(lengths[i]!);
    order.push(i);
  }
  if (natural > limit) {
    throw new DhcpEncodeError(`the options that are never dropped need ${natural} bytes, over the maximum message size ${limit}`);
  }
  const dropped = { options: order.map((i) => main[i]!), lengths: order.map((i) => lengths[i]!) };
  removeAt(main, lengths, new Set(order));
  return { natural, dropped };
}

/**
 * The number of bytes `encodeDhcp(msg, opts)` writes. Throws
 * `DhcpEncodeError` like `encodeDhcp`. Pure.
 */
export function dhcpEncodingLength(msg: DhcpMessage, opts: DhcpEncodeOptions = {}): number {
  return plan(msg, opts).size;
}

/**
 * Encodes a message; returns the written bytes (a view into `opts.buffer`
 * when given, else a new array). In a reply (op 2) option 53 goes first,
 * then the other options in array order (a request keeps array order); options with `area` go into sname/file, which option 52 must
 * then overload. The datagram is padded to `msg.length`, else to `minSize`
 * (300). With `maxSize`, options are dropped until it fits: first those the
 * client did not ask for (not in `requested`, or all when `requested` is not
 * given), latest in the message first; then requested ones, the one the
 * client listed last first. Options 53, 54, 51, 58, 59, 1, 3, 52, 61 and 82
 * are never dropped; if they alone do not fit, it throws `DhcpEncodeError`,
 * as it does for out-of-range values and a buffer too small. Pure apart from
 * writing into `opts.buffer`.
 */
export function encodeDhcp(msg: DhcpMessage, opts: DhcpEncodeOptions = {}): Uint8Array {
  const p = plan(msg, opts);
  const o = opts.offset ?? 0;
  let out: Uint8Array;
  if (opts.buffer) {
    out = opts.buffer;
    if (!Number.isInteger(o) || o < 0 || o + p.size > out.length) {
      throw new DhcpEncodeError(`the message needs ${p.size} bytes at offset ${o}; the buffer has ${out.length}`);
    }
    out.fill(0, o, o + p.size);
  } else {
    out = new Uint8Array(p.size);
  }
  writeHeader(msg, p.overload, out, o);
  let pos = o + DHCP_HEADER_SIZE;
  for (let i = 0; i < p.main.length; i++) pos = writeOption(p.main[i]!, p.mainLengths[i]!, out, pos);
  out[pos] = 255;
  if (p.overload & 1) writeArea(p.file, p.fileLengths, out, o + HeaderOffset.file, FILE_SIZE);
  if (p.overload & 2) writeArea(p.sname, p.snameLengths, out, o + HeaderOffset.sname, SNAME_SIZE);
  return out.subarray(o, o + p.size);
}

function int(value: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new DhcpEncodeError(`${field} ${value} is not an integer in 0..${max}`);
  return value;
}

function address(value: number, field: string): number {
  if (!isIpv4(value)) throw new DhcpEncodeError(`${field} ${value} is not an IPv4 address number`);
  return value;
}

function writeHeader(msg: DhcpMessage, overload: number, out: Uint8Array, o: number): void {
  if (msg.chaddr.length > CHADDR_SIZE) throw new DhcpEncodeError(`chaddr has ${msg.chaddr.length} bytes; at most 16 fit`);
  if (msg.sname.length > SNAME_SIZE) throw new DhcpEncodeError(`sname has ${msg.sname.length} bytes; at most 64 fit`);
  if (msg.file.length > FILE_SIZE) throw new DhcpEncodeError(`file has ${msg.file.length} bytes; at most 128 fit`);
  out[o] = int(msg.op, 255, 'op');
  out[o + 1] = int(msg.htype, 255, 'htype');
  out[o + 2] = msg.chaddr.length;
  out[o + 3] = int(msg.hops, 255, 'hops');
  writeIpv4(out, o + HeaderOffset.xid, int(msg.xid, 0xffffffff, 'xid'));
  const secs = int(msg.secs, 0xffff, 'secs');
  out[o + 8] = secs >> 8;
  out[o + 9] = secs;
  const flags = int(msg.flags, 0xffff, 'flags');
  out[o + 10] = flags >> 8;
  out[o + 11] = flags;
  writeIpv4(out, o + HeaderOffset.ciaddr, address(msg.ciaddr, 'ciaddr'));
  writeIpv4(out, o + HeaderOffset.yiaddr, address(msg.yiaddr, 'yiaddr'));
  writeIpv4(out, o + HeaderOffset.siaddr, address(msg.siaddr, 'siaddr'));
  writeIpv4(out, o + HeaderOffset.giaddr, address(msg.giaddr, 'giaddr'));
  out.set(msg.chaddr, o + HeaderOffset.chaddr);
  if (!(overload & 2)) writeLatin1(msg.sname, out, o + HeaderOffset.sname, 'sname');
  if (!(overload & 1)) writeLatin1(msg.file, out, o + HeaderOffset.file, 'file');
  writeIpv4(out, o + HeaderOffset.cookie, DHCP_MAGIC_COOKIE);
}

/**
 * Writes an overloaded field's options and, when a byte is left, the end
 * option. A field its options fill exactly has no room for one; the decoder
 * reads such a field up to its edge, so the encoder writes it back the same
 * way (found by the mutation fuzzer: seed 1797825093).
 */
function writeArea(options: readonly DhcpOption[], lengths: readonly number[], out: Uint8Array, pos: number, capacity: number): void {
  const end = pos + capacity;
  for (let i = 0; i < options.length; i++) pos = writeOption(options[i]!, lengths[i]!, out, pos);
  if (pos < end) out[pos] = 255;
}

function writeOption(option: DhcpOption, len: number, out: Uint8Array, pos: number): number {
  if (len <= 255) {
    out[pos] = option.code;
    out[pos + 1] = len;
    const end = writeOptionValue(option, out, pos + 2);
    if (end !== pos + 2 + len) throw new DhcpEncodeError(`option ${option.code}: value changed length while encoding`);
    return end;
  }
  // RFC 3396 section 5: consecutive instances of at most 255 bytes each.
  const value = new Uint8Array(len);
  writeOptionValue(option, value, 0);
  for (let at = 0; at < len; at += 255) {
    const chunk = Math.min(255, len - at);
    out[pos] = option.code;
    out[pos + 1] = chunk;
    out.set(value.subarray(at, at + chunk), pos + 2);
    pos += 2 + chunk;
  }
  return pos;
}
