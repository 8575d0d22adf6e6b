/**
 * Name compression (RFC 1035 4.1.4) as a pass over wire bytes: dns-packet
 * writes names in full, so encodeDns output can be compressed afterwards, and
 * so can any message (e.g. an answer built from pieces) before it is sent.
 */
import { scanDns } from './scan.js';
import { DnsType } from './types.js';
import { HEADER_LENGTH, u16, writeU16 } from './wire.js';

/** Pointers hold 14 bits of offset. */
const MAX_POINTER = 0x3fff;

/**
 * Returns the message with every owner name, and the names inside NS, CNAME,
 * PTR, MX and SOA rdata (the RFC 1035 types: RFC 3597 4 forbids compressing
 * others), replaced by a pointer where an earlier name ends in the same labels
 * (byte for byte, so letter case is kept). Decodes to the same message. Pure;
 * throws DnsDecodeError if the input is malformed.
 */
export function compressDns(bytes: Uint8Array): Uint8Array {
  const layout = scanDns(bytes);
  const w = new Writer(bytes.length + 256);
  w.copy(bytes, 0, HEADER_LENGTH);
  const seen = new Map<string, number>();
  const [qd] = layout.counts;
  let o = HEADER_LENGTH;
  layout.fields.forEach((t, i) => {
    w.name(bytes, o, seen, true);
    if (i < qd) {
      w.copy(bytes, t, 4);
      o = t + 4;
      return;
    }
    w.copy(bytes, t, 8);
    const type = u16(bytes, t);
    const rd = t + 10;
    const rdEnd = rd + u16(bytes, t + 8);
    const lengthAt = w.reserve(2);
    const start = w.length;
    switch (type) {
      case DnsType.NS:
      case DnsType.CNAME:
      case DnsType.PTR:
        w.name(bytes, rd, seen, true);
        break;
      case DnsType.MX:
        w.copy(bytes, rd, 2);
        w.name(bytes, rd + 2, seen, true);
        break;
      case DnsType.SRV:
        // RFC 2782: the target is never compressed, but later names may point into it.
        w.copy(bytes, rd, 6);
        w.name(bytes, rd + 6, seen, false);
        break;
      case DnsType.SOA: {
        const rname = w.name(bytes, rd, seen, true);
        const fixed = w.name(bytes, rname, seen, true);
        w.copy(bytes, fixed, 20);
        break;
      }
      default:
        w.copy(bytes, rd, rdEnd - rd);
    }
    writeU16(w.buf, lengthAt, w.length - start);
    o = rdEnd;
  });
  return w.buf.slice(0, w.length);
}

class Writer {
  buf: Uint8Array;
  length = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  copy(src: Uint8Array, from: number, n: number): void {
    const at = this.reserve(n);
    this.buf.set(src.subarray(from, from + n), at);
  }

  /**
   * Writes the (already validated) name at `src[from]`, pointing at the
   * longest earlier suffix in `seen` if `point`, and records the suffixes it
   * writes. Returns the source offset just past the name's in-place part.
   */
  name(src: Uint8Array, from: number, seen: Map<string, number>, point: boolean): number {
    const labels: number[] = [];
    let o = from;
    let end = -1;
    for (let len = src[o]!; len !== 0; len = src[o]!) {
      if (len >= 0xc0) {
        if (end < 0) end = o + 2;
        o = ((len & 0x3f) << 8) | src[o + 1]!;
        continue;
      }
      labels.push(o);
      o += len + 1;
    }
    if (end < 0) end = o + 1;
    const keys = labels.map((_, i) =>
      labels
        .slice(i)
        .map((l) => Buffer.from(src.subarray(l, l + 1 + src[l]!)).toString('latin1'))
        .join(''),
    );
    for (let i = 0; i < labels.length; i++) {
      const target = point ? seen.get(keys[i]!) : undefined;
      if (target !== undefined) {
        const at = this.reserve(2);
        writeU16(this.buf, at, 0xc000 | target);
        return end;
      }
      if (this.length <= MAX_POINTER && !seen.has(keys[i]!)) seen.set(keys[i]!, this.length);
      const l = labels[i]!;
      this.copy(src, l, 1 + src[l]!);
    }
    const at = this.reserve(1);
    this.buf[at] = 0;
    return end;
  }
}
