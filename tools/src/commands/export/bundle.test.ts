import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fc, test } from '@fast-check/vitest';
import { pack } from '@leasehold/protocol';
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
      expect(bundle.header).toMatchObject({ format: 'leasehold-bundle', version: 2, count: events.length, aggregates: new Set(events.map((e) => e.subject)).size });
      expect(bundle.history).toEqual({ firstRetained: 1, firstRetainedAt: null, cause: null, snapshots: [], others: [] });
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
    writeFileSync(join(dir, 'v3.lhb'), gzipSync('{"format":"leasehold-bundle","version":3,"count":0}\n'));
    writeFileSync(join(dir, 'v2-no-history.lhb'), gzipSync(`${JSON.stringify({ format: 'leasehold-bundle', version: 2, count: 0, stream })}\n`));
    await expect(readBundle(join(dir, 'other.lhb'))).rejects.toThrow(/format is "something-else"/);
    await expect(readBundle(join(dir, 'v3.lhb'))).rejects.toThrow(/version 3 is not one this build reads \(1, 2\)/);
    await expect(readBundle(join(dir, 'v2-no-history.lhb'))).rejects.toThrow(/must say where its history starts/);
  });

  test('a projection snapshot travels with its info and packed bytes unchanged, and the header says where history starts', async () => {
    const file = join(dir, 'compacted.lhb');
    const writer = new BundleWriter(file);
    for (let seq = 21; seq <= 23; seq++) await writer.addEvent({ seq, subject: 'lh.evt.t.a', stored: 1_000 + seq, data: new Uint8Array([seq]) });
    const info = { name: 'api', v: 1, fingerprint: '', seq: 20, at: 1_765_000_000_000, bytes: 3 };
    await writer.addProjection(info, new Uint8Array([7, 8, 9]));
    const history = { firstRetained: 21, firstRetainedAt: 1_021, cause: 'compacted' as const, snapshots: [info], others: [{ name: 'scheduler', seq: 22, at: 1_765_000_000_001, v: 1 }] };
    await writer.finish({ filters: {}, stream: { ...stream, firstSeq: 21, lastSeq: 23, messages: 3 }, history });
    const bundle = await readBundle(file);
    expect(bundle.history).toEqual(history);
    expect(bundle.projections.get('api')?.info).toEqual(info);
    expect(Buffer.from(bundle.projections.get('api')!.bytes)).toEqual(Buffer.from([7, 8, 9]));
  });

  test('a version 1 bundle is still read: its history starts at the stream\'s first sequence, or where --since started it, and it carries no projection snapshot', async () => {
    const v1 = (name: string, fields: object, events: { seq: number; stored: number }[]) => {
      const records = events.map((e) => {
        const body = pack({ k: 'e', seq: e.seq, subject: 'lh.evt.t.a', stored: e.stored, data: new Uint8Array([1]) });
        const framed = Buffer.alloc(4 + body.length);
        framed.writeUInt32BE(body.length, 0);
        framed.set(body, 4);
        return framed;
      });
      const header = { format: 'leasehold-bundle', version: 1, created: '2026-12-01T00:00:00.000Z', filters: {}, count: events.length, aggregates: 1, snapshots: 0, firstSeq: events[0]?.seq ?? 0, lastSeq: events.at(-1)?.seq ?? 0, ...fields };
      writeFileSync(join(dir, name), gzipSync(Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), ...records])));
      return readBundle(join(dir, name));
    };
    const whole = await v1('v1-whole.lhb', { stream }, [{ seq: 1, stored: 5 }]);
    expect(whole.history).toMatchObject({ firstRetained: 1, cause: null, snapshots: [] });
    expect(whole.projections.size).toBe(0);
    const compacted = await v1('v1-compacted.lhb', { stream: { ...stream, firstSeq: 40 } }, [{ seq: 40, stored: 77 }]);
    expect(compacted.history).toEqual({ firstRetained: 40, firstRetainedAt: 77, cause: 'compacted', snapshots: [], others: [], problem: 'a bundle of format version 1 carries no projection snapshot' });
    const since = await v1('v1-since.lhb', { stream, filters: { since: '5', start: { seq: 5 } } }, [{ seq: 6, stored: 9 }]);
    expect(since.history).toMatchObject({ firstRetained: 5, firstRetainedAt: null, cause: 'exported' });
  });
});
