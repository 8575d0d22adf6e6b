import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectNats } from './connect.js';
import { ProjectionStalledError } from './errors.js';
import { Journal } from './journal.js';
import { startNatsServer } from './nats-server.js';
import { readMessage, startProjection, type CatchUpProgress, type QuarantinedEvent } from './projection.js';
import { damageStoredMessage, startTestNats, testEvent, type TestNats } from './testing/index.js';

let nats: TestNats;
let journal: Journal;

beforeAll(async () => {
  nats = await startTestNats();
  journal = await Journal.open(await nats.connect());
});
afterAll(() => nats.stop());

/** A projection summing `n` over one aggregate kind, keeping the sum beside its checkpoint. */
async function summing(name: string, filter: string) {
  const seen: number[] = [];
  let sum = 0;
  const projection = await startProjection(journal, {
    name,
    filter,
    apply: (s) => {
      seen.push(s.seq);
      sum += (s.event.data as { n: number }).n;
    },
    saveState: () => sum,
    restoreState: (state) => (sum = state as number),
    checkpointEvery: { events: 3 },
  });
  return { projection, seen, sum: () => sum };
}

describe('projections', () => {
  test('a projection folds every event in order and says when it has caught up', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    await journal.append(subject, [1, 2, 3, 4].map((n) => testEvent(subject, 'Added', { n })), 0);
    const { projection, seen, sum } = await summing(`p-${kind}`, `lh.evt.test.${kind}.>`);
    await projection.caughtUp;
    expect(sum()).toBe(10);
    expect(seen).toStrictEqual([...seen].sort((a, b) => a - b));
    await projection.stop();
  });

  test('a restarted projection resumes from its checkpoint and replays only the tail', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    const filter = `lh.evt.test.${kind}.>`;
    await journal.append(subject, [1, 2, 3, 4, 5].map((n) => testEvent(subject, 'Added', { n })), 0);
    const first = await summing(`p-${kind}`, filter);
    await first.projection.caughtUp;
    await first.projection.stop();
    const stoppedAt = first.projection.position();

    await journal.append(subject, [10, 20].map((n) => testEvent(subject, 'Added', { n })));
    const second = await summing(`p-${kind}`, filter);
    await second.projection.caughtUp;
    expect(second.seen).toHaveLength(2);
    expect(second.seen[0]).toBeGreaterThan(stoppedAt);
    expect(second.sum()).toBe(45);
    await second.projection.stop();
  });

  test('a projection keeps following events appended after it caught up', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    const { projection, sum } = await summing(`p-${kind}`, `lh.evt.test.${kind}.>`);
    await projection.caughtUp;
    await journal.append(subject, [7, 8].map((n) => testEvent(subject, 'Added', { n })));
    await expect.poll(sum, { timeout: 5000 }).toBe(15);
    await projection.stop();
  });

  test('an undecodable event is skipped and reported, and the projection goes on', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    await journal.append(subject, [testEvent(subject, 'Added', { n: 1 })]);
    await journal.js.publish(subject, new Uint8Array([0xc1, 0xff, 0x00]));
    await journal.js.publish(subject, encodeEvent({ ...testEvent(subject, 'Added', { n: 1 }), v: 0 }));
    await journal.append(subject, [testEvent(subject, 'Added', { n: 2 })]);
    const bad: number[] = [];
    let sum = 0;
    const projection = await startProjection(journal, {
      name: `p-${kind}`,
      filter: `lh.evt.test.${kind}.>`,
      apply: (s) => void (sum += (s.event.data as { n: number }).n),
      onBadEvent: (seq) => bad.push(seq),
    });
    await projection.caughtUp;
    expect(sum).toBe(3);
    expect(bad).toHaveLength(2);
    expect(projection.stats).toMatchObject({ applied: 2, skipped: 2 });
    await projection.stop();
  });

  test('an event the fold says it already holds is counted as applied without being decoded or applied, and the position passes it', async () => {
    const kind = randomUUID();
    const own = `lh.evt.test.${kind}.own`;
    const other = `lh.evt.test.${kind}.other`;
    const { sequences } = await journal.append(own, [testEvent(own, 'Added', { n: 1 })]);
    // Not decodable: had the projection read it, it would be quarantined.
    const garbage = await journal.js.publish(own, new Uint8Array([0xc1, 0xff, 0x00]));
    await journal.append(other, [testEvent(other, 'Added', { n: 2 })]);
    const held = new Set([sequences[0]!, garbage.seq]);
    const applied: number[] = [];
    const asked: string[] = [];
    const projection = await startProjection(journal, {
      name: `p-${kind}`,
      filter: `lh.evt.test.${kind}.>`,
      apply: (s) => void applied.push((s.event.data as { n: number }).n),
      alreadyFolded: (subject, seq) => {
        asked.push(`${subject.slice(subject.lastIndexOf('.') + 1)}@${seq}`);
        return subject === own && held.has(seq);
      },
    });
    await projection.caughtUp;
    expect(applied).toStrictEqual([2]);
    expect(asked).toHaveLength(3);
    expect(projection.stats).toMatchObject({ applied: 3, skipped: 0, quarantined: 0 });
    expect(projection.position()).toBe(garbage.seq + 1);
    await projection.stop();
  });

  test('an event the fold throws on is skipped and reported, and the projection goes on', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    await journal.append(subject, [1, -1, 2].map((n) => testEvent(subject, 'Added', { n })));
    const bad: number[] = [];
    let sum = 0;
    const projection = await startProjection(journal, {
      name: `p-${kind}`,
      filter: `lh.evt.test.${kind}.>`,
      apply: (s) => {
        const n = (s.event.data as { n: number }).n;
        if (n < 0) throw new Error('negative');
        sum += n;
      },
      onBadEvent: (seq) => bad.push(seq),
    });
    await projection.caughtUp;
    expect(sum).toBe(3);
    expect(bad).toHaveLength(1);
    expect(projection.stats).toMatchObject({ applied: 2, skipped: 1, quarantined: 1 });
    await projection.stop();
  });

  test('events that do not validate are quarantined: never applied, counted, reported once each with subject, sequence and reason', async () => {
    const networkId = `net-${randomUUID()}`;
    const subject = `lh.evt.network.${networkId}`;
    const network = { id: networkId, name: 'n', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null };
    const good = (await journal.append(subject, [testEvent(`network/${networkId}`, 'NetworkCreated', { network })], 0)).version;
    const empty = (await journal.js.publish(subject, encodeEvent(testEvent(`network/${networkId}`, 'NetworkCreated', {})))).seq;
    const bytes = (await journal.js.publish(subject, new Uint8Array([0xc1]))).seq;
    const v2 = (await journal.js.publish(subject, encodeEvent({ ...testEvent(`network/${networkId}`, 'NetworkUpdated', { changes: {} }), v: 2 }))).seq;
    const last = (await journal.append(subject, [testEvent(`network/${networkId}`, 'NetworkUpdated', { changes: { mtu: 9000 } })], v2)).version;
    const applied: number[] = [];
    const quarantined: QuarantinedEvent[] = [];
    const projection = await startProjection(journal, {
      name: `p-${randomUUID()}`,
      filter: subject,
      fromStart: true,
      apply: (s) => void applied.push(s.seq),
      onQuarantine: (q) => void quarantined.push(q),
    });
    await projection.caughtUp;
    expect(applied).toStrictEqual([good, last]);
    expect(quarantined.map((q) => [q.seq, q.subject, q.type, q.v])).toStrictEqual([
      [empty, subject, 'NetworkCreated', 1],
      [bytes, subject, undefined, undefined],
      [v2, subject, 'NetworkUpdated', 2],
    ]);
    expect(quarantined[0]!.reason).toBe('NetworkCreated v1: data.network: missing');
    expect(quarantined[1]!.reason).toMatch(/^event envelope: /);
    expect(quarantined[2]!.reason).toMatch(/NetworkUpdated v2 is not a schema version this build reads/);
    expect(projection.stats).toMatchObject({ applied: 2, quarantined: 3, skipped: 3 });
    expect(projection.position()).toBe(last);
    await projection.stop();
  });

  test('readMessage is the runner\'s step: an event of a test kind passes, garbage on a known subject is quarantined', () => {
    const ok = readMessage({ seq: 1, subject: 'lh.evt.test.x.a', data: encodeEvent(testEvent('x', 'Added', { n: 1 })) });
    expect(ok.ok && ok.stored.event.data).toStrictEqual({ n: 1 });
    const bad = readMessage({ seq: 2, subject: 'lh.evt.port.p1', data: encodeEvent(testEvent('port/p1', 'PortCreated', { port: 1 })) });
    expect(bad.ok ? undefined : bad.quarantined).toMatchObject({ seq: 2, subject: 'lh.evt.port.p1', type: 'PortCreated', v: 1, reason: 'PortCreated v1: data.port: expected a map, got 1' });
  });

  test('a replay that applies no event for its stall limit rejects caughtUp, naming the event it waits for, after reporting its progress', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    const { sequences } = await journal.append(subject, [1, 2, 3, 4].map((n) => testEvent(subject, 'Added', { n })), 0);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const reports: CatchUpProgress[] = [];
    const projection = await startProjection(journal, {
      name: `p-${kind}`,
      filter: `lh.evt.test.${kind}.>`,
      // The fold never returns from the third event: the replay makes no progress.
      apply: (s) => (s.seq === sequences[2] ? held : undefined),
      catchUp: { stallLimitMs: 600, reportEveryMs: 100, onProgress: (p) => reports.push(p) },
    });
    try {
      const error = await projection.caughtUp.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProjectionStalledError);
      const stalled = error as ProjectionStalledError;
      expect(stalled.position).toBe(sequences[1]);
      expect(stalled.next).toStrictEqual({ seq: sequences[2], subject });
      expect(stalled.stalledMs).toBeGreaterThanOrEqual(600);
      expect(stalled.message).toContain(`cannot read event ${sequences[2]} on ${subject}`);
      expect(reports.length).toBeGreaterThan(0);
      expect(reports.at(-1)).toMatchObject({ name: `p-${kind}`, filter: `lh.evt.test.${kind}.>`, position: sequences[1], caughtUp: false });
      expect(reports.at(-1)!.stalledMs).toBeGreaterThan(0);
      expect(projection.progress().caughtUp).toBe(false);
    } finally {
      release();
    }
  });

  test('a projection that catches up reports it once, with where it ended', async () => {
    const kind = randomUUID();
    const subject = `lh.evt.test.${kind}.a`;
    await journal.append(subject, [1, 2].map((n) => testEvent(subject, 'Added', { n })), 0);
    const reports: CatchUpProgress[] = [];
    const projection = await startProjection(journal, { name: `p-${kind}`, filter: `lh.evt.test.${kind}.>`, apply: () => {}, catchUp: { onProgress: (p) => reports.push(p) } });
    await projection.caughtUp;
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ caughtUp: true, stalledMs: 0, events: 2, position: projection.position() });
    await projection.stop();
  });
});

