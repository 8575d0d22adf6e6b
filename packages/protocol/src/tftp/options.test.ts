import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { negotiateTftpOptions, TFTP_MAX_BLOCK_SIZE } from './options.js';

describe('TFTP option negotiation', () => {
  it('answers no OACK to a plain request: 512-byte blocks, one at a time', () => {
    expect(negotiateTftpOptions([], { fileSize: 10 })).toStrictEqual({ blockSize: 512, windowSize: 1, oack: [] });
  });

  it('takes blksize, windowsize, timeout and tsize (the file size), names lower-cased in the client order', () => {
    const n = negotiateTftpOptions(
      [['TSIZE', '0'], ['blksize', '1468'], ['windowsize', '16'], ['timeout', '3']],
      { fileSize: 2_000_000 },
    );
    expect(n).toStrictEqual({
      blockSize: 1468,
      windowSize: 16,
      timeoutSeconds: 3,
      oack: [['tsize', '2000000'], ['blksize', '1468'], ['windowsize', '16'], ['timeout', '3']],
    });
  });

  it('answers the server limits to larger requests and ignores values out of the RFC ranges, unknown options and repeats', () => {
    const n = negotiateTftpOptions(
      [['blksize', '9000'], ['windowsize', '500'], ['blksize', '16'], ['timeout', '0'], ['multicast', ''], ['tsize', 'x']],
      { fileSize: 1, maxBlockSize: 1400, maxWindowSize: 64 },
    );
    expect(n).toStrictEqual({ blockSize: 1400, windowSize: 64, oack: [['blksize', '1400'], ['windowsize', '64']] });
    expect(negotiateTftpOptions([['blksize', '7'], ['windowsize', '0'], ['timeout', '256'], ['blksize', '65465']], { fileSize: 1 }).oack).toStrictEqual([]);
    expect(negotiateTftpOptions([['blksize', '-8'], ['windowsize', '+1'], ['timeout', ' 1']], { fileSize: 1 }).oack).toStrictEqual([]);
  });

  test.prop([fc.array(fc.tuple(fc.constantFrom('blksize', 'windowsize', 'timeout', 'tsize', 'x'), fc.oneof(fc.nat({ max: 70000 }).map(String), fc.string())), { maxLength: 8 }), fc.nat()])(
    'whatever is asked, the block size is in 8..65464, the window in 1..65535, and the OACK names each option at most once',
    (asked, fileSize) => {
      const n = negotiateTftpOptions(asked, { fileSize });
      expect(n.blockSize).toBeGreaterThanOrEqual(8);
      expect(n.blockSize).toBeLessThanOrEqual(TFTP_MAX_BLOCK_SIZE);
      expect(n.windowSize).toBeGreaterThanOrEqual(1);
      expect(n.windowSize).toBeLessThanOrEqual(65535);
      const names = n.oack.map(([name]) => name);
      expect(new Set(names).size).toBe(names.length);
    },
  );
});
