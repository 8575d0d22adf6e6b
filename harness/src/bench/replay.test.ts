import { fc, test } from '@fast-check/vitest';
import { LeaseTable, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { historyEvent } from './replay.js';

describe('the replay bench history', () => {
  test.prop([fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 })])(
    'is a history the lease table accepts event by event: each client keeps one address, binds before renewing, and binds again after releasing',
    (clients, rounds) => {
      const table = new LeaseTable({ networkId: 'n', pools: [{ subnetId: 's', first: parseIpv4('198.18.1.0'), last: parseIpv4('198.18.1.255') }] });
      const events: JournaledLeaseEvent[] = Array.from({ length: clients * rounds }, (_, i) => historyEvent(i, clients, 1_700_000_000_000));
      for (const event of events) expect(table.apply(event), `${event.type} ${event.ip}`).toBeUndefined();
      const ips = new Map<string, number>();
      for (const e of events) if ('mac' in e) ips.set(e.mac, e.ip);
      expect(new Set(ips.values()).size).toBe(clients);
    },
  );
});
