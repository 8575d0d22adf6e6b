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
 *
 * The blocks come from a `TransferBlocks`: the file as it is (octet,
 * `OctetBlocks`) or converted to netascii (netascii.ts). The last block is
 * the first one shorter than the block size, known once it was read.
 */
import { decodeTftp, encodeTftp, TftpErrorCode, type TftpNegotiated } from '@leasehold/protocol';
import type { ServedFile } from './files.js';
import { NetasciiBlocks } from './netascii.js';
import type { TftpSocket } from './socket.js';
import type { TftpStats, TftpTransferOutcome } from './stats.js';

export interface TransferOptions {
  /** The transfer's own socket (closed when it ends). */
  readonly socket: TftpSocket;
  readonly peer: { readonly address: string; readonly port: number };
  /** The file (its handle closed when the transfer ends). */
  readonly file: ServedFile;
  readonly negotiated: TftpNegotiated;
  /** RRQ's mode: octet sends the file as it is, netascii converted (netascii.ts). */
  readonly mode: 'octet' | 'netascii';
  /** The first wait for an ACK when the client set no timeout option; doubled at each retry. */
  readonly timeoutMs: number;
  /** Retransmissions of one window (or of the OACK) before giving up. */
  readonly retries: number;
  readonly stats: TftpStats;
  /** Called once, when the transfer ends, with how and (for failures) why. */
  readonly onEnd: (outcome: TftpTransferOutcome, detail?: string) => void;
}

/** Where a transfer's blocks come from. */
interface TransferBlocks {
  /** Block `block` (1-based) into `into` at `at`: its length, shorter than the block size for the last one. */
  read(block: number, into: Buffer, at: number): Promise<number>;
  /** Blocks up to `block` are acknowledged and will not be asked for again. */
  release(block: number): void;
}

/** The file as it is: block n is at (n - 1) × blockSize; a file that shrank under the transfer is a read error. */
class OctetBlocks implements TransferBlocks {
  constructor(
    private readonly file: ServedFile,
    private readonly blockSize: number,
  ) {}

  async read(block: number, into: Buffer, at: number): Promise<number> {
    const offset = (block - 1) * this.blockSize;
    const expected = Math.max(0, Math.min(this.blockSize, this.file.size - offset));
    if (expected === 0) return 0;
    const { bytesRead } = await this.file.handle.read(into, at, expected, offset);
    if (bytesRead < expected) throw new Error('the file shrank during the transfer');
    return expected;
  }

  release(): void {}
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
  /** The last block, once read: always short, empty when the data is a multiple of the block size (RFC 1350 §6). */
  #lastBlock: number | undefined;
  readonly #blocks: TransferBlocks;
  readonly #baseWaitMs: number;

  constructor(private readonly options: TransferOptions) {
    const { negotiated, file } = options;
    this.#blocks = options.mode === 'netascii' ? new NetasciiBlocks(file.handle, negotiated.blockSize) : new OctetBlocks(file, negotiated.blockSize);
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
    this.#blocks.release(block);
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
    const end = first + negotiated.windowSize - 1;
    for (let block = first; block <= end && (this.#lastBlock === undefined || block <= this.#lastBlock); block++) {
      const buffer = Buffer.allocUnsafe(4 + negotiated.blockSize);
      let length: number;
      try {
        length = await this.#blocks.read(block, buffer, 4);
      } catch (error) {
        if (this.#ended) return; // the handle was closed under a read: the transfer is over already
        return this.#fail('read-error', `reading ${file.path} failed: ${(error as Error).message}`);
      }
      if (this.#ended || generation !== this.#generation) return;
      if (length < negotiated.blockSize) this.#lastBlock = block;
      const packet = buffer.subarray(0, 4 + length);
      packet.writeUInt16BE(3, 0);
      packet.writeUInt16BE(block & 0xffff, 2);
      if (block <= this.#sentUpTo) stats.retransmits++;
      this.#sentUpTo = Math.max(this.#sentUpTo, block);
      stats.bytesSent += length;
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
