/**
 * DHCPv6 encoder: the message's fields and options in the order given, no
 * padding, no reordering; the inverse of `decodeDhcp6` byte for byte.
 * Lengths are computed first (`dhcp6EncodingLength`), then written in one
 * pass into a buffer of exactly that size.
 */
import { DHCP6_HEADER_SIZE, DHCP6_OPTION_HEADER_SIZE, DHCP6_RELAY_HEADER_SIZE } from './constants.js';
import { domainListLength, parseDomainList, writeDomainList } from './domain-list.js';
import { duidLength, writeDuid } from './duid.js';
import { Dhcp6EncodeError } from './errors.js';
import { utf8Length, writeUtf8 } from './utf8.js';
import { isDhcp6Relay, type Dhcp6Duid, type Dhcp6Message, type Dhcp6Option, type Dhcp6OptionTypes } from './message.js';

export interface Dhcp6EncodeOptions {
  /** Write into this buffer instead of a new one. */
  readonly buffer?: Uint8Array;
  /** Where in `buffer` to start. Default 0. */
  readonly offset?: number;
}

/** Bytes `encodeDhcp6(msg)` writes. Throws `Dhcp6EncodeError` where encoding would. Pure. */
export function dhcp6EncodingLength(msg: Dhcp6Message): number {
  return messageLength(msg);
}

/**
 * The wire form of a DHCPv6 message: a new Uint8Array, or the written part
 * of `buffer` from `offset`. Throws `Dhcp6EncodeError` for values out of
 * range, addresses that are not 16 bytes and options over 65535 bytes. Pure
 * unless given a buffer, which it writes into.
 */
export function encodeDhcp6(msg: Dhcp6Message, opts: Dhcp6EncodeOptions = {}): Uint8Array {
  const size = messageLength(msg);
  const offset = opts.offset ?? 0;
  let out: Uint8Array;
  if (opts.buffer !== undefined) {
    if (opts.buffer.length < offset + size) throw new Dhcp6EncodeError(`buffer of ${opts.buffer.length} bytes cannot hold ${size} bytes at offset ${offset}`);
    out = opts.buffer.subarray(offset, offset + size);
  } else {
    out = new Uint8Array(size);
  }
  const end = writeMessage(msg, out, 0);
  if (end !== size) throw new Dhcp6EncodeError(`internal: wrote ${end} bytes, planned ${size}`);
  return out;
}

function messageLength(msg: Dhcp6Message): number {
  return (isDhcp6Relay(msg) ? DHCP6_RELAY_HEADER_SIZE : DHCP6_HEADER_SIZE) + optionsLength(msg.options);
}

function optionsLength(options: readonly Dhcp6Option[]): number {
  let n = 0;
  for (const option of options) n += DHCP6_OPTION_HEADER_SIZE + dataLength(option);
  return n;
}

function checkInt(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new Dhcp6EncodeError(`${what} ${value} is not an integer in 0..${max}`);
  return value;
}

function checkAddress(address: Uint8Array, what: string): Uint8Array {
  if (!(address instanceof Uint8Array) || address.length !== 16) throw new Dhcp6EncodeError(`${what} is not 16 bytes`);
  return address;
}

/** Length of an option's data (without its 4-byte header), checked to fit the 16-bit length field. */
function dataLength(option: Dhcp6Option): number {
  const n = 'raw' in option ? option.raw.length : valueLength(option.code, option.value);
  if (n > 0xffff) throw new Dhcp6EncodeError(`option ${option.code}: ${n} data bytes, more than the 65535 its length field holds`);
  return n;
}

function itemsLength(items: readonly Uint8Array[]): number {
  let n = 0;
  for (const item of items) {
    if (item.length > 0xffff) throw new Dhcp6EncodeError(`class data item of ${item.length} bytes, more than 65535`);
    n += 2 + item.length;
  }
  return n;
}

function valueLength(code: number, value: unknown): number {
  switch (code) {
    case 1:
    case 2:
      return duidLength(value as Dhcp6Duid);
    case 3:
      return 12 + optionsLength((value as Dhcp6OptionTypes[3]).options);
    case 4:
      return 4 + optionsLength((value as Dhcp6OptionTypes[4]).options);
    case 5:
      return 24 + optionsLength((value as Dhcp6OptionTypes[5]).options);
    case 6:
      return 2 * (value as Dhcp6OptionTypes[6]).length;
    case 7:
      return 1;
    case 8:
      return 2;
    case 9:
      return messageLength(value as Dhcp6Message);
    case 13:
      return 2 + utf8Length((value as Dhcp6OptionTypes[13]).message);
    case 14:
    case 20:
      return 0;
    case 15:
      return itemsLength(value as Dhcp6OptionTypes[15]);
    case 16:
      return 4 + itemsLength((value as Dhcp6OptionTypes[16]).data);
    case 18:
      return (value as Uint8Array).length;
    case 23:
      return 16 * (value as Dhcp6OptionTypes[23]).length;
    case 24:
      return domainListLength(parseDomainList(value as Dhcp6OptionTypes[24]));
    case 79:
      return 2 + (value as Dhcp6OptionTypes[79]).address.length;
    case 32:
    case 82:
      return 4;
    default:
      throw new Dhcp6EncodeError(`option ${code} has no typed form in this codec: give it as { code, raw }`);
  }
}

