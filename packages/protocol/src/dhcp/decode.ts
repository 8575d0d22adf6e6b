/**
 * DHCPv4 decoder (RFC 2131 section 2, RFC 2132, RFC 3396 long options,
 * option overload). It allocates per option, never per byte, and throws
 * nothing but `DhcpDecodeError` and its subclasses.
 */
import { readIpv4 } from '../ipv4/address.js';
import { BOOTP_MIN_SIZE, CHADDR_SIZE, DHCP_HEADER_SIZE, DHCP_MAGIC_COOKIE, HeaderOffset } from './constants.js';
import { encodeDomainSearch } from './domain-name.js';
import {
  DhcpDecodeError,
  DhcpHeaderError,
  DhcpMagicCookieError,
  DhcpOptionOverrunError,
  DhcpOverloadError,
  DhcpTruncatedError,
} from './errors.js';
import type { DhcpMessage, DhcpOption, DhcpOptionArea } from './message.js';
import { decodeOption } from './option-values.js';
import { readLatin1 } from './text.js';

const MAIN = 0;
const FILE = 1;
const SNAME = 2;
const AREA_NAME = ['options', 'file', 'sname'] as const;
const AREA_TAG: readonly (DhcpOptionArea | undefined)[] = [undefined, 'file', 'sname'];

// Per-code scratch for merging RFC 3396 instances. A fresh stamp per decode
// makes stale entries from an earlier (even aborted) decode invisible.
const seenStamp = new Uint32Array(256);
const seenGroup = new Uint16Array(256);
let stamp = 0;

/** Option instances as flat quadruples: code, data start, data length, area. */
class Scan {
  readonly occ: number[] = [];
  irregular = false;

  /** Reads options in `bytes[start..end)`; returns the offset of the end option, or -1 if there is none. */
  area(bytes: Uint8Array, start: number, end: number, area: number): number {
    let pos = start;
    while (pos < end) {
      const code = bytes[pos]!;
      if (code === 0) {
        this.irregular = true;
        pos++;
        continue;
      }
      if (code === 255) {
        for (let i = pos + 1; i < end; i++) {
          if (bytes[i] !== 0) {
            this.irregular = true;
            break;
          }
        }
        return pos;
      }
      if (pos + 1 >= end) {
        throw new DhcpOptionOverrunError(code, `length byte missing at the end of the ${AREA_NAME[area]} field`, pos);
      }
      const len = bytes[pos + 1]!;
      if (pos + 2 + len > end) {
        throw new DhcpOptionOverrunError(code, `${len} data bytes run past the end of the ${AREA_NAME[area]} field (${end - pos - 2} left)`, pos + 1);
      }
      this.occ.push(code, pos + 2, len, area);
      pos += 2 + len;
    }
    // RFC 2131 section 4.1 says the last option is always the end option; tolerated, but noted.
    this.irregular = true;
    return -1;
  }
}

/**
 * Decodes one DHCPv4 datagram (pass a subarray to decode from an offset).
 * Throws only `DhcpDecodeError` subclasses; values are copied out, so the
 * input buffer may be reused afterwards. Pure.
 */
export function decodeDhcp(bytes: Uint8Array): DhcpMessage {
  try {
    return decode(bytes);
  } catch (error) {
    if (error instanceof DhcpDecodeError) throw error;
    // A guard for the contract "nothing else escapes"; the fuzz tests check it never fires.
    throw new DhcpDecodeError(`unexpected decoder failure (${String(error)})`, 0, { cause: error });
  }
}

function decode(bytes: Uint8Array): DhcpMessage {
  const n = bytes.length;
  if (n < HeaderOffset.cookie) throw new DhcpTruncatedError(`datagram ends inside the fixed header (${n} of 236 bytes)`, n);
  if (n < DHCP_HEADER_SIZE) throw new DhcpTruncatedError(`datagram ends inside the magic cookie (${n} of 240 bytes)`, n);
  const hlen = bytes[HeaderOffset.hlen]!;
  if (hlen > CHADDR_SIZE) throw new DhcpHeaderError(`hlen ${hlen} is over the 16 bytes of chaddr`, HeaderOffset.hlen);
  const cookie = readIpv4(bytes, HeaderOffset.cookie);
  if (cookie !== DHCP_MAGIC_COOKIE) {
    throw new DhcpMagicCookieError(`magic cookie is 0x${cookie.toString(16).padStart(8, '0')}, expected 0x63825363`, HeaderOffset.cookie);
  }

  const scan = new Scan();
  const endAt = scan.area(bytes, DHCP_HEADER_SIZE, n, MAIN);
  const overload = readOverload(bytes, scan.occ);
  if (overload & 1) scan.area(bytes, HeaderOffset.file, HeaderOffset.cookie, FILE);
  if (overload & 2) scan.area(bytes, HeaderOffset.sname, HeaderOffset.file, SNAME);

  const options = buildOptions(bytes, scan);

  const chaddr = new Uint8Array(hlen);
  chaddr.set(bytes.subarray(HeaderOffset.chaddr, HeaderOffset.chaddr + hlen));
  for (let i = HeaderOffset.chaddr + hlen; i < HeaderOffset.sname; i++) if (bytes[i] !== 0) scan.irregular = true;

  const msg: {
    -readonly [K in keyof DhcpMessage]: DhcpMessage[K];
  } = {
    op: bytes[0]!,
    htype: bytes[1]!,
    hops: bytes[3]!,
    xid: readIpv4(bytes, HeaderOffset.xid),
    secs: (bytes[8]! << 8) | bytes[9]!,
    flags: (bytes[10]! << 8) | bytes[11]!,
    ciaddr: readIpv4(bytes, HeaderOffset.ciaddr),
    yiaddr: readIpv4(bytes, HeaderOffset.yiaddr),
    siaddr: readIpv4(bytes, HeaderOffset.siaddr),
    giaddr: readIpv4(bytes, HeaderOffset.giaddr),
    chaddr,
    sname: overload & 2 ? '' : readField(bytes, HeaderOffset.sname, HeaderOffset.file),
    file: overload & 1 ? '' : readField(bytes, HeaderOffset.file, HeaderOffset.cookie),
    options,
  };
  const natural = endAt >= 0 ? endAt + 1 : n + 1;
  if (n >= natural && n !== Math.max(BOOTP_MIN_SIZE, natural)) msg.length = n;
  if (scan.irregular) msg.nonCanonical = true;
  return msg;
}

