/**
 * DOMAIN_LIST (option 24, RFC 3646 section 4) and every other DHCPv6 name:
 * RFC 1035 section 3.1 wire form, each name ending in the root label, never
 * compressed (RFC 8415 section 10). Names are shown in the presentation form
 * the DHCPv4 codec uses for option 119 (`\.`, `\\`, `\DDD` escapes, a
 * trailing "."), and written with its parser.
 */
import { DhcpEncodeError } from '../dhcp/errors.js';
import { domainNameLength, parseDomainName, writeDomainName, type ParsedName } from '../dhcp/domain-name.js';
import { Dhcp6EncodeError, Dhcp6OptionValueError } from './errors.js';

/** RFC 1035 section 2.3.4. */
const MAX_LABEL = 63;
const MAX_NAME = 255;

/** Names in `bytes[start..end)` until the data ends; `code` names the option for errors. Pure. */
export function readDomainList(bytes: Uint8Array, start: number, end: number, code: number): string[] {
  const names: string[] = [];
  let pos = start;
  while (pos < end) {
    let name = '';
    let wire = 1;
    for (;;) {
      if (pos >= end) throw new Dhcp6OptionValueError(code, 'name does not end in the root label before the option ends (partial names are not allowed, RFC 8415 section 10)', pos);
      const len = bytes[pos]!;
      if (len === 0) {
        pos++;
        break;
      }
      if (len >= 0xc0) throw new Dhcp6OptionValueError(code, 'compression pointer: DHCPv6 names are never compressed (RFC 8415 section 10)', pos);
      if (len > MAX_LABEL) throw new Dhcp6OptionValueError(code, `label length byte ${len}: labels are at most 63 bytes`, pos);
      if (pos + 1 + len > end) throw new Dhcp6OptionValueError(code, `${len}-byte label runs past the end of the option`, pos);
      wire += len + 1;
      if (wire > MAX_NAME) throw new Dhcp6OptionValueError(code, 'name is longer than 255 bytes', pos);
      name += (name === '' ? '' : '.') + formatLabel(bytes, pos + 1, len);
      pos += 1 + len;
    }
    names.push(name === '' ? '.' : name + '.');
  }
  return names;
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

/** Names parsed for writing, each fully qualified (a missing trailing "." is implied). Throws `Dhcp6EncodeError`. Pure. */
export function parseDomainList(names: readonly string[]): ParsedName[] {
  return names.map((name) => {
    try {
      return { ...parseDomainName(name), fqdn: true };
    } catch (error) {
      if (error instanceof DhcpEncodeError) throw new Dhcp6EncodeError(error.message, { cause: error });
      throw error;
    }
  });
}

/** Wire length of parsed names. Pure. */
export function domainListLength(names: readonly ParsedName[]): number {
  let n = 0;
  for (const name of names) n += domainNameLength(name);
  return n;
}

/** Writes parsed names at `pos`; returns the position after them. Mutates `out`. */
export function writeDomainList(names: readonly ParsedName[], out: Uint8Array, pos: number): number {
  for (const name of names) pos = writeDomainName(name, out, pos);
  return pos;
}
