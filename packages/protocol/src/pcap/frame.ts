/**
 * From one captured frame to its UDP datagram or TCP segment: link layer
 * (Ethernet with 802.1Q/802.1ad tags, Linux cooked v1/v2, raw IP), IPv4 or
 * IPv6 (skipping extension headers), then UDP or TCP.
 */
import { ipv4Text, ipv6Text } from './address.js';
import { PcapDecodeError, PcapLinkTypeError } from './errors.js';

/** LINKTYPE_* values read here (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

interface SegmentBase {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly payload: Uint8Array;
}
export interface UdpDatagram extends SegmentBase {
  readonly proto: 'udp';
}
export interface TcpSegment extends SegmentBase {
  readonly proto: 'tcp';
  readonly seq: number;
  readonly syn: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
}
export type TransportSegment = UdpDatagram | TcpSegment;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_FRAGMENT = 44;
/** IPv6 extension headers with the generic (next header, length in 8-octet units - 1) shape. */
const IPV6_EXTENSIONS = new Set([0, 43, 60]);

/** Throws when `linkType` is not one that `parseFrame` reads. Pure. */
export function assertSupportedLinkType(linkType: number): void {
  if (!Object.values(LinkType).includes(linkType as never)) throw new PcapLinkTypeError(linkType);
}

/**
 * The UDP or TCP segment carried by a frame, or `undefined` for frames that
 * carry something else (ARP, ICMP, IPv4 fragments, an IPv6 fragment header).
 * `fileOffset` is where the frame's bytes start in the file, for errors. Pure.
 */
export function parseFrame(linkType: number, data: Uint8Array, fileOffset: number): TransportSegment | undefined {
  const at = (reason: string, offset: number) => new PcapDecodeError(reason, fileOffset + offset);
  const need = (offset: number, length: number, what: string) => {
    if (data.length < offset + length) throw at(`${what} cut short: needs ${length} bytes, ${data.length - offset} captured`, offset);
  };
  const u16 = (o: number) => (data[o]! << 8) | data[o + 1]!;
  const u32 = (o: number) => ((data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!) >>> 0;

  let etherType: number;
  let ip: number;
  switch (linkType) {
    case LinkType.ETHERNET: {
      need(0, 14, 'Ethernet header');
      etherType = u16(12);
      ip = 14;
      while (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ) {
        need(ip, 4, '802.1Q tag');
        etherType = u16(ip + 2);
        ip += 4;
      }
      break;
    }
    case LinkType.LINUX_SLL:
      need(0, 16, 'Linux cooked (SLL) header');
      etherType = u16(14);
      ip = 16;
      break;
    case LinkType.LINUX_SLL2:
      need(0, 20, 'Linux cooked v2 (SLL2) header');
      etherType = u16(0);
      ip = 20;
      break;
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6: {
      need(0, 1, 'raw IP header');
      const version = data[0]! >> 4;
      if (version !== 4 && version !== 6) throw at(`raw IP frame has IP version ${version}`, 0);
      etherType = version === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
      ip = 0;
      break;
    }
    default:
      throw new PcapLinkTypeError(linkType);
  }

  let src: string;
  let dst: string;
  let protocol: number;
  let l4: number;
  let l4End: number;
  if (etherType === ETHERTYPE_IPV4) {
    need(ip, 20, 'IPv4 header');
    const version = data[ip]! >> 4;
    if (version !== 4) throw at(`IPv4 header has version ${version}`, ip);
    const headerLength = (data[ip]! & 0x0f) * 4;
    if (headerLength < 20) throw at(`IPv4 header length ${headerLength} is below 20`, ip);
    const totalLength = u16(ip + 2);
    if (totalLength < headerLength) throw at(`IPv4 total length ${totalLength} is below its header length ${headerLength}`, ip + 2);
    need(ip, totalLength, 'IPv4 packet');
    // Fragments are not reassembled: DHCP and DNS here fit in one datagram.
    const fragment = u16(ip + 6);
    if ((fragment & 0x2000) !== 0 || (fragment & 0x1fff) !== 0) return undefined;
    protocol = data[ip + 9]!;
    src = ipv4Text(data, ip + 12);
    dst = ipv4Text(data, ip + 16);
    l4 = ip + headerLength;
    // Ethernet pads short frames to 60 bytes: the IP length, not the frame, ends the packet.
    l4End = ip + totalLength;
  } else if (etherType === ETHERTYPE_IPV6) {
    need(ip, 40, 'IPv6 header');
    const version = data[ip]! >> 4;
    if (version !== 6) throw at(`IPv6 header has version ${version}`, ip);
    const payloadLength = u16(ip + 4);
    need(ip + 40, payloadLength, 'IPv6 payload');
    protocol = data[ip + 6]!;
    src = ipv6Text(data, ip + 8);
    dst = ipv6Text(data, ip + 24);
    l4 = ip + 40;
    l4End = l4 + payloadLength;
    while (IPV6_EXTENSIONS.has(protocol)) {
      if (l4End - l4 < 8) throw at('IPv6 extension header cut short', l4);
      const length = (data[l4 + 1]! + 1) * 8;
      if (l4End - l4 < length) throw at(`IPv6 extension header of ${length} bytes runs past the payload`, l4);
      protocol = data[l4]!;
      l4 += length;
    }
    if (protocol === IPPROTO_FRAGMENT) return undefined;
  } else {
    return undefined;
  }

  if (protocol === IPPROTO_UDP) {
    if (l4End - l4 < 8) throw at(`UDP header cut short: ${l4End - l4} bytes`, l4);
    const udpLength = u16(l4 + 4);
    if (udpLength < 8 || udpLength > l4End - l4) {
      throw at(`UDP length ${udpLength} does not fit the ${l4End - l4} bytes the IP header allows`, l4 + 4);
    }
    return { proto: 'udp', src, dst, sport: u16(l4), dport: u16(l4 + 2), payload: data.subarray(l4 + 8, l4 + udpLength) };
  }
  if (protocol === IPPROTO_TCP) {
    if (l4End - l4 < 20) throw at(`TCP header cut short: ${l4End - l4} bytes`, l4);
    const headerLength = (data[l4 + 12]! >> 4) * 4;
    if (headerLength < 20 || headerLength > l4End - l4) {
      throw at(`TCP data offset ${headerLength} does not fit the ${l4End - l4}-byte segment`, l4 + 12);
    }
    const flags = data[l4 + 13]!;
    return {
      proto: 'tcp',
      src,
      dst,
      sport: u16(l4),
      dport: u16(l4 + 2),
      payload: data.subarray(l4 + headerLength, l4End),
      seq: u32(l4 + 4),
      fin: (flags & 0x01) !== 0,
      syn: (flags & 0x02) !== 0,
      rst: (flags & 0x04) !== 0,
    };
  }
  return undefined;
}
