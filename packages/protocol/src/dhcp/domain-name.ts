/**
 * Domain names inside DHCP options: option 119 (RFC 3397, a list of names
 * with RFC 1035 compression, pointers counted from the start of the
 * option's concatenated data) and option 81 (RFC 4702, one name in
 * canonical wire format, no compression, possibly partial).
 *
 * Names are shown in RFC 1035 presentation form so that any label bytes
 * survive a round trip: labels joined by ".", a trailing "." when the name
 * ends in the root label, and "\." "\\" "\DDD" escapes for dots, backslashes
 * and bytes outside printable ASCII. The root alone is ".".
 */
import { DhcpDomainNameError, DhcpEncodeError } from './errors.js';

/** RFC 1035 section 2.3.4. */
const MAX_LABEL = 63;
const MAX_NAME = 255;

export interface ReadName {
  readonly name: string;
  /** Index in `data` just after the name's own bytes (after its pointer, if it ended in one). */
  readonly next: number;
}

/**
 * Reads one name starting at `pos` in `data[0..end)`. With `compression`,
 * 0xC0 pointers are followed (they index `data` from 0); without it they are
 * an error and a name may end at `end` without a root label (a partial name).
 * `base` turns an index of `data` into a datagram offset for errors. Pure.
 */
export function readDomainName(
  data: Uint8Array,
  pos: number,
  end: number,
  base: number,
  code: number,
  compression: boolean,
): ReadName {
  let name = '';
  let wireLength = 0;
  let next = -1;
  let jumps = 0;
  for (;;) {
    if (pos >= end) {
      if (!compression && next < 0) return { name, next: pos };
      throw new DhcpDomainNameError(code, 'name runs past the end of the option data', base + pos);
    }
    const len = data[pos]!;
    if (len === 0) {
      return { name: name === '' ? '.' : name + '.', next: next < 0 ? pos + 1 : next };
    }
    if (len >= 0xc0) {
      if (!compression) {
        throw new DhcpDomainNameError(code, 'compression pointer in a name that must not be compressed (RFC 4702 section 2.3.1)', base + pos);
      }
      if (pos + 1 >= end) throw new DhcpDomainNameError(code, 'compression pointer cut off by the end of the option data', base + pos);
      const target = ((len & 0x3f) << 8) | data[pos + 1]!;
      if (target >= end) {
        throw new DhcpDomainNameError(code, `compression pointer to ${target} lies outside the ${end}-byte option data`, base + pos);
      }
      // Each jump in a sane name adds at least one label, so more jumps than a
      // 255-byte name has labels means the pointers go round in a circle.
      if (++jumps > 127) throw new DhcpDomainNameError(code, 'compression loop', base + pos);
      if (next < 0) next = pos + 2;
      pos = target;
      continue;
    }
    if (len > MAX_LABEL) {
      throw new DhcpDomainNameError(code, `label length byte ${len}: labels are at most 63 bytes (types 0x40 and 0x80 are reserved)`, base + pos);
    }
    if (pos + 1 + len > end) throw new DhcpDomainNameError(code, `${len}-byte label runs past the end of the option data`, base + pos);
    wireLength += len + 1;
    if (wireLength + 1 > MAX_NAME) throw new DhcpDomainNameError(code, 'name is longer than 255 bytes', base + pos);
    name += (name === '' ? '' : '.') + formatLabel(data, pos + 1, len);
    pos += 1 + len;
  }
}

