/**
 * DHCP text fields (host name, domain name, vendor class, sname, file...)
 * are byte strings with no declared character set. They are read one
 * character per byte (ISO 8859-1), which keeps every byte through a round
 * trip; WHATWG's "latin1" TextDecoder is really windows-1252 and would not.
 */
import { DhcpEncodeError } from './errors.js';

/** Bytes `start..start+len` as a string of U+0000..U+00FF. Pure. */
export function readLatin1(bytes: Uint8Array, start: number, len: number): string {
  if (len <= 24) {
    let s = '';
    for (let i = start; i < start + len; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  return String.fromCharCode.apply(null, bytes.subarray(start, start + len) as unknown as number[]);
}

/** Writes a string of U+0000..U+00FF as bytes; throws `DhcpEncodeError` naming `what` for other characters. Mutates `out`. */
export function writeLatin1(text: string, out: Uint8Array, pos: number, what: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new DhcpEncodeError(`${what}: character U+${c.toString(16).padStart(4, '0')} is not one byte (write UTF-8 as its bytes)`);
    out[pos++] = c;
  }
  return pos;
}
