import { DecodeError } from '../errors.js';

/**
 * A capture file this reader cannot read: not a classic pcap, cut short, or a
 * frame whose IP/UDP/TCP headers contradict themselves. `offset` is the byte
 * offset in the file.
 */
export class PcapDecodeError extends DecodeError {
  override name = 'PcapDecodeError';
  constructor(reason: string, offset: number, options?: ErrorOptions) {
    super('pcap', reason, offset, options);
  }
}

/** A well-formed classic pcap whose link-layer type this reader does not parse. */
export class PcapLinkTypeError extends PcapDecodeError {
  override name = 'PcapLinkTypeError';
  constructor(readonly linkType: number) {
    // The link type is the last field of the 24-byte global header.
    super(`unsupported link type ${linkType}`, 20);
  }
}
