import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { PcapDecodeError } from './errors.js';
import { readPcapFile } from './pcap-file.js';
import { buildPcap } from './testing.js';

const frameArb = fc.record({
  seconds: fc.integer({ min: 0, max: 0xffffffff }),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  data: fc.uint8Array({ maxLength: 80 }),
});
const fileArb = fc.record({
  littleEndian: fc.boolean(),
  precision: fc.constantFrom('micro' as const, 'nano' as const),
  linkType: fc.integer({ min: 0, max: 0xffff }),
  frames: fc.array(frameArb, { maxLength: 6 }),
});

describe('readPcapFile', () => {
  test.prop([fileArb])('it gives back every frame written, with its timestamp at the file’s precision, in either byte order', (spec) => {
    const file = readPcapFile(buildPcap(spec));
    expect(file.littleEndian).toBe(spec.littleEndian);
    expect(file.precision).toBe(spec.precision);
    expect(file.linkType).toBe(spec.linkType);
    expect(file.frames.map((f) => [f.index, f.ts.seconds, f.ts.nanos, Array.from(f.data)])).toEqual(
      spec.frames.map((f, i) => [
        i + 1,
        f.seconds,
        spec.precision === 'nano' ? f.nanos : Math.floor(f.nanos / 1000) * 1000,
        Array.from(f.data),
      ]),
    );
  });

  test('it reads the link type from the low 16 bits, ignoring the FCS bits above them', () => {
    const bytes = buildPcap({ linkType: 1, frames: [] });
    new DataView(bytes.buffer).setUint32(20, 0x1400_0001, true); // F bit + FCS length 4
    expect(readPcapFile(bytes).linkType).toBe(1);
  });

  test('it reports a frame cut by the snaplen through its original length', () => {
    const file = readPcapFile(buildPcap({ linkType: 1, snaplen: 4, frames: [{ seconds: 1, nanos: 0, data: new Uint8Array(4), originalLength: 90 }] }));
    expect(file.snaplen).toBe(4);
    expect(file.frames[0]?.originalLength).toBe(90);
  });

  const cases: [string, (b: Uint8Array) => Uint8Array, RegExp, number][] = [
    ['a file shorter than the global header', (b) => b.subarray(0, 23), /shorter than the 24-byte global header/, 0],
    ['a wrong magic number', (b) => (b.set([1, 2, 3, 4], 0), b), /bad magic number 0x01020304/, 0],
    ['a pcapng file', (b) => (b.set([0x0a, 0x0d, 0x0d, 0x0a], 0), b), /pcapng/, 0],
    ['an unknown major version', (b) => (b.set([3, 0], 4), b), /unsupported format version 3\.4/, 4],
    ['a record header cut short', (b) => b.subarray(0, 24 + 10), /record header cut short \(10 of 16 bytes\)/, 24],
    ['a record longer than the rest of the file', (b) => b.subarray(0, b.length - 1), /claims 8 captured bytes but 7 remain/, 32],
    ['a microsecond fraction of a million', (b) => (new DataView(b.buffer).setUint32(28, 1_000_000, true), b), /fraction 1000000 is not below 1000000/, 28],
  ];
  for (const [what, corrupt, message, offset] of cases) {
    test(`it throws a PcapDecodeError naming the offset for ${what}`, () => {
      const bytes = buildPcap({ linkType: 1, frames: [{ seconds: 1, nanos: 0, data: new Uint8Array(8) }] });
      let error: unknown;
      try {
        readPcapFile(corrupt(bytes.slice()));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PcapDecodeError);
      expect((error as PcapDecodeError).message).toMatch(message);
      expect((error as PcapDecodeError).offset).toBe(offset);
    });
  }

  test.prop([fc.uint8Array({ maxLength: 200 }), fc.boolean()], { numRuns: 3000 })(
    'on arbitrary bytes after a valid magic it only ever returns frames or throws PcapDecodeError',
    (tail, le) => {
      const head = buildPcap({ linkType: 1, littleEndian: le, frames: [] }).subarray(0, 8);
      const bytes = new Uint8Array(8 + tail.length);
      bytes.set(head, 0);
      bytes.set(tail, 8);
      try {
        const file = readPcapFile(bytes);
        for (const frame of file.frames) expect(frame.data.length).toBeLessThanOrEqual(bytes.length);
      } catch (e) {
        expect(e).toBeInstanceOf(PcapDecodeError);
      }
    },
  );
});
