/**
 * The STATUS_CODE message's UTF-8 (RFC 8415 21.13) without a TextEncoder
 * allocation per message: status messages are short ASCII nearly always, and
 * `encode` was a third of a REPLY's encoding time.
 */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Bytes `text` takes as UTF-8 (a lone surrogate is written as U+FFFD, 3 bytes, as TextEncoder does). Pure. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Writes `text` as UTF-8 at `pos`; returns the position after it. Mutates `out`. */
export function writeUtf8(text: string, out: Uint8Array, pos: number): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return pos + encoder.encodeInto(text.slice(i), out.subarray(pos)).written;
    out[pos++] = c;
  }
  return pos;
}

/** `bytes[start..end)` as text; throws TypeError when they are not UTF-8. Pure. */
export function readUtf8(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return text + decoder.decode(bytes.subarray(i, end));
    text += String.fromCharCode(b);
  }
  return text;
}
