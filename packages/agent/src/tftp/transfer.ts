/**
 * One read transfer, on its own socket (RFC 1350 §4: the server's TID is a
 * new port per transfer): an OACK first when options were taken (RFC 2347:
 * the client ACKs block 0), then DATA blocks a window at a time (RFC 7440;
 * a window of 1 is RFC 1350's lock-step), each window sent again after a
 * timeout that doubles at every retry, up to a bounded number of retries.
 *
 * Blocks are counted from 1 without bound; on the wire the number is that
 * count modulo 65536, so a file of more than 65535 blocks wraps to 0 and
 * goes on (as tftp-hpa and iPXE expect). An ACK names the highest block of
 * the window (or the last one the client got in order): everything up to it
 * is done, and the next window starts after it. A duplicate of an ACK
 * already taken is ignored rather than answered (RFC 1123 §4.2.3.1: answering
 * it is the Sorcerer's Apprentice bug); the timer resends.
 */
import { decodeTftp, encodeTftp, TftpErrorCode, type TftpNegotiated } from '@leasehold/protocol';
import type { ServedFile } from './files.js';
import type { TftpSocket } from './socket.js';
import type { TftpStats, TftpTransferOutcome } from './stats.js';

export interface TransferOptions {
  /** The transfer's own socket (closed when it ends). */
  readonly socket: TftpSocket;
  readonly peer: { readonly address: string; readonly port: number };
  /** The file (its handle closed when the transfer ends). */
  readonly file: ServedFile;
  readonly negotiated: TftpNegotiated;
  /** The first wait for an ACK when the client set no timeout option; doubled at each retry. */
  readonly timeoutMs: number;
  /** Retransmissions of one window (or of the OACK) before giving up. */
  readonly retries: number;
  readonly stats: TftpStats;
  /** Called once, when the transfer ends, with how and (for failures) why. */
  readonly onEnd: (outcome: TftpTransferOutcome, detail?: string) => void;
}

/** The longest single wait: a client's timeout option of up to 255 s is honoured, backoff stops doubling past this. */
const MAX_WAIT_MS = 120_000;

/** The wait before the `attempts`-th retransmission (0: the first wait): base × 2^attempts, at most 120 s (or base, if longer). Pure. */
export function retransmitWaitMs(baseMs: number, attempts: number): number {
  return Math.min(baseMs * 2 ** attempts, Math.max(baseMs, MAX_WAIT_MS));
}

export class TftpTransfer {
  /** The last block acknowledged (0: none; counted without wrap-around). */
  #acked = 0;
  /** The highest block sent so far. */
  #sentUpTo = 0;
  #oackPending: boolean;
  #attempts = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Bumped when a new window starts: a window still being read and sent stops. */
  #generation = 0;
  #ended = false;
  readonly #lastBlock: number;
  readonly #baseWaitMs: number;

  constructor(private readonly options: TransferOptions) {
    const { negotiated, file } = options;
    // The last block is always short, empty when the size is a multiple of the block size (RFC 1350 §6).
    this.#lastBlock = Math.floor(file.size / negotiated.blockSize) + 1;
    this.#oackPending = negotiated.oack.length > 0;
    this.#baseWaitMs = negotiated.timeoutSeconds !== undefined ? negotiated.timeoutSeconds * 1000 : options.timeoutMs;
  }

  get ended(): boolean {
    return this.#ended;
  }

