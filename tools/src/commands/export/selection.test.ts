import { describe, expect, test } from 'vitest';
import { selection } from './selection.js';

describe('export --network', () => {
  test("keeps the network's own subjects, its IPv4 and IPv6 leases and claims among them, and no other network's", () => {
    const keep = selection({ network: 'net-1', agents: false });
    for (const subject of ['lh.evt.network.net-1', 'lh.evt.binding.net-1', 'lh.evt.lease.net-1.198-18-0-5', 'lh.evt.lease6.net-1.2001:db8:1::10', 'lh.evt.ipam.net-1.2001:db8:1::10', 'lh.evt.mac.net-1.fa:16:3e:00:00:01']) {
      expect(keep.keeps(subject, undefined), subject).toBe(true);
    }
    for (const subject of ['lh.evt.network.net-2', 'lh.evt.lease6.net-2.2001:db8:1::10', 'lh.evt.agent.a-1']) expect(keep.keeps(subject, undefined), subject).toBe(false);
  });
});
