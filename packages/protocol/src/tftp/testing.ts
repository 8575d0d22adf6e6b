/** fast-check generators of TFTP packets (tests only). */
import { fc } from '@fast-check/vitest';
import type { TftpOption, TftpPacket } from './packet.js';

/** A TFTP string: one character per byte, any byte but NUL. */
const text = (maxLength: number) => fc.array(fc.integer({ min: 1, max: 255 }), { maxLength }).map((codes) => String.fromCharCode(...codes));
const u16 = fc.integer({ min: 0, max: 0xffff });
const option: fc.Arbitrary<TftpOption> = fc.tuple(
  fc.oneof(fc.constantFrom('blksize', 'tsize', 'timeout', 'windowsize', 'BLKSIZE'), text(20).filter((s) => s !== '')),
  fc.oneof(fc.nat({ max: 70000 }).map(String), text(20)),
);
const options = fc.array(option, { maxLength: 6 });

/** Every packet kind, with the odd values the wire allows (empty names, odd modes, unknown error codes). */
export function tftpPacket(): fc.Arbitrary<TftpPacket> {
  // Plain objects: fc.record's have a null prototype, which toStrictEqual tells apart from the decoder's.
  return fc.oneof<fc.Arbitrary<TftpPacket>[]>(
    fc.record({ op: fc.constantFrom('rrq' as const, 'wrq' as const), filename: text(80), mode: fc.oneof(fc.constantFrom('octet', 'netascii', 'OCTET'), text(10)), options }).map((p) => ({ ...p })),
    fc.record({ op: fc.constant('data' as const), block: u16, data: fc.uint8Array({ maxLength: 1500 }) }).map((p) => ({ ...p })),
    fc.record({ op: fc.constant('ack' as const), block: u16 }).map((p) => ({ ...p })),
    fc.record({ op: fc.constant('error' as const), code: u16, message: text(60) }).map((p) => ({ ...p })),
    fc.record({ op: fc.constant('oack' as const), options }).map((p) => ({ ...p })),
  );
}