  start(): void {
    if (this.#oackPending) this.#sendOack();
    else void this.#sendWindow(1);
  }

  /** A datagram that arrived on the transfer's socket. */
  handle(data: Uint8Array, from: { address: string; port: number }): void {
    if (this.#ended) return;
    const { peer, stats } = this.options;
    if (from.address !== peer.address || from.port !== peer.port) {
      // RFC 1350 §4: a packet from a stranger gets error 5 and does not disturb the transfer.
      stats.dropped['unknown-tid']++;
      void this.options.socket.send(encodeTftp({ op: 'error', code: TftpErrorCode.UnknownTransferId, message: 'unknown transfer ID' }), from.port, from.address).catch(() => {});
      return;
    }
    let packet;
    try {
      packet = decodeTftp(data);
    } catch {
      stats.dropped.malformed++;
      return;
    }
    if (packet.op === 'error') return this.#end('aborted', `the client sent error ${packet.code}${packet.message ? `: ${packet.message}` : ''}`);
    if (packet.op !== 'ack') {
      stats.dropped.unexpected++;
      return;
    }
    if (this.#oackPending) {
      if (packet.block !== 0) {
        stats.dropped.unexpected++;
        return;
      }
      this.#oackPending = false;
      this.#attempts = 0;
      void this.#sendWindow(1);
      return;
    }
    const block = this.#absolute(packet.block);
    if (block === undefined) {
      stats.dropped.unexpected++;
      return;
    }
    if (block === this.#acked) return; // a duplicate: the timer resends if need be
    this.#acked = block;
    this.#attempts = 0;
    if (block === this.#lastBlock) return this.#end('completed');
    // After the whole window: the next one. After part of it (the client lost the block after): from there again.
    void this.#sendWindow(block + 1);
  }

  /** Ends the transfer now, telling the client (the agent stops). */
  abort(reason: string): void {
    if (this.#ended) return;
    void this.options.socket.send(encodeTftp({ op: 'error', code: TftpErrorCode.NotDefined, message: reason }), this.options.peer.port, this.options.peer.address).catch(() => {});
    this.#end('aborted', reason);
  }

  /** The block an ACK's 16-bit number names among those acknowledged or in flight; undefined if none. */
  #absolute(wire: number): number | undefined {
    // The window is at most 65535 blocks wide, so one block of [acked, sentUpTo] at most has this number.
    const offset = (wire - (this.#acked & 0xffff) + 0x10000) & 0xffff;
    const block = this.#acked + offset;
    return block <= this.#sentUpTo ? block : undefined;
  }

  #sendOack(): void {
    const { socket, peer, negotiated } = this.options;
    socket.send(encodeTftp({ op: 'oack', options: negotiated.oack }), peer.port, peer.address).then(
      () => this.#arm(),
      (error: Error) => this.#end('send-error', error.message),
    );
  }

  async #sendWindow(first: number): Promise<void> {
    const generation = ++this.#generation;
    clearTimeout(this.#timer);
    const { socket, peer, file, negotiated, stats } = this.options;
    const last = Math.min(this.#lastBlock, first + negotiated.windowSize - 1);
    for (let block = first; block <= last; block++) {
      const expected = block < this.#lastBlock ? negotiated.blockSize : file.size - (this.#lastBlock - 1) * negotiated.blockSize;
      const packet = Buffer.allocUnsafe(4 + expected);
      let read: number;
      try {
        read = expected === 0 ? 0 : (await file.handle.read(packet, 4, expected, (block - 1) * negotiated.blockSize)).bytesRead;
      } catch (error) {
        if (this.#ended) return; // the handle was closed under a read: the transfer is over already
        return this.#fail('read-error', `reading ${file.path} failed: ${(error as Error).message}`);
      }
      if (this.#ended || generation !== this.#generation) return;
      if (read < expected) return this.#fail('read-error', `${file.path} shrank during the transfer`);
      packet.writeUInt16BE(3, 0);
      packet.writeUInt16BE(block & 0xffff, 2);
      if (block <= this.#sentUpTo) stats.retransmits++;
      this.#sentUpTo = Math.max(this.#sentUpTo, block);
      stats.bytesSent += expected;
      try {
        await socket.send(packet, peer.port, peer.address);
      } catch (error) {
        return this.#end('send-error', (error as Error).message);
      }
      if (this.#ended || generation !== this.#generation) return;
    }
    this.#arm();
  }

  /** Waits for the ACK: base × 2^attempts, then sends again, or gives up after `retries`. */
  #arm(): void {
    if (this.#ended) return;
    clearTimeout(this.#timer);
    const wait = retransmitWaitMs(this.#baseWaitMs, this.#attempts);
    this.#timer = setTimeout(() => {
      if (this.#ended) return;
      if (this.#attempts >= this.options.retries) return this.#end('timeout', `no ACK after ${this.#attempts + 1} tries`);
      this.#attempts++;
      if (this.#oackPending) this.#sendOack();
      else void this.#sendWindow(this.#acked + 1);
    }, wait);
  }

  #fail(outcome: TftpTransferOutcome, detail: string): void {
    void this.options.socket.send(encodeTftp({ op: 'error', code: TftpErrorCode.NotDefined, message: 'read error on the server' }), this.options.peer.port, this.options.peer.address).catch(() => {});
    this.#end(outcome, detail);
  }

  #end(outcome: TftpTransferOutcome, detail?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#timer);
    // The ERROR sent just before may still be queued on the socket: close after this turn.
    setImmediate(() => this.options.socket.close());
    void this.options.file.handle.close().catch(() => {});
    this.options.stats.transfers[outcome]++;
    this.options.onEnd(outcome, detail);
  }
}
