import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decodeTftp, encodeTftp } from './codec.js';
import { TftpDecodeError, TftpEncodeError, TftpFieldError, TftpOpcodeError, TftpTruncatedError } from './errors.js';
import type { TftpPacket } from './packet.js';
import { tftpPacket } from './testing.js';

/**
 * The decoder's contract on arbitrary input: a packet or a TftpDecodeError
 * with an offset inside the datagram, never another exception; a packet it
 * returns encodes back to exactly the input bytes (the decoder is strict).
 */
function checkContract(bytes: Uint8Array): void {
  let packet: TftpPacket;
  try {
    packet = decodeTftp(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(TftpDecodeError);
    expect((error as TftpDecodeError).offset).toBeGreaterThanOrEqual(0);
    expect((error as TftpDecodeError).offset).toBeLessThanOrEqual(bytes.length);
    return;
  }
  expect(encodeTftp(packet)).toEqual(bytes);
}

type Mutation = readonly ['set' | 'insert' | 'delete' | 'truncate', number, number];
const mutation: fc.Arbitrary<Mutation> = fc.tuple(fc.constantFrom('set', 'set', 'insert', 'delete', 'truncate'), fc.nat(), fc.integer({ min: 0, max: 255 }));

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = [...bytes];
  for (const [kind, at, value] of mutations) {
    const i = b.length === 0 ? 0 : at % (b.length + (kind === 'insert' ? 1 : 0));
    if (kind === 'set' && b.length > 0) b[i] = value;
    else if (kind === 'insert') b.splice(i, 0, value);
    else if (kind === 'delete') b.splice(i, 1);
    else if (kind === 'truncate') b = b.slice(0, i);
  }
  return Uint8Array.from(b);
}

describe('TFTP decoding of garbage', () => {
  test.prop([fc.uint8Array({ maxLength: 600 })], { numRuns: 2000 })('random bytes decode to a packet that encodes back to them, or to a TftpDecodeError', (bytes) => {
    checkContract(bytes);
  });

  test.prop([fc.integer({ min: 0, max: 8 }), fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant(0)), { maxLength: 80 })], { numRuns: 2000 })(
    'a plausible opcode followed by bytes with many NULs keeps the contract',
    (opcode, tail) => checkContract(Uint8Array.from([0, opcode, ...tail])),
  );

  test.prop([tftpPacket(), fc.array(mutation, { minLength: 1, maxLength: 4 })], { numRuns: 2000 })('a mutated valid packet keeps the contract', (p, mutations) => {
    checkContract(mutate(encodeTftp(p), mutations));
  });

  it('names each problem with its error type and offset', () => {
    const cases: [number[], abstract new (...args: never[]) => TftpDecodeError, number][] = [
      [[], TftpTruncatedError, 0],
      [[0], TftpTruncatedError, 0],
      [[0, 9], TftpOpcodeError, 0],
      [[0, 1, 0x61], TftpFieldError, 3],
      [[0, 1, 0x61, 0, 0x6f, 0, 0x62, 0], TftpFieldError, 8],
      [[0, 1, 0x61, 0, 0x6f, 0, 0, 0x31, 0], TftpFieldError, 6],
      [[0, 4, 0], TftpTruncatedError, 3],
      [[0, 4, 0, 1, 9], TftpFieldError, 4],
      [[0, 5, 0, 1, 0x78], TftpFieldError, 5],
      [[0, 5, 0, 1, 0x78, 0, 0], TftpFieldError, 6],
      [[0, 3, 7], TftpTruncatedError, 3],
    ];
    for (const [bytes, type, offset] of cases) {
      const error = (() => {
        try {
          decodeTftp(Uint8Array.from(bytes));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, JSON.stringify(bytes)).toBeInstanceOf(type);
      expect((error as TftpDecodeError).offset, JSON.stringify(bytes)).toBe(offset);
    }
  });

  it('reads a read request with options as tftp-hpa sends it', () => {
    const bytes = Buffer.from('\x00\x01boot/ipxe.efi\x00octet\x00tsize\x000\x00blksize\x001468\x00', 'latin1');
    expect(decodeTftp(bytes)).toStrictEqual({ op: 'rrq', filename: 'boot/ipxe.efi', mode: 'octet', options: [['tsize', '0'], ['blksize', '1468']] });
  });

  it('refuses to encode what the wire cannot carry', () => {
    expect(() => encodeTftp({ op: 'rrq', filename: 'a\0b', mode: 'octet', options: [] })).toThrow(TftpEncodeError);
    expect(() => encodeTftp({ op: 'error', code: 0, message: 'ü€' })).toThrow(TftpEncodeError);
    expect(() => encodeTftp({ op: 'ack', block: 65536 })).toThrow(TftpEncodeError);
    expect(() => encodeTftp({ op: 'oack', options: [['', '1']] })).toThrow(TftpEncodeError);
    expect(() => encodeTftp({ op: 'ack', block: 1 }, { buffer: new Uint8Array(3) })).toThrow(TftpEncodeError);
  });
});
