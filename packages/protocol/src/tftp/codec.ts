/**
 * The TFTP codec (RFC 1350 §5, RFC 2347 options and OACK): encode, decode
 * and encodingLength, symmetric. The decoder is strict so that every packet
 * it returns encodes back to exactly its bytes: a string must end with its
 * NUL, options come in name/value pairs with non-empty names, an ACK is
 * four bytes and nothing may follow an ERROR's message. Pure.
 */
import { TftpEncodeError, TftpFieldError, TftpOpcodeError, TftpTruncatedError } from './errors.js';
import { TftpOpcode, type TftpOption, type TftpPacket } from './packet.js';

export interface TftpEncodeOptions {
  /** Write into this buffer instead of a new one. */
  readonly buffer?: Uint8Array;
  /** Where in `buffer` to start. Default 0. */
  readonly offset?: number;
}

/** Bytes `packet` takes on the wire. Pure. */
export function tftpEncodingLength(packet: TftpPacket): number {
  switch (packet.op) {
    case 'rrq':
    case 'wrq':
      return 2 + packet.filename.length + 1 + packet.mode.length + 1 + optionsLength(packet.options);
    case 'data':
      return 4 + packet.data.length;
    case 'ack':
      return 4;
    case 'error':
      return 4 + packet.message.length + 1;
    case 'oack':
      return 2 + optionsLength(packet.options);
  }
}

/**
 * Encodes a packet; returns the written bytes (a view into `opts.buffer` at
 * `opts.offset` when given). Throws TftpEncodeError for what the wire cannot
 * carry. Pure apart from writing into `opts.buffer`.
 */
export function encodeTftp(packet: TftpPacket, opts: TftpEncodeOptions = {}): Uint8Array {
  const size = tftpEncodingLength(packet);
  const offset = opts.offset ?? 0;
  const out = opts.buffer ?? new Uint8Array(size);
  if (opts.buffer && offset + size > out.length) throw new TftpEncodeError(`the packet needs ${size} bytes at offset ${offset}; the buffer has ${out.length}`);
  let at = offset;
  const u16 = (value: number, what: string) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new TftpEncodeError(`${what} ${value} is not 0..65535`);
    out[at++] = value >> 8;
    out[at++] = value & 0xff;
  };
  const text = (value: string, what: string) => {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0 || c > 0xff) throw new TftpEncodeError(`${what} holds ${c === 0 ? 'a NUL' : `character ${c}`} at ${i}: TFTP strings are NUL-terminated bytes`);
      out[at++] = c;
    }
    out[at++] = 0;
  };
  const options = (list: readonly TftpOption[]) => {
    for (const [name, value] of list) {
      if (name === '') throw new TftpEncodeError('an option name is empty');
      text(name, 'an option name');
      text(value, `option ${name}'s value`);
    }
  };
  switch (packet.op) {
    case 'rrq':
    case 'wrq':
      u16(packet.op === 'rrq' ? TftpOpcode.Rrq : TftpOpcode.Wrq, 'opcode');
      text(packet.filename, 'the file name');
      text(packet.mode, 'the mode');
      options(packet.options);
      break;
    case 'data':
      u16(TftpOpcode.Data, 'opcode');
      u16(packet.block, 'block');
      out.set(packet.data, at);
      at += packet.data.length;
      break;
    case 'ack':
      u16(TftpOpcode.Ack, 'opcode');
      u16(packet.block, 'block');
      break;
    case 'error':
      u16(TftpOpcode.Error, 'opcode');
      u16(packet.code, 'error code');
      text(packet.message, 'the error message');
      break;
    case 'oack':
      u16(TftpOpcode.Oack, 'opcode');
      options(packet.options);
      break;
  }
  return out.subarray(offset, at);
}

/** Decodes one datagram. Throws a TftpDecodeError naming the problem and its offset. Pure. */
export function decodeTftp(bytes: Uint8Array): TftpPacket {
  if (bytes.length < 2) throw new TftpTruncatedError(`${bytes.length} bytes: no room for an opcode`, 0);
  const opcode = (bytes[0]! << 8) | bytes[1]!;
  const u16At = (at: number, what: string) => {
    if (bytes.length < at + 2) throw new TftpTruncatedError(`the packet ends before its ${what}`, bytes.length);
    return (bytes[at]! << 8) | bytes[at + 1]!;
  };
  switch (opcode) {
    case TftpOpcode.Rrq:
    case TftpOpcode.Wrq: {
      const filename = readString(bytes, 2, 'the file name');
      const mode = readString(bytes, filename.end, 'the mode');
      return { op: opcode === TftpOpcode.Rrq ? 'rrq' : 'wrq', filename: filename.value, mode: mode.value, options: readOptions(bytes, mode.end) };
    }
    case TftpOpcode.Data:
      // A copy, and a plain Uint8Array even from a Node Buffer (whose slice is a view).
      return { op: 'data', block: u16At(2, 'block number'), data: new Uint8Array(bytes.subarray(4)) };
    case TftpOpcode.Ack: {
      const block = u16At(2, 'block number');
      if (bytes.length > 4) throw new TftpFieldError(`${bytes.length - 4} bytes after the ACK`, 4);
      return { op: 'ack', block };
    }
    case TftpOpcode.Error: {
      const code = u16At(2, 'error code');
      const message = readString(bytes, 4, 'the error message');
      if (message.end < bytes.length) throw new TftpFieldError(`${bytes.length - message.end} bytes after the error message`, message.end);
      return { op: 'error', code, message: message.value };
    }
    case TftpOpcode.Oack:
      return { op: 'oack', options: readOptions(bytes, 2) };
    default:
      throw new TftpOpcodeError(`unknown opcode ${opcode}`, 0);
  }
}

function optionsLength(options: readonly TftpOption[]): number {
  let n = 0;
  for (const [name, value] of options) n += name.length + 1 + value.length + 1;
  return n;
}

/** The NUL-terminated string at `start`, one character per byte, and the offset after its NUL. */
function readString(bytes: Uint8Array, start: number, what: string): { value: string; end: number } {
  const nul = bytes.indexOf(0, start);
  if (nul < 0) throw new TftpFieldError(`${what} has no terminating NUL`, bytes.length);
  let value = '';
  // Chunked: String.fromCharCode's argument count is bounded; a datagram is at most 64 KiB.
  for (let i = start; i < nul; i += 8192) value += String.fromCharCode(...bytes.subarray(i, Math.min(nul, i + 8192)));
  return { value, end: nul + 1 };
}

/** Name/value pairs from `start` to the end (RFC 2347 §2): every name non-empty, every name with a value. */
function readOptions(bytes: Uint8Array, start: number): TftpOption[] {
  const options: TftpOption[] = [];
  let at = start;
  while (at < bytes.length) {
    const name = readString(bytes, at, 'an option name');
    if (name.value === '') throw new TftpFieldError('an empty option name', at);
    if (name.end >= bytes.length) throw new TftpFieldError(`option ${JSON.stringify(name.value)} has no value`, name.end);
    const value = readString(bytes, name.end, `option ${JSON.stringify(name.value)}'s value`);
    options.push([name.value, value.value]);
    at = value.end;
  }
  return options;
}
