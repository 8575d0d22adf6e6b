/**
 * Builders of pcap files and of the frames inside them, so tests can make the
 * captures they need. Test-only: meant for a `./testing` export, never the
 * main index. No checksums are computed (readers must not check them).
 */
import { LinkType } from './frame.js';

export interface BuildFrame {
  readonly seconds: number;
  /** Nanoseconds; written as µs (truncated) in a micro-precision file. */
  readonly nanos: number;
  readonly data: Uint8Array;
  /** Length on the wire; defaults to data.length. */
  readonly originalLength?: number;
}

export interface BuildPcapOptions {
  readonly littleEndian?: boolean;
  readonly precision?: 'micro' | 'nano';
  readonly linkType: number;
  readonly snaplen?: number;
  readonly frames: readonly BuildFrame[];
}

/** A classic pcap file holding `frames`. Pure. */
export function buildPcap(options: BuildPcapOptions): Uint8Array {
  const le = options.littleEndian ?? true;
  const nano = options.precision === 'nano';
  const size = 24 + options.frames.reduce((n, f) => n + 16 + f.data.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setUint32(16, options.snaplen ?? 262144, le);
  view.setUint32(20, options.linkType, le);
  let offset = 24;
  for (const frame of options.frames) {
    view.setUint32(offset, frame.seconds, le);
    view.setUint32(offset + 4, nano ? frame.nanos : Math.floor(frame.nanos / 1000), le);
    view.setUint32(offset + 8, frame.data.length, le);
    view.setUint32(offset + 12, frame.originalLength ?? frame.data.length, le);
    out.set(frame.data, offset + 16);
    offset += 16 + frame.data.length;
  }
  return out;
}

export interface Endpoints {
  /** Dotted IPv4 or full/compressed IPv6 text; both must be the same family. */
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
}

export interface TcpFields {
  readonly seq: number;
  readonly syn?: boolean;
  readonly fin?: boolean;
  readonly rst?: boolean;
  /** TCP options bytes (a multiple of 4 long). */
  readonly options?: Uint8Array;
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function ipv6Bytes(text: string): Uint8Array {
  const [head = '', tail] = text.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function be16(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}

/** A UDP datagram (header + payload). Pure. */
export function udp(ep: Endpoints, payload: Uint8Array): Uint8Array {
  return concat(be16(ep.sport), be16(ep.dport), be16(8 + payload.length), be16(0), payload);
}

/** A TCP segment (header + payload). Pure. */
export function tcp(ep: Endpoints, fields: TcpFields, payload: Uint8Array): Uint8Array {
  const options = fields.options ?? new Uint8Array(0);
  const header = new Uint8Array(20);
  header.set(be16(ep.sport), 0);
  header.set(be16(ep.dport), 2);
  new DataView(header.buffer).setUint32(4, fields.seq >>> 0);
  header[12] = ((20 + options.length) / 4) << 4;
  header[13] = 0x10 | (fields.fin ? 0x01 : 0) | (fields.syn ? 0x02 : 0) | (fields.rst ? 0x04 : 0) | (payload.length > 0 ? 0x08 : 0);
  header.set(be16(65535), 14);
  return concat(header, options, payload);
}

/** An IPv4 or IPv6 packet around a transport segment (17 = UDP, 6 = TCP). Pure. */
export function ip(ep: Pick<Endpoints, 'src' | 'dst'>, protocol: number, segment: Uint8Array): Uint8Array {
  if (ep.src.includes(':')) {
    const header = new Uint8Array(40);
    header[0] = 0x60;
    header.set(be16(segment.length), 4);
    header[6] = protocol;
    header[7] = 64;
    header.set(ipv6Bytes(ep.src), 8);
    header.set(ipv6Bytes(ep.dst), 24);
    return concat(header, segment);
  }
  const header = new Uint8Array(20);
  header[0] = 0x45;
  header.set(be16(20 + segment.length), 2);
  header[8] = 64;
  header[9] = protocol;
  header.set(ipv4Bytes(ep.src), 12);
  header.set(ipv4Bytes(ep.dst), 16);
  return concat(header, segment);
}

/** An IP packet framed for `linkType`, with optional 802.1Q VLAN tags on Ethernet. Pure. */
export function link(linkType: number, packet: Uint8Array, vlans: readonly number[] = []): Uint8Array {
  const etherType = (packet[0]! >> 4) === 6 ? 0x86dd : 0x0800;
  switch (linkType) {
    case LinkType.ETHERNET: {
      const macs = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0xc6, 0x12, 0x0a, 0x02);
      const tags = vlans.map((id) => concat(be16(0x8100), be16(id)));
      const frame = concat(macs, ...tags, be16(etherType), packet);
      // Ethernet's 60-byte minimum: padding the reader must ignore.
      return frame.length >= 60 ? frame : concat(frame, new Uint8Array(60 - frame.length));
    }
    case LinkType.LINUX_SLL:
      return concat(be16(4), be16(1), be16(6), Uint8Array.of(2, 0, 0xc6, 0x12, 0x0a, 0x02, 0, 0), be16(etherType), packet);
    case LinkType.LINUX_SLL2:
      return concat(be16(etherType), be16(0), Uint8Array.of(0, 0, 0, 3), be16(1), Uint8Array.of(4, 6), Uint8Array.of(2, 0, 0xc6, 0x12, 0x0a, 0x02, 0, 0), packet);
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return packet;
    default:
      throw new Error(`link(): no framing for link type ${linkType}`);
  }
}

/** `payload` as a DNS-over-TCP message (2-byte length prefix). Pure. */
export function lengthPrefixed(payload: Uint8Array): Uint8Array {
  return concat(be16(payload.length), payload);
}

export { concat as concatBytes };