/** Option 52 must be in the options field itself (RFC 2131 section 4.1). */
function readOverload(bytes: Uint8Array, occ: readonly number[]): number {
  let value = 0;
  let total = 0;
  let first = -1;
  for (let i = 0; i < occ.length; i += 4) {
    if (occ[i] !== 52) continue;
    if (first < 0) first = occ[i + 1]!;
    total += occ[i + 2]!;
    if (occ[i + 2]! > 0) value = bytes[occ[i + 1]!]!;
  }
  if (first < 0) return 0;
  if (total !== 1) throw new DhcpOverloadError(52, `length ${total}, expected 1`, first - 1);
  if (value < 1 || value > 3) throw new DhcpOverloadError(52, `value ${value}, expected 1 (file), 2 (sname) or 3 (both)`, first);
  return value;
}

/** A text header field: every byte up to the last non-zero one. */
function readField(bytes: Uint8Array, start: number, end: number): string {
  let last = end;
  while (last > start && bytes[last - 1] === 0) last--;
  return readLatin1(bytes, start, last - start);
}

/** Merges instances of one code (RFC 3396 section 6) and decodes each option's value. */
function buildOptions(bytes: Uint8Array, scan: Scan): DhcpOption[] {
  const occ = scan.occ;
  if (++stamp > 0xffffffff) {
    seenStamp.fill(0);
    stamp = 1;
  }
  // Group g is a list of occurrence indexes; most groups have exactly one.
  const groups: number[][] = [];
  for (let i = 0; i < occ.length; i += 4) {
    const code = occ[i]!;
    const area = occ[i + 3]!;
    if (code === 52 && area !== MAIN) {
      throw new DhcpOverloadError(52, `option overload inside the overloaded ${AREA_NAME[area]} field`, occ[i + 1]! - 2);
    }
    if (seenStamp[code] !== stamp) {
      seenStamp[code] = stamp;
      seenGroup[code] = groups.length;
      groups.push([i]);
      continue;
    }
    const group = groups[seenGroup[code]!]!;
    const prev = group[group.length - 1]!;
    // Canonical splitting: consecutive instances in one field, each full but the last.
    if (prev !== i - 4 || occ[prev + 2] !== 255 || occ[prev + 3] !== area) scan.irregular = true;
    group.push(i);
  }
  const options: DhcpOption[] = [];
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    const first = group[0]!;
    const code = occ[first]!;
    const area = occ[first + 3]!;
    const start = occ[first + 1]!;
    if (code === 53 && bytes[0] === 2 && (g !== 0 || area !== MAIN)) scan.irregular = true;
    let option: DhcpOption;
    let data = bytes;
    let dataStart = start;
    let total = occ[first + 2]!;
    if (group.length > 1) {
      total = 0;
      for (const i of group) total += occ[i + 2]!;
      if (occ[group[group.length - 1]! + 2] === 0) scan.irregular = true;
      data = new Uint8Array(total);
      let at = 0;
      for (const i of group) {
        data.set(bytes.subarray(occ[i + 1]!, occ[i + 1]! + occ[i + 2]!), at);
        at += occ[i + 2]!;
      }
      dataStart = 0;
    }
    option = decodeOption(code, data, dataStart, total, start);
    if (code === 119 && 'value' in option && !sameBytes(encodeDomainSearch(option.value as readonly string[]), data, dataStart, total)) {
      scan.irregular = true;
    }
    const tag = AREA_TAG[area];
    if (tag !== undefined) option = { ...option, area: tag };
    options.push(option);
  }
  return options;
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, len: number): boolean {
  if (a.length !== len) return false;
  for (let i = 0; i < len; i++) if (a[i] !== b[start + i]) return false;
  return true;
}
