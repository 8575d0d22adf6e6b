/**
 * A classic pcap file as the UDP and TCP payloads it carries, with their
 * 5-tuples: enough to feed captured DHCP and DNS to the codecs.
 */
import { assertSupportedLinkType, parseFrame } from './frame.js';
import { readPcapFile } from './pcap-file.js';
import type { PcapTimestamp } from './pcap-file.js';
import { LengthPrefixedStream } from './tcp-stream.js';

export interface PcapRecord {
  /** The frame (1-based, as Wireshark numbers them) that carried or completed this payload. */
  readonly frame: number;
  readonly ts: PcapTimestamp;
  readonly proto: 'udp' | 'tcp';
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly payload: Uint8Array;
}

export interface ReadPcapOptions {
  /**
   * TCP ports whose streams carry length-prefixed DNS messages (RFC 1035 4.2.2):
   * their payloads are reassembled per direction and yielded one record per
   * message. Other TCP segments are yielded one record per non-empty segment.
   * Default [53].
   */
  readonly dnsTcpPorts?: readonly number[];
}

/**
 * Every UDP datagram and TCP payload in a classic pcap (either byte order, µs or
 * ns timestamps; Ethernet, Linux cooked v1/v2 and raw IP links), in file order.
 * Pure. Frames that carry neither (ARP, ICMP, IP fragments) and frames cut
 * short by the capture's snaplen are skipped; checksums are not checked (a
 * capture on the sending host sees offloaded, unfinished ones). Throws
 * PcapDecodeError (or PcapLinkTypeError) when the file or a frame's headers are
 * malformed.
 */
export function readPcap(bytes: Uint8Array, options: ReadPcapOptions = {}): PcapRecord[] {
  const file = readPcapFile(bytes);
  assertSupportedLinkType(file.linkType);
  const dnsPorts = new Set(options.dnsTcpPorts ?? [53]);
  const streams = new Map<string, LengthPrefixedStream>();
  const records: PcapRecord[] = [];
  for (const frame of file.frames) {
    if (frame.data.length < frame.originalLength) continue;
    const dataOffset = frame.offset + 16;
    const segment = parseFrame(file.linkType, frame.data, dataOffset);
    if (segment === undefined) continue;
    const { proto, src, dst, sport, dport } = segment;
    const base = { frame: frame.index, ts: frame.ts, proto, src, dst, sport, dport };
    if (segment.proto === 'udp') {
      records.push({ ...base, payload: segment.payload });
      continue;
    }
    if (!dnsPorts.has(sport) && !dnsPorts.has(dport)) {
      if (segment.payload.length > 0) records.push({ ...base, payload: segment.payload });
      continue;
    }
    const key = `${src}|${sport}|${dst}|${dport}`;
    let stream = streams.get(key);
    if (stream === undefined) {
      stream = new LengthPrefixedStream();
      streams.set(key, stream);
    }
    for (const message of stream.push(segment)) {
      records.push({ ...base, payload: message });
    }
  }
  return records;
}
