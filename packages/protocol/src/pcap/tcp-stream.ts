/**
 * DNS over TCP (RFC 1035 4.2.2, RFC 7766 8): each message is preceded by a
 * 2-byte length, and messages may share or straddle segments. This joins one
 * direction of a connection and splits it on those prefixes. It is a capture
 * reader's reassembly, not a TCP stack: it follows sequence numbers to drop
 * retransmitted bytes, and after a gap (a segment the capture missed) it drops
 * what it held and resumes at the next segment.
 */

export interface TcpSegmentIn {
  readonly seq: number;
  readonly syn: boolean;
  readonly payload: Uint8Array;
}

const SEQ_SPACE = 2 ** 32;

/** Signed distance a - b in 32-bit sequence space (RFC 793 3.3 comparisons). */
function seqDelta(a: number, b: number): number {
  const d = (a - b + SEQ_SPACE) % SEQ_SPACE;
  return d >= SEQ_SPACE / 2 ? d - SEQ_SPACE : d;
}

/** One direction of one TCP connection carrying length-prefixed messages. */
export class LengthPrefixedStream {
  private nextSeq: number | undefined;
  private pending: Uint8Array = new Uint8Array(0);

  /** Feed a segment; returns the messages it completed, in order (views may be copies). */
  push(segment: TcpSegmentIn): Uint8Array[] {
    let payload = segment.payload;
    if (segment.syn) {
      // The SYN consumes one sequence number (RFC 793 3.3); a new SYN is a new connection.
      this.pending = new Uint8Array(0);
      this.nextSeq = (segment.seq + 1) % SEQ_SPACE;
      if (payload.length === 0) return [];
    }
    const seq = segment.syn ? (segment.seq + 1) % SEQ_SPACE : segment.seq;
    if (payload.length === 0) return [];
    if (this.nextSeq === undefined) this.nextSeq = seq;
    const delta = seqDelta(seq, this.nextSeq);
    let start = seq;
    if (delta < 0) {
      if (-delta >= payload.length) return []; // a pure retransmission
      payload = payload.subarray(-delta);
      start = this.nextSeq;
    } else if (delta > 0) {
      this.pending = new Uint8Array(0); // bytes were lost: what we held cannot be completed
    }
    this.nextSeq = (start + payload.length) % SEQ_SPACE;

    const joined = new Uint8Array(this.pending.length + payload.length);
    joined.set(this.pending, 0);
    joined.set(payload, this.pending.length);
    const messages: Uint8Array[] = [];
    let offset = 0;
    while (joined.length - offset >= 2) {
      const length = (joined[offset]! << 8) | joined[offset + 1]!;
      if (joined.length - offset - 2 < length) break;
      messages.push(joined.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    this.pending = joined.slice(offset);
    return messages;
  }

  /** Bytes received but not yet part of a complete message. */
  get buffered(): number {
    return this.pending.length;
  }
}
