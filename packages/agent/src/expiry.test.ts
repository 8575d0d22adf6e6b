import { VersionConflictError } from '@leasehold/journal';
import { leaseSubject, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { parseIpv4 as v4 } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { LeaseExpiry } from './expiry.js';
import { ServedNetworks } from './served-networks.js';

const expired = (ip: string) => ({ type: 'LeaseExpired', ip: v4(ip), mac: '52:54:00:00:00:01', at: 5_000 }) as unknown as JournaledLeaseEvent;

describe('lease expiry', () => {
  test("journals each served network's expired leases with the subject's version and folds each in at its sequence; a lost race is dropped; then the writer's summary is due", async () => {
    const tables = new Map([
      ['n1', [expired('198.18.0.10'), expired('198.18.0.11')]],
      ['n2', [expired('198.18.1.10')]],
      ['unserved', [expired('198.18.2.10')]],
    ]);
    const askedAt: number[] = [];
    const applied: [string, string, number][] = [];
    const model = {
      table: (id: string) => ({ expired: (now: number) => (askedAt.push(now), tables.get(id) ?? []) }),
      leaseVersion: (subject: string) => (subject.endsWith('-10') ? 7 : 8),
      applyLease: (networkId: string, subject: string, seq: number) => void applied.push([networkId, subject, seq]),
    } as unknown as ConstructorParameters<typeof LeaseExpiry>[0]['model'];
    const appended: [string, number][] = [];
    const reported: number[] = [];
    let seq = 100;
    const writer = {
      append: async (networkId: string, event: JournaledLeaseEvent, expected: number) => {
        const subject = leaseSubject(networkId, event.ip);
        appended.push([subject, expected]);
        if (event.ip === v4('198.18.0.11')) throw new VersionConflictError(subject, expected, expected + 1);
        return ++seq;
      },
      reportDue: (now?: number) => void reported.push(now!),
    };
    const served = new ServedNetworks();
    served.replace(new Map(['n1', 'n2'].map((id) => [id, { networkId: id, ifname: undefined, serverIps: new Map() }])));
    await new LeaseExpiry({ model, writer, served }).run(5_000);

    const s = (n: string, ip: string) => leaseSubject(n, v4(ip));
    expect(askedAt).toStrictEqual([5_000, 5_000]);
    expect(appended).toStrictEqual([
      [s('n1', '198.18.0.10'), 7],
      [s('n1', '198.18.0.11'), 8],
      [s('n2', '198.18.1.10'), 7],
    ]);
    expect(applied).toStrictEqual([
      ['n1', s('n1', '198.18.0.10'), 101],
      ['n2', s('n2', '198.18.1.10'), 102],
    ]);
    expect(reported).toStrictEqual([5_000]);
  });
});