function put16(out: Uint8Array, pos: number, v: number): number {
  out[pos] = v >>> 8;
  out[pos + 1] = v & 0xff;
  return pos + 2;
}
function put32(out: Uint8Array, pos: number, v: number): number {
  out[pos] = v >>> 24;
  out[pos + 1] = (v >>> 16) & 0xff;
  out[pos + 2] = (v >>> 8) & 0xff;
  out[pos + 3] = v & 0xff;
  return pos + 4;
}
const u32 = (v: number, what: string) => checkInt(v, 0xffffffff, what);

function writeMessage(msg: Dhcp6Message, out: Uint8Array, pos: number): number {
  const type = checkInt(msg.msgType, 0xff, 'msg-type');
  out[pos] = type;
  if (isDhcp6Relay(msg)) {
    out[pos + 1] = checkInt(msg.hopCount, 0xff, 'hop-count');
    out.set(checkAddress(msg.linkAddress, 'link-address'), pos + 2);
    out.set(checkAddress(msg.peerAddress, 'peer-address'), pos + 18);
    return writeOptions(msg.options, out, pos + DHCP6_RELAY_HEADER_SIZE);
  }
  if ('hopCount' in msg) throw new Dhcp6EncodeError(`msg-type ${type} is not a relay message but has relay fields`);
  const xid = checkInt(msg.transactionId, 0xffffff, 'transaction-id');
  out[pos + 1] = xid >>> 16;
  out[pos + 2] = (xid >>> 8) & 0xff;
  out[pos + 3] = xid & 0xff;
  return writeOptions(msg.options, out, pos + DHCP6_HEADER_SIZE);
}

function writeOptions(options: readonly Dhcp6Option[], out: Uint8Array, pos: number): number {
  for (const option of options) {
    put16(out, pos, checkInt(option.code, 0xffff, 'option code'));
    const start = pos + DHCP6_OPTION_HEADER_SIZE;
    if ('raw' in option) {
      out.set(option.raw, start);
      pos = start + option.raw.length;
    } else {
      pos = writeValue(option.code, option.value, out, start);
    }
    // The length goes in after the data: measuring nested options again at every level would cost depth² work.
    // messageLength has already refused data over 65535 bytes.
    put16(out, start - 2, pos - start);
  }
  return pos;
}

function writeItems(items: readonly Uint8Array[], out: Uint8Array, pos: number): number {
  for (const item of items) {
    pos = put16(out, pos, item.length);
    out.set(item, pos);
    pos += item.length;
  }
  return pos;
}

function writeValue(code: number, value: unknown, out: Uint8Array, pos: number): number {
  switch (code) {
    case 1:
    case 2:
      return writeDuid(value as Dhcp6Duid, out, pos);
    case 3: {
      const ia = value as Dhcp6OptionTypes[3];
      pos = put32(out, pos, u32(ia.iaid, 'IA_NA IAID'));
      pos = put32(out, pos, u32(ia.t1, 'IA_NA T1'));
      pos = put32(out, pos, u32(ia.t2, 'IA_NA T2'));
      return writeOptions(ia.options, out, pos);
    }
    case 4: {
      const ia = value as Dhcp6OptionTypes[4];
      return writeOptions(ia.options, out, put32(out, pos, u32(ia.iaid, 'IA_TA IAID')));
    }
    case 5: {
      const addr = value as Dhcp6OptionTypes[5];
      out.set(checkAddress(addr.address, 'IAADDR address'), pos);
      pos = put32(out, pos + 16, u32(addr.preferredLifetime, 'IAADDR preferred lifetime'));
      pos = put32(out, pos, u32(addr.validLifetime, 'IAADDR valid lifetime'));
      return writeOptions(addr.options, out, pos);
    }
    case 6:
      for (const requested of value as Dhcp6OptionTypes[6]) pos = put16(out, pos, checkInt(requested, 0xffff, 'ORO option code'));
      return pos;
    case 7:
      out[pos] = checkInt(value as number, 0xff, 'preference');
      return pos + 1;
    case 8:
      return put16(out, pos, checkInt(value as number, 0xffff, 'elapsed time'));
    case 9:
      return writeMessage(value as Dhcp6Message, out, pos);
    case 13: {
      const status = value as Dhcp6OptionTypes[13];
      pos = put16(out, pos, checkInt(status.status, 0xffff, 'status code'));
      return writeUtf8(status.message, out, pos);
    }
    case 14:
    case 20:
      return pos;
    case 15:
      return writeItems(value as Dhcp6OptionTypes[15], out, pos);
    case 16: {
      const vendor = value as Dhcp6OptionTypes[16];
      return writeItems(vendor.data, out, put32(out, pos, u32(vendor.enterpriseNumber, 'VENDOR_CLASS enterprise number')));
    }
    case 18:
      out.set(value as Uint8Array, pos);
      return pos + (value as Uint8Array).length;
    case 23:
      for (const address of value as Dhcp6OptionTypes[23]) {
        out.set(checkAddress(address, 'DNS server'), pos);
        pos += 16;
      }
      return pos;
    case 24:
      return writeDomainList(parseDomainList(value as Dhcp6OptionTypes[24]), out, pos);
    case 79: {
      const lla = value as Dhcp6OptionTypes[79];
      pos = put16(out, pos, checkInt(lla.linkLayerType, 0xffff, 'link-layer type'));
      out.set(lla.address, pos);
      return pos + lla.address.length;
    }
    default: // 32, 82: valueLength has refused every other code
      return put32(out, pos, u32(value as number, `option ${code} value`));
  }
}
