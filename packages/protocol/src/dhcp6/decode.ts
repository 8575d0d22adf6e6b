/**
 * DHCPv6 decoder (RFC 8415 sections 8, 9 and 21). Options are read in wire
 * order and never merged, so whatever decodes re-encodes to the same bytes.
 * Nesting is bounded: relay messages at most HOP_COUNT_LIMIT deep, options
 * inside options at most DHCP6_MAX_OPTION_DEPTH. It throws nothing but
 * `Dhcp6DecodeError` and its subclasses.
 */
import {
  DHCP6_HEADER_SIZE,
  DHCP6_HOP_COUNT_LIMIT,
  DHCP6_MAX_OPTION_DEPTH,
  DHCP6_OPTION_HEADER_SIZE,
  DHCP6_RELAY_HEADER_SIZE,
} from './constants.js';
import { readDomainList } from './domain-list.js';
import { copyBytes, readDuid } from './duid.js';
import { Dhcp6DecodeError, Dhcp6NestingError, Dhcp6OptionOverrunError, Dhcp6OptionValueError, Dhcp6TruncatedError } from './errors.js';
import { readUtf8 } from './utf8.js';
import type { Dhcp6Message, Dhcp6Option, TypedDhcp6Option } from './message.js';

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/**
 * Decodes one DHCPv6 datagram (the UDP payload; pass a subarray to decode
 * from an offset). Throws only `Dhcp6DecodeError` subclasses; values are
 * copied out, so the input buffer may be reused afterwards. Pure.
 */
export function decodeDhcp6(bytes: Uint8Array): Dhcp6Message {
  try {
    return readMessage(bytes, 0, bytes.length, 0);
  } catch (error) {
    if (error instanceof Dhcp6DecodeError) throw error;
    // A guard for the contract "nothing else escapes"; the fuzz tests check it never fires.
    throw new Dhcp6DecodeError(`unexpected decoder failure (${String(error)})`, 0, { cause: error });
  }
}

/**
 * The message in `bytes[start..end)`; `outer` counts the messages around it
 * (each RELAY_MSG is one level). Every nested message counts, not only
 * relays: a client/server message may hold RELAY_MSG too, and 8 bytes a
 * level would otherwise let 65,535 bytes recurse 8,000 deep.
 */
function readMessage(bytes: Uint8Array, start: number, end: number, outer: number): Dhcp6Message {
  const len = end - start;
  if (len < 1) throw new Dhcp6TruncatedError('empty message: no msg-type', start);
  const msgType = bytes[start]!;
  // HOP_COUNT_LIMIT relay layers, then the client's message: levels 0..32.
  if (outer > DHCP6_HOP_COUNT_LIMIT) {
    throw new Dhcp6NestingError(`message inside ${outer} others: more than HOP_COUNT_LIMIT (${DHCP6_HOP_COUNT_LIMIT}) relay layers around a message`, start);
  }
  if (msgType === 12 || msgType === 13) {
    if (outer >= DHCP6_HOP_COUNT_LIMIT) {
      throw new Dhcp6NestingError(`relay message inside ${outer} others: more than HOP_COUNT_LIMIT (${DHCP6_HOP_COUNT_LIMIT}) relay layers`, start);
    }
    if (len < DHCP6_RELAY_HEADER_SIZE) throw new Dhcp6TruncatedError(`relay message ends inside its header (${len} of 34 bytes)`, end);
    return {
      msgType,
      hopCount: bytes[start + 1]!,
      linkAddress: copyBytes(bytes, start + 2, start + 18),
      peerAddress: copyBytes(bytes, start + 18, start + 34),
      options: readOptions(bytes, start + DHCP6_RELAY_HEADER_SIZE, end, 0, outer),
    };
  }
  if (len < DHCP6_HEADER_SIZE) throw new Dhcp6TruncatedError(`message ends inside its header (${len} of 4 bytes)`, end);
  return {
    msgType,
    transactionId: (bytes[start + 1]! << 16) | (bytes[start + 2]! << 8) | bytes[start + 3]!,
    options: readOptions(bytes, start + DHCP6_HEADER_SIZE, end, 0, outer),
  };
}

/** The options in `bytes[start..end)`, which they must fill exactly. */
function readOptions(bytes: Uint8Array, start: number, end: number, depth: number, outer: number): Dhcp6Option[] {
  if (depth > DHCP6_MAX_OPTION_DEPTH) throw new Dhcp6NestingError(`options nested more than ${DHCP6_MAX_OPTION_DEPTH} deep`, start);
  const options: Dhcp6Option[] = [];
  let pos = start;
  while (pos < end) {
    if (end - pos < DHCP6_OPTION_HEADER_SIZE) {
      const code = end - pos >= 2 ? u16(bytes, pos) : bytes[pos]! << 8;
      throw new Dhcp6OptionOverrunError(code, `option header cut short: ${end - pos} of 4 bytes left`, pos);
    }
    const code = u16(bytes, pos);
    const len = u16(bytes, pos + 2);
    const data = pos + DHCP6_OPTION_HEADER_SIZE;
    if (data + len > end) throw new Dhcp6OptionOverrunError(code, `${len} data bytes run past the end of what holds it (${end - data} left)`, pos + 2);
    options.push(readOption(bytes, code, data, data + len, depth, outer));
    pos = data + len;
  }
  return options;
}