describe('projections on a damaged store', () => {
  /** A server on a fresh store holding `count` events; `damage` runs on the stopped store before it starts again. */
  async function damagedStore(count: number, damage: (storeDir: string, seqs: readonly number[]) => number) {
    const storeDir = mkdtempSync(join(tmpdir(), 'lh-damaged-'));
    let server = await startNatsServer({ storeDir });
    let nc = await connectNats(server.url);
    const written = await Journal.open(nc);
    const subject = 'lh.evt.test.damaged.a';
    const { sequences } = await written.append(subject, Array.from({ length: count }, (_, n) => testEvent(subject, 'Added', { n })));
    await nc.close();
    await server.stop();
    const damaged = damage(storeDir, sequences);
    server = await startNatsServer({ storeDir });
    nc = await connectNats(server.url);
    const journal = await Journal.open(nc);
    return {
      journal,
      damaged,
      sequences,
      async [Symbol.asyncDispose]() {
        await nc.close();
        await server.stop();
        rmSync(storeDir, { recursive: true, force: true });
      },
    };
  }

  test('a replay whose last event cannot be read gives up after its stall limit with that event\'s sequence (regression: issue 14, a start that hung for ever with no log line)', async () => {
    await using store = await damagedStore(20, (dir) => damageStoredMessage(dir));
    expect(store.damaged).toBe(store.sequences.at(-1));
    const reports: CatchUpProgress[] = [];
    const projection = await startProjection(store.journal, {
      name: 'damaged',
      filter: 'lh.evt.>',
      apply: () => {},
      catchUp: { stallLimitMs: 1_500, reportEveryMs: 300, onProgress: (p) => reports.push(p) },
    });
    const error = await projection.caughtUp.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProjectionStalledError);
    expect((error as ProjectionStalledError).position).toBe(store.damaged - 1);
    expect((error as ProjectionStalledError).target).toBe(store.damaged);
    expect((error as ProjectionStalledError).next.seq).toBe(store.damaged);
    expect((error as Error).message).toContain(`cannot read event ${store.damaged}`);
    expect(reports.some((p) => p.stalledMs > 0 && p.position === store.damaged - 1 && p.target === store.damaged)).toBe(true);
  });

  test('an event in the middle the server cannot read is reported, and the replay still catches up', async () => {
    await using store = await damagedStore(20, (dir, seqs) => damageStoredMessage(dir, { seq: seqs[9]! }));
    const errors: string[] = [];
    let applied = 0;
    const projection = await startProjection(store.journal, {
      name: 'damaged',
      filter: 'lh.evt.>',
      apply: () => void applied++,
      onError: (e) => errors.push((e as Error).message),
      catchUp: { stallLimitMs: 5_000 },
    });
    await projection.caughtUp;
    expect(projection.position()).toBe(store.sequences.at(-1));
    expect(applied).toBe(19);
    expect(errors.join('\n')).toContain('1 could not be read');
    await projection.stop();
  });
});
