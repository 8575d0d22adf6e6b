/**
 * The lease writer against a real nats-server (batching, acknowledgement,
 * a lost race), and against a journal that fails on command for what it
 * logs (a real outage is end to end in journal-outage.test.ts).
 */
import { Journal, NotPermittedError, VersionConflictError } from '@leasehold/journal';
import { startTestNats, type TestNats } from '@leasehold/journal/testing';
import { leaseSubject, leaseTimes, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JournalLeaseWriter } from './lease-writer.js';

let nats: TestNats;
let journal: Journal;
beforeAll(async () => {
  nats = await startTestNats();
  journal = await Journal.open(await nats.connect());
});
afterAll(() => nats.stop());

const bound = (ip: string, mac = '52:54:00:00:00:01'): JournaledLeaseEvent => ({ type: 'LeaseBound', ip: parseIpv4(ip), mac, at: 1_800_000_000_000, ...leaseTimes(1_800_000_000_000, 3_600_000) });
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the lease writer', () => {
  test('appends made in one turn of the event loop reach the journal together at its end, and each resolves with its own sequence once acknowledged', async () => {
    const calls: string[] = [];
    const recording = { publish: (...args: Parameters<Journal['publish']>) => (calls.push(args[0]), journal.publish(...args)) };
    const writer = new JournalLeaseWriter({ journal: recording, log: () => {} });
    const writes = Array.from({ length: 100 }, (_, i) => writer.append('net-batch', bound(`198.18.1.${i + 1}`), 0));
    // Nothing left during the turn the appends were made in...
    expect(calls).toHaveLength(0);
    await nextTurn();
    // ...and all of them in the next one, in order: one task, so one flush of the NATS client.
    expect(calls).toStrictEqual(Array.from({ length: 100 }, (_, i) => leaseSubject('net-batch', parseIpv4(`198.18.1.${i + 1}`))));
    const sequences = await Promise.all(writes);
    expect(new Set(sequences).size).toBe(100);
    for (const [i, seq] of sequences.entries()) {
      const stored = await journal.read(calls[i]!);
      expect(stored.map((s) => s.seq)).toStrictEqual([seq]);
    }
    // A later turn is a batch of its own.
    const later = writer.append('net-batch', bound('198.18.1.200'), 0);
    expect(calls).toHaveLength(100);
    expect(await later).toBeGreaterThan(Math.max(...sequences));
  });

  test('a VersionConflictError (a lost race) is passed up and is no outage: nothing logged, not failing', async () => {
    const lines: string[] = [];
    const writer = new JournalLeaseWriter({ journal, log: (l) => lines.push(l) });
    const first = await writer.append('net-race', bound('198.18.2.1'), 0);
    const lost = await writer.append('net-race', bound('198.18.2.1', '52:54:00:00:00:02'), 0).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(VersionConflictError);
    expect(writer.failing).toBe(false);
    expect(lines).toStrictEqual([]);
    expect(await writer.append('net-race', bound('198.18.2.1', '52:54:00:00:00:02'), first)).toBeGreaterThan(first);
  });

  test('a journal that does not acknowledge: one line at the first failure, one summary per interval, one when writes are acknowledged again', async () => {
    const clock = { now: 1_000 };
    let failure: Error | undefined = new Error('timeout');
    const flaky = { publish: (...args: Parameters<Journal['publish']>) => (failure ? Promise.reject(failure) : journal.publish(...args)) };
    const lines: string[] = [];
    const writer = new JournalLeaseWriter({ journal: flaky, log: (l) => lines.push(l), reportIntervalMs: 10_000, now: () => clock.now });
    const failed = await Promise.all(Array.from({ length: 50 }, (_, i) => writer.append('net-down', bound(`198.18.3.${i + 1}`), 0).catch((e: unknown) => e)));
    expect(failed.every((e) => e === failure)).toBe(true);
    expect(writer.failing).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dhcp: lease write failed, the journal did not acknowledge it \(timeout\): no DHCPACK is sent until it does/);

    clock.now = 9_000;
    writer.reportDue();
    expect(lines).toHaveLength(1);
    clock.now = 11_000;
    writer.reportDue();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^dhcp: lease writes still failing after 10 s: 49 failed in the last 10 s \(timeout\)/);
    writer.reportDue();
    expect(lines).toHaveLength(2);

    failure = undefined;
    clock.now = 12_000;
    await writer.append('net-down', bound('198.18.3.1'), 0);
    expect(writer.failing).toBe(false);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^dhcp: the journal acknowledges lease writes again after 11\.0 s; 50 writes failed meanwhile/);
  });

  test('a write the server refused for want of permission is said as a refusal of its network, not as an outage', async () => {
    const refusal = new NotPermittedError(leaseSubject('net-moved', parseIpv4('198.18.4.1')), 'Permissions Violation for Publish');
    const lines: string[] = [];
    const writer = new JournalLeaseWriter({ journal: { publish: () => Promise.reject(refusal) }, log: (l) => lines.push(l), now: () => 0 });
    const errors = await Promise.all(Array.from({ length: 10 }, () => writer.append('net-moved', bound('198.18.4.1'), 0).catch((e: unknown) => e)));
    expect(errors.every((e) => e === refusal)).toBe(true);
    expect(writer.failing).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dhcp: lease write refused: this agent may not write the leases of network net-moved/);
  });
});