/** One option's value: typed for the codes the codec knows, raw bytes for the rest. */
function readOption(bytes: Uint8Array, code: number, start: number, end: number, depth: number, outer: number): Dhcp6Option {
  const len = end - start;
  switch (code) {
    case 1:
    case 2:
      return typed(code, readDuid(bytes, start, end, code));
    case 3:
      atLeast(code, len, 12, start);
      return typed(code, { iaid: u32(bytes, start), t1: u32(bytes, start + 4), t2: u32(bytes, start + 8), options: readOptions(bytes, start + 12, end, depth + 1, outer) });
    case 4:
      atLeast(code, len, 4, start);
      return typed(code, { iaid: u32(bytes, start), options: readOptions(bytes, start + 4, end, depth + 1, outer) });
    case 5:
      atLeast(code, len, 24, start);
      return typed(code, {
        address: copyBytes(bytes, start, start + 16),
        preferredLifetime: u32(bytes, start + 16),
        validLifetime: u32(bytes, start + 20),
        options: readOptions(bytes, start + 24, end, depth + 1, outer),
      });
    case 6: {
      if (len % 2 !== 0) throw new Dhcp6OptionValueError(code, `length ${len} is not a whole number of 2-byte option codes`, start - 2);
      const codes: number[] = [];
      for (let i = start; i < end; i += 2) codes.push(u16(bytes, i));
      return typed(code, codes);
    }
    case 7:
      exactly(code, len, 1, start);
      return typed(code, bytes[start]!);
    case 8:
      exactly(code, len, 2, start);
      return typed(code, u16(bytes, start));
    case 9:
      return typed(code, readMessage(bytes, start, end, outer + 1));
    case 13: {
      atLeast(code, len, 2, start);
      let message: string;
      try {
        message = readUtf8(bytes, start + 2, end);
      } catch {
        throw new Dhcp6OptionValueError(code, 'status message is not UTF-8 (RFC 8415 section 21.13)', start + 2);
      }
      return typed(code, { status: u16(bytes, start), message });
    }
    case 14:
    case 20:
      exactly(code, len, 0, start);
      return typed(code, true);
    case 15:
      return typed(code, readOpaqueItems(bytes, start, end, code));
    case 16:
      atLeast(code, len, 4, start);
      return typed(code, { enterpriseNumber: u32(bytes, start), data: readOpaqueItems(bytes, start + 4, end, code) });
    case 18:
      return typed(code, copyBytes(bytes, start, end));
    case 23: {
      if (len % 16 !== 0) throw new Dhcp6OptionValueError(code, `length ${len} is not a whole number of 16-byte addresses`, start - 2);
      const addresses: Uint8Array[] = [];
      for (let i = start; i < end; i += 16) addresses.push(copyBytes(bytes, i, i + 16));
      return typed(code, addresses);
    }
    case 24:
      return typed(code, readDomainList(bytes, start, end, code));
    case 79:
      atLeast(code, len, 2, start);
      return typed(code, { linkLayerType: u16(bytes, start), address: copyBytes(bytes, start + 2, end) });
    case 32:
    case 82:
      exactly(code, len, 4, start);
      return typed(code, u32(bytes, start));
    default:
      return { code, raw: copyBytes(bytes, start, end) };
  }
}

// Module-level helpers, not closures: readOption runs once per option on the agent's receive path.
function typed(code: number, value: unknown): TypedDhcp6Option {
  return { code, value } as TypedDhcp6Option;
}

/** The option's length must be `n`; errors point at its length field. */
function exactly(code: number, len: number, n: number, start: number): void {
  if (len !== n) throw new Dhcp6OptionValueError(code, `length ${len}, expected ${n}`, start - 2);
}

function atLeast(code: number, len: number, n: number, start: number): void {
  if (len < n) throw new Dhcp6OptionValueError(code, `length ${len}, expected at least ${n}`, start - 2);
}

/** USER_CLASS / VENDOR_CLASS data: items of a 2-byte length and that many bytes, filling the option exactly (RFC 8415 21.15). */
function readOpaqueItems(bytes: Uint8Array, start: number, end: number, code: number): Uint8Array[] {
  const items: Uint8Array[] = [];
  let pos = start;
  while (pos < end) {
    if (end - pos < 2) throw new Dhcp6OptionValueError(code, 'class data item length cut short', pos);
    const len = u16(bytes, pos);
    if (pos + 2 + len > end) throw new Dhcp6OptionValueError(code, `${len}-byte class data item runs past the end of the option`, pos);
    items.push(copyBytes(bytes, pos + 2, pos + 2 + len));
    pos += 2 + len;
  }
  return items;
}
