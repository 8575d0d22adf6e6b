/**
 * DUIDs (RFC 8415 section 11, DUID-UUID RFC 6355): the client's and the
 * server's identity, in CLIENTID and SERVERID. RFC 8415 11 says DUIDs are
 * compared as opaque values, so identity is `dhcp6DuidKey`, the wire bytes.
 */
import { Dhcp6EncodeError, Dhcp6OptionValueError } from './errors.js';
import type { Dhcp6Duid } from './message.js';

/** A copy of `bytes[start..end)` as a plain Uint8Array (a Node Buffer's own `slice` would share its memory). Pure. */
export function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** The DUID in `bytes[start..end)`; `code` names the option for errors. Pure. */
export function readDuid(bytes: Uint8Array, start: number, end: number, code: number): Dhcp6Duid {
  const len = end - start;
  if (len < 2) throw new Dhcp6OptionValueError(code, `DUID of ${len} bytes has no 2-byte type`, start);
  const type = u16(bytes, start);
  switch (type) {
    case 1:
      need(code, len, 8, 'DUID-LLT', start);
      return { kind: 'llt', hardwareType: u16(bytes, start + 2), time: u32(bytes, start + 4), linkLayerAddress: copyBytes(bytes, start + 8, end) };
    case 2:
      need(code, len, 6, 'DUID-EN', start);
      return { kind: 'en', enterpriseNumber: u32(bytes, start + 2), identifier: copyBytes(bytes, start + 6, end) };
    case 3:
      need(code, len, 4, 'DUID-LL', start);
      return { kind: 'll', hardwareType: u16(bytes, start + 2), linkLayerAddress: copyBytes(bytes, start + 4, end) };
    case 4:
      if (len !== 18) throw new Dhcp6OptionValueError(code, `DUID-UUID of ${len} bytes, expected 18 (RFC 6355 section 4)`, start);
      return { kind: 'uuid', uuid: copyBytes(bytes, start + 2, end) };
    default:
      return { kind: 'other', type, data: copyBytes(bytes, start + 2, end) };
  }
}

function need(code: number, len: number, min: number, what: string, start: number): void {
  if (len < min) throw new Dhcp6OptionValueError(code, `${what} of ${len} bytes, at least ${min} needed`, start);
}

/** Wire length of a DUID. Pure. */
export function duidLength(duid: Dhcp6Duid): number {
  switch (duid.kind) {
    case 'llt':
      return 8 + duid.linkLayerAddress.length;
    case 'en':
      return 6 + duid.identifier.length;
    case 'll':
      return 4 + duid.linkLayerAddress.length;
    case 'uuid':
      return 18;
    case 'other':
      return 2 + duid.data.length;
  }
}

function check(value: number, bits: 16 | 32, what: string): number {
  const max = bits === 16 ? 0xffff : 0xffffffff;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new Dhcp6EncodeError(`${what} ${value} is not an unsigned ${bits}-bit integer`);
  return value;
}

function put16(out: Uint8Array, pos: number, v: number): void {
  out[pos] = v >>> 8;
  out[pos + 1] = v & 0xff;
}
function put32(out: Uint8Array, pos: number, v: number): void {
  out[pos] = v >>> 24;
  out[pos + 1] = (v >>> 16) & 0xff;
  out[pos + 2] = (v >>> 8) & 0xff;
  out[pos + 3] = v & 0xff;
}

/** Writes a DUID at `pos`; returns the position after it. Throws `Dhcp6EncodeError` on out-of-range fields. Mutates `out`. */
export function writeDuid(duid: Dhcp6Duid, out: Uint8Array, pos: number): number {
  switch (duid.kind) {
    case 'llt':
      put16(out, pos, 1);
      put16(out, pos + 2, check(duid.hardwareType, 16, 'DUID-LLT hardware type'));
      put32(out, pos + 4, check(duid.time, 32, 'DUID-LLT time'));
      out.set(duid.linkLayerAddress, pos + 8);
      return pos + 8 + duid.linkLayerAddress.length;
    case 'en':
      put16(out, pos, 2);
      put32(out, pos + 2, check(duid.enterpriseNumber, 32, 'DUID-EN enterprise number'));
      out.set(duid.identifier, pos + 6);
      return pos + 6 + duid.identifier.length;
    case 'll':
      put16(out, pos, 3);
      put16(out, pos + 2, check(duid.hardwareType, 16, 'DUID-LL hardware type'));
      out.set(duid.linkLayerAddress, pos + 4);
      return pos + 4 + duid.linkLayerAddress.length;
    case 'uuid':
      if (duid.uuid.length !== 16) throw new Dhcp6EncodeError(`DUID-UUID of ${duid.uuid.length} bytes, expected 16`);
      put16(out, pos, 4);
      out.set(duid.uuid, pos + 2);
      return pos + 18;
    case 'other':
      if (duid.type >= 1 && duid.type <= 4) throw new Dhcp6EncodeError(`DUID type ${duid.type} has its own kind; 'other' is for the rest`);
      put16(out, pos, check(duid.type, 16, 'DUID type'));
      out.set(duid.data, pos + 2);
      return pos + 2 + duid.data.length;
  }
}

/** The DUID's wire bytes as lower-case hex: the identity to key clients by (RFC 8415 section 11). Pure. */
export function dhcp6DuidKey(duid: Dhcp6Duid): string {
  const bytes = new Uint8Array(duidLength(duid));
  writeDuid(duid, bytes, 0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
