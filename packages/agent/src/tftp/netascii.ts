/**
 * netascii (RFC 1350 §1, after RFC 764's NVT ASCII): on the wire a line ends
 * in CR LF and a bare CR is CR NUL. A Unix file's LF becomes CR LF and its
 * CR becomes CR NUL, every byte else goes as it is: tftp-hpa's server does
 * exactly this (its read_ahead), and its client undoes it, so a file a
 * client downloads in netascii mode is the file on the server.
 *
 * The wire form is longer than the file, and where block n starts in the
 * file is known only once the blocks before it were converted; a transfer
 * may go back to any block of its window (a retransmission). So
 * `NetasciiBlocks` converts block by block and remembers where each block
 * not yet acknowledged starts (its offset in the file, and the LF or NUL
 * that the block before could not fit): a window's worth of starts, never
 * the whole file. Its converted size is not known ahead, so a netascii
 * transfer answers no tsize (as tftp-hpa does).
 */
/** What a block is read from: a FileHandle's positional read. */
interface PositionalReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

/** The file's bytes in netascii. Pure. */
export function netasciiEncode(data: Uint8Array): Uint8Array {
  let extra = 0;
  for (const byte of data) if (byte === LF || byte === CR) extra++;
  const out = new Uint8Array(data.length + extra);
  let at = 0;
  for (const byte of data) {
    if (byte === LF) {
      out[at++] = CR;
      out[at++] = LF;
    } else if (byte === CR) {
      out[at++] = CR;
      out[at++] = NUL;
    } else out[at++] = byte;
  }
  return out;
}

/**
 * netascii back to the file's bytes, as tftp-hpa's client writes them: CR LF
 * is LF, CR NUL is CR; a CR before anything else (not netascii) is kept with
 * what follows. Pure.
 */
export function netasciiDecode(wire: Uint8Array): Uint8Array {
  const out = new Uint8Array(wire.length);
  let at = 0;
  for (let i = 0; i < wire.length; i++) {
    const byte = wire[i]!;
    if (byte === CR && i + 1 < wire.length && (wire[i + 1] === LF || wire[i + 1] === NUL)) {
      out[at++] = wire[i + 1] === LF ? LF : CR;
      i++;
    } else out[at++] = byte;
  }
  return out.subarray(0, at);
}

/** Where a block starts: the file offset of its first byte not yet sent, and the byte of the pair the block before had no room for. */
interface BlockStart {
  readonly offset: number;
  readonly carry: number | undefined;
}

/** A file read as netascii blocks of `blockSize`, each converted as it is asked for. */
export class NetasciiBlocks {
  /** Starts of the blocks that may still be asked for: the window not yet acknowledged, and the next. */
  readonly #starts = new Map<number, BlockStart>([[1, { offset: 0, carry: undefined }]]);

  constructor(
    private readonly handle: PositionalReader,
    private readonly blockSize: number,
  ) {}

  /**
   * Block `block` (1-based) in netascii, written into `into` at `at`; its
   * length (less than blockSize: the last block). Blocks are asked for in
   * order, or again from one not yet released.
   */
  async read(block: number, into: Buffer, at: number): Promise<number> {
    const start = this.#starts.get(block);
    if (start === undefined) throw new Error(`netascii block ${block} is not the next one nor in the window`);
    // A block needs at most blockSize bytes of the file (each gives one or two); a buffer per read, since a
    // window started anew may read while the one it replaced still has a read in flight.
    const raw = Buffer.allocUnsafe(this.blockSize);
    const { bytesRead } = await this.handle.read(raw, 0, this.blockSize, start.offset);
    let out = 0;
    let carry = start.carry;
    if (carry !== undefined) {
      into[at + out++] = carry;
      carry = undefined;
    }
    let used = 0;
    while (out < this.blockSize && used < bytesRead) {
      const byte = raw[used++]!;
      if (byte !== LF && byte !== CR) {
        into[at + out++] = byte;
        continue;
      }
      into[at + out++] = CR;
      const second = byte === LF ? LF : NUL;
      if (out < this.blockSize) into[at + out++] = second;
      else carry = second;
    }
    this.#starts.set(block + 1, { offset: start.offset + used, carry });
    return out;
  }

  /** Blocks up to `block` are acknowledged: their starts are forgotten. */
  release(block: number): void {
    for (const n of this.#starts.keys()) if (n <= block) this.#starts.delete(n);
  }
}
