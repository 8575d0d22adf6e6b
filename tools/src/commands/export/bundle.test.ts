import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { BundleDecodeError, BundleWriter, readBundle } from './bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'lh-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const stream = { name: 'LH_EVENTS', firstSeq: 1, lastSeq: 9, messages: 9 };

const rawEvent = fc.record({
  seq: fc.integer({ min: 1, max: 2 ** 40 }),
  subject: fc.stringMatching(/^lh\.evt\.[a-z]{1,6}\.[a-z0-9-]{1,8}$/),
  stored: fc.integer({ min: 0, max: 2 ** 45 }),
  data: fc.uint8Array({ maxLength: 300 }),
});

describe('bundle format', () => {
  test.prop([fc.array(rawEvent, { maxLength: 40 }), fc.array(fc.tuple(fc.stringMatching(/^lh\.evt\.x\.[a-z]{1,5}$/), fc.uint8Array({ minLength: 1, maxLength: 50 })), { maxLength: 3 })], { numRuns: 25 })(
    'what is written reads back byte for byte, with the counts in the header',
    async (events, snapshots) => {
      const file = join(dir, `b-${Math.random()}.lhb`);
      const writer = new BundleWriter(file);
      for (const e of events) await writer.addEvent(e);
      for (const [s, v] of snapshots) await writer.addSnapshot(s, v);
      const header = await writer.finish({ filters: { network: 'n1' }, stream });
      const bundle = await readBundle(file);
      expect(bundle.header).toEqual(header);
      expect(bundle.header).toMatchObject({ format: 'leasehold-bundle', version: 1, count: events.length, aggregates: new Set(events.map((e) => e.subject)).size });
      expect(bundle.events.map((e) => ({ ...e, data: Buffer.from(e.data) }))).toEqual(events.map((e) => ({ ...e, data: Buffer.from(e.data) })));
      expect(bundle.snapshots).toEqual(new Map(snapshots.map(([s, v]) => [s, expect.toSatisfy((x: Uint8Array) => Buffer.from(x).equals(Buffer.from(v)))])));
      // The header is the first line of the gunzipped file, for `zcat | head -1`.
      expect(JSON.parse(gunzipSync(readFileSync(file)).toString('latin1').split('\n')[0]!)).toEqual(header);
    },
  );

  test('a truncated bundle is refused with the offset where it stops', async () => {
    const file = join(dir, 'whole.lhb');
    const writer = new BundleWriter(file);
    for (let seq = 1; seq <= 3; seq++) await writer.addEvent({ seq, subject: 'lh.evt.t.a', stored: 0, data: new Uint8Array(100).fill(seq) });
    await writer.finish({ filters: {}, stream });
    const plain = gunzipSync(readFileSync(file));
    writeFileSync(join(dir, 'cut.lhb'), gzipSync(plain.subarray(0, plain.length - 10)));
    const error = await readBundle(join(dir, 'cut.lhb')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleDecodeError);
    expect((error as BundleDecodeError).reason).toMatch(/^truncated/);
    expect((error as BundleDecodeError).offset).toBeGreaterThan(plain.indexOf(0x0a));
  });

  test('a file that is not a bundle, or of a later version, says so', async () => {
    writeFileSync(join(dir, 'other.lhb'), gzipSync('{"format":"something-else"}\n'));
    writeFileSync(join(dir, 'v2.lhb'), gzipSync('{"format":"leasehold-bundle","version":2,"count":0}\n'));
    await expect(readBundle(join(dir, 'other.lhb'))).rejects.toThrow(/format is "something-else"/);
    await expect(readBundle(join(dir, 'v2.lhb'))).rejects.toThrow(/version 2 is not one this build reads/);
  });
});
