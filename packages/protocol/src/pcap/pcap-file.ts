/**
 * The classic libpcap file format: a 24-byte global header, then records of a
 * 16-byte header and the captured bytes
 * (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html).
 */
import { PcapDecodeError } from './errors.js';

/** Seconds and nanoseconds since the epoch, exact for both µs and ns files. */
export interface PcapTimestamp {
  readonly seconds: number;
  readonly nanos: number;
}

export interface PcapFrame {
  /** 1-based position in the file, as Wireshark numbers frames. */
  readonly index: number;
  readonly ts: PcapTimestamp;
  /** Captured bytes (a view into the file). */
  readonly data: Uint8Array;
  /** Length of the frame on the wire; larger than `data.length` when snaplen cut it. */
  readonly originalLength: number;
  /** Byte offset of the record header in the file, for error messages. */
  readonly offset: number;
}

export interface PcapFile {
  readonly littleEndian: boolean;
  readonly precision: 'micro' | 'nano';
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  /** LINKTYPE_* value (lower 16 bits of the header field; the upper bits carry FCS information). */
  readonly linkType: number;
  readonly frames: readonly PcapFrame[];
}

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;
const MAGIC_PCAPNG = 0x0a0d0d0a;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/**
 * Split a classic pcap file into frames. Pure; the frames' `data` are views into
 * `bytes`. Throws PcapDecodeError on a bad magic, a header or record cut short,
 * or an unknown major version.
 */
export function readPcapFile(bytes: Uint8Array): PcapFile {
  if (bytes.length < GLOBAL_HEADER) {
    throw new PcapDecodeError(`file of ${bytes.length} bytes is shorter than the 24-byte global header`, 0);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicBig = view.getUint32(0, false);
  let littleEndian: boolean;
  let precision: 'micro' | 'nano';
  if (magicBig === MAGIC_MICRO || magicBig === MAGIC_NANO) {
    littleEndian = false;
    precision = magicBig === MAGIC_NANO ? 'nano' : 'micro';
  } else {
    const magicLittle = view.getUint32(0, true);
    if (magicLittle === MAGIC_MICRO || magicLittle === MAGIC_NANO) {
      littleEndian = true;
      precision = magicLittle === MAGIC_NANO ? 'nano' : 'micro';
    } else if (magicBig === MAGIC_PCAPNG) {
      throw new PcapDecodeError('this is a pcapng file; only classic pcap is read (tcpdump -w writes classic pcap)', 0);
    } else {
      throw new PcapDecodeError(`bad magic number 0x${magicBig.toString(16).padStart(8, '0')}`, 0);
    }
  }
  const versionMajor = view.getUint16(4, littleEndian);
  const versionMinor = view.getUint16(6, littleEndian);
  // Version 2.4 since 1998; libpcap still reads 2.x and so do we.
  if (versionMajor !== 2) throw new PcapDecodeError(`unsupported format version ${versionMajor}.${versionMinor}`, 4);
  const snaplen = view.getUint32(16, littleEndian);
  const linkType = view.getUint32(20, littleEndian) & 0xffff;
  const fractionLimit = precision === 'nano' ? 1_000_000_000 : 1_000_000;

  const frames: PcapFrame[] = [];
  let offset = GLOBAL_HEADER;
  while (offset < bytes.length) {
    if (bytes.length - offset < RECORD_HEADER) {
      throw new PcapDecodeError(`record header cut short (${bytes.length - offset} of 16 bytes)`, offset);
    }
    const seconds = view.getUint32(offset, littleEndian);
    const fraction = view.getUint32(offset + 4, littleEndian);
    const capturedLength = view.getUint32(offset + 8, littleEndian);
    const originalLength = view.getUint32(offset + 12, littleEndian);
    if (fraction >= fractionLimit) {
      throw new PcapDecodeError(`timestamp fraction ${fraction} is not below ${fractionLimit}`, offset + 4);
    }
    const start = offset + RECORD_HEADER;
    if (capturedLength > bytes.length - start) {
      throw new PcapDecodeError(
        `record ${frames.length + 1} claims ${capturedLength} captured bytes but ${bytes.length - start} remain`,
        offset + 8,
      );
    }
    frames.push({
      index: frames.length + 1,
      ts: { seconds, nanos: precision === 'nano' ? fraction : fraction * 1000 },
      data: bytes.subarray(start, start + capturedLength),
      originalLength,
      offset,
    });
    offset = start + capturedLength;
  }
  return { littleEndian, precision, versionMajor, versionMinor, snaplen, linkType, frames };
}
