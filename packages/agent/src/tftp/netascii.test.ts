import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { NetasciiBlocks, netasciiDecode, netasciiEncode } from './netascii.js';

/** Bytes where CR, LF and NUL are common, so pairs meet block boundaries. */
const text = fc.array(fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x00), fc.integer({ min: 0, max: 255 })), { maxLength: 600 }).map((a) => Uint8Array.from(a));

/** A FileHandle's read over `data` (short at its end, as a file's). */
const handleOver = (data: Uint8Array) => ({
  read: async (into: Buffer, at: number, length: number, position: number) => {
    const part = data.subarray(position, position + length);
    into.set(part, at);
    return { bytesRead: part.length, buffer: into };
  },
});

/** Every block until the short last one, concatenated; `again` reads some blocks twice before going on, as a retransmission does. */
async function allBlocks(blocks: NetasciiBlocks, blockSize: number, again: (block: number) => boolean = () => false): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let block = 1; ; block++) {
    const into = Buffer.alloc(4 + blockSize);
    const length = await blocks.read(block, into, 4);
    if (again(block)) {
      const twice = Buffer.alloc(4 + blockSize);
      expect(await blocks.read(block, twice, 4)).toBe(length);
      expect(twice.subarray(4, 4 + length)).toEqual(into.subarray(4, 4 + length));
    }
    parts.push(into.subarray(4, 4 + length));
    blocks.release(block - 1);
    if (length < blockSize) return Buffer.concat(parts);
  }
}

describe('netascii (RFC 1350: CR LF line ends, CR NUL for a bare CR)', () => {
  test('LF becomes CR LF and CR becomes CR NUL, as tftp-hpa sends a file; every other byte is kept', () => {
    expect(Buffer.from(netasciiEncode(Buffer.from('a\nb\rc\r\n\0')))).toEqual(Buffer.from('a\r\nb\r\0c\r\0\r\n\0'));
    expect(Buffer.from(netasciiDecode(Buffer.from('a\r\nb\r\0c\r\0\r\n\0')))).toEqual(Buffer.from('a\nb\rc\r\n\0'));
  });

  test.prop([text])('decode(encode(x)) is x, and the encoding has no bare CR or LF', (data) => {
    const wire = netasciiEncode(data);
    expect(netasciiDecode(wire)).toEqual(data);
    wire.forEach((byte, i) => {
      if (byte === 0x0d) expect([0x0a, 0x00]).toContain(wire[i + 1]);
      if (byte === 0x0a) expect(wire[i - 1]).toBe(0x0d);
    });
  });

  test.prop([text, fc.integer({ min: 8, max: 64 }), fc.func(fc.boolean())])(
    'read block by block (a pair split across blocks, blocks read again before their ACK), the blocks are the encoding, ending with a short block',
    async (data, blockSize, again) => {
      const wire = await allBlocks(new NetasciiBlocks(handleOver(data), blockSize), blockSize, (block) => again(block));
      expect(wire).toEqual(Buffer.from(netasciiEncode(data)));
    },
  );

  test('a block already released, or one past the next, is refused rather than made up', async () => {
    const blocks = new NetasciiBlocks(handleOver(Buffer.from('x'.repeat(40))), 8);
    await blocks.read(1, Buffer.alloc(12), 4);
    await expect(blocks.read(3, Buffer.alloc(12), 4)).rejects.toThrow(/block 3/);
    blocks.release(1);
    await expect(blocks.read(1, Buffer.alloc(12), 4)).rejects.toThrow(/block 1/);
    expect(await blocks.read(2, Buffer.alloc(12), 4)).toBe(8);
  });
});