function formatLabel(data: Uint8Array, start: number, len: number): string {
  let out = '';
  for (let i = start; i < start + len; i++) {
    const b = data[i]!;
    if (b === 0x2e || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += '\\' + String(b).padStart(3, '0');
  }
  return out;
}

/** A name split into labels, each a string of byte values 0..255. */
export interface ParsedName {
  readonly labels: readonly string[];
  /** True when the text ended in "." (the root label follows the labels). */
  readonly fqdn: boolean;
}

/** Parses presentation form; throws `DhcpEncodeError` on bad escapes, empty labels or lengths over the limits. Pure. */
export function parseDomainName(text: string): ParsedName {
  if (text === '.') return { labels: [], fqdn: true };
  const labels: string[] = [];
  let label = '';
  let wire = 1;
  let fqdn = false;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (label === '') throw new DhcpEncodeError(`domain name ${JSON.stringify(text)} has an empty label`);
      labels.push(label);
      wire += label.length + 1;
      label = '';
      if (i === text.length - 1) fqdn = true;
      continue;
    }
    if (c === 0x5c) {
      const d = text.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(d)) {
        c = Number(d);
        i += 3;
      } else if (i + 1 < text.length) {
        c = text.charCodeAt(++i);
      } else {
        c = 0x100;
      }
      if (c > 0xff) throw new DhcpEncodeError(`domain name ${JSON.stringify(text)} has a bad escape`);
    } else if (c > 0xff) {
      throw new DhcpEncodeError(`domain name ${JSON.stringify(text)} has a character above U+00FF (encode it as \\DDD bytes)`);
    }
    label += String.fromCharCode(c);
    if (label.length > MAX_LABEL) throw new DhcpEncodeError(`domain name ${JSON.stringify(text)} has a label over 63 bytes`);
  }
  if (label !== '') {
    labels.push(label);
    wire += label.length + 1;
  }
  if (wire > MAX_NAME) throw new DhcpEncodeError(`domain name ${JSON.stringify(text)} is longer than 255 bytes`);
  return { labels, fqdn };
}

/** Wire length of a name without compression (root label included only if `fqdn`). Pure. */
export function domainNameLength(name: ParsedName): number {
  let n = name.fqdn ? 1 : 0;
  for (const label of name.labels) n += label.length + 1;
  return n;
}

/** Writes a name without compression at `pos`; returns the position after it. Mutates `out`. */
export function writeDomainName(name: ParsedName, out: Uint8Array, pos: number): number {
  for (const label of name.labels) pos = writeLabel(label, out, pos);
  if (name.fqdn) out[pos++] = 0;
  return pos;
}

function writeLabel(label: string, out: Uint8Array, pos: number): number {
  out[pos++] = label.length;
  for (let i = 0; i < label.length; i++) out[pos++] = label.charCodeAt(i);
  return pos;
}

/**
 * RFC 3397 option data for a list of names, every name fully qualified
 * (a missing trailing "." is implied). A name whose tail was already
 * written ends in a pointer to it; only byte-identical tails are shared.
 * Pure.
 */
export function encodeDomainSearch(names: readonly string[]): Uint8Array {
  const parsed = names.map(parseDomainName);
  let bound = 0;
  for (const name of parsed) bound += domainNameLength(name) + 1;
  const out = new Uint8Array(bound);
  const written = new Map<string, number>();
  let pos = 0;
  for (const { labels } of parsed) {
    let i = 0;
    for (; i < labels.length; i++) {
      // U+0100 cannot occur inside a label string, so the key is unambiguous.
      const key = labels.slice(i).join('\u0100');
      const at = written.get(key);
      if (at !== undefined) {
        out[pos++] = 0xc0 | (at >> 8);
        out[pos++] = at & 0xff;
        break;
      }
      if (pos < 0x4000) written.set(key, pos);
      pos = writeLabel(labels[i]!, out, pos);
    }
    if (i === labels.length) out[pos++] = 0;
  }
  return out.subarray(0, pos);
}

/** Reads RFC 3397 option data: names until the data ends. `base` is the datagram offset of `data[0]`. Pure. */
export function decodeDomainSearch(data: Uint8Array, base: number, code: number): string[] {
  const names: string[] = [];
  let pos = 0;
  while (pos < data.length) {
    const read = readDomainName(data, pos, data.length, base, code, true);
    names.push(read.name);
    pos = read.next;
  }
  return names;
}
