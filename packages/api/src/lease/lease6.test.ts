/**
 * IPv6 (DHCPv6) leases in the API: the agents' lease6 events folded into the
 * read model and listed and shown beside the IPv4 leases, through a real
 * nats-server, kept across a restart by the read model's snapshot (and
 * folded again from the journal when the stored snapshot is of an older
 * version).
 */
import { randomUUID } from 'node:crypto';
import { ProjectionSnapshots } from '@leasehold/journal';
import { lease6Subject, lease6ToEnvelope, leaseSubject, leaseTimes, toEnvelope, type JournaledLease6Event } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { READ_MODEL_SNAPSHOT_V } from '../read-model/snapshot.js';
import { startApiService } from '../service.js';
import { apiErrorOf, startTestApi, type TestApi } from '../testing/index.js';
import type { LeaseView } from '../wire/views.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

const MAC = 'fa:16:3e:00:66:01';
const DUID = '00010001' + '2a5f3e10' + MAC.replaceAll(':', '');
/** Longer than an id once behind its network id: the list's marker must hold it. */
const LONG = '2001:db8:1234:5678:9abc:def0:1234:5678';

async function journal6(networkId: string, events: JournaledLease6Event[]): Promise<void> {
  let version = 0;
  for (const event of events) {
    const r = await t.journal.append(lease6Subject(networkId, event.ip), [lease6ToEnvelope(networkId, event, { id: randomUUID() })]);
    version = r.version;
  }
  await t.api.model.waitFor(version);
}

/** A dual-stack client's leases on a fresh network: 198.18.66.10 (DHCPv4), 2001:db8:66::10 bound and LONG released (DHCPv6). */
async function dualStackClient(): Promise<{ networkId: string; expiresAt: number }> {
  const net = await t.client.networks.create({});
  const now = Date.now();
  const ip = parseIpv4('198.18.66.10');
  const r = await t.journal.append(leaseSubject(net.id, ip), [toEnvelope(net.id, { type: 'LeaseBound', at: now, ip, mac: MAC, clientId: '01fa163e006601', ...leaseTimes(now, 3_600_000) }, { id: randomUUID() })]);
  await t.api.model.waitFor(r.version);
  const holder = { duid: DUID, iaid: 7, mac: MAC };
  await journal6(net.id, [
    { type: 'Lease6Bound', at: now, ip: '2001:db8:66::10', ...holder, hostname: 'vm6', message: 'request', source: 'pool', expiresAt: now + 3_600_000 },
    { type: 'Lease6Bound', at: now, ip: LONG, ...holder, iaid: 8, expiresAt: now + 3_600_000 },
    { type: 'Lease6Renewed', at: now + 1, ip: '2001:db8:66::10', ...holder, message: 'renew', expiresAt: now + 7_200_000 },
    { type: 'Lease6Released', at: now + 2, ip: LONG, ...holder, iaid: 8 },
  ]);
  return { networkId: net.id, expiresAt: now + 7_200_000 };
}

describe('IPv6 leases in the API', () => {
  test('lease6 events are listed beside the IPv4 leases: ip_version 6, the DUID and IAID in place of a client id, the MAC the agent knew; a renewal keeps the holder and its host name', async () => {
    const { networkId, expiresAt } = await dualStackClient();
    const leases = await t.client.leases.list({ network_id: networkId });
    expect(leases).toStrictEqual<LeaseView[]>([
      { network_id: networkId, ip_version: 4, ip_address: '198.18.66.10', mac_address: MAC, client_id: '01fa163e006601', duid: null, iaid: null, hostname: null, state: 'bound', expires_at: expect.any(String), updated_at: expect.any(String) },
      { network_id: networkId, ip_version: 6, ip_address: '2001:db8:1234:5678:9abc:def0:1234:5678', mac_address: MAC, client_id: null, duid: DUID, iaid: 8, hostname: null, state: 'released', expires_at: null, updated_at: expect.any(String) },
      { network_id: networkId, ip_version: 6, ip_address: '2001:db8:66::10', mac_address: MAC, client_id: null, duid: DUID, iaid: 7, hostname: 'vm6', state: 'bound', expires_at: new Date(expiresAt).toISOString(), updated_at: expect.any(String) },
    ]);
  });

  test('the list filters IPv6 leases by network, MAC, state and ip_version, and pages through them with a marker longer than an id', async () => {
    const { networkId } = await dualStackClient();
    const other = await dualStackClient();
    const addresses = (leases: LeaseView[]) => leases.map((l) => `${l.network_id === networkId ? 'a' : 'b'} ${l.ip_address}`);
    expect(addresses(await t.client.leases.list({ network_id: networkId, ip_version: 6 }))).toStrictEqual([`a ${LONG}`, 'a 2001:db8:66::10']);
    expect(addresses(await t.client.leases.list({ network_id: networkId, ip_version: 4 }))).toStrictEqual(['a 198.18.66.10']);
    expect(addresses(await t.client.leases.list({ network_id: networkId, ip_version: 6, state: 'bound' }))).toStrictEqual(['a 2001:db8:66::10']);
    const byMac = (await t.client.leases.list({ mac_address: MAC.toUpperCase(), ip_version: 6 })).filter((l) => l.network_id === networkId || l.network_id === other.networkId);
    expect(byMac).toHaveLength(4);
    expect(await t.client.leases.list({ network_id: networkId, mac_address: 'fa:16:3e:00:66:99' })).toStrictEqual([]);
    // One at a time: the marker after the IPv6 lease of LONG is `<uuid>/<LONG>`, 75 characters.
    const first = await t.client.request<{ leases: LeaseView[]; next_marker: string }>('leases.list', { network_id: networkId, limit: 2 });
    expect(first.next_marker).toBe(`${networkId}/${LONG}`);
    const rest = await t.client.request<{ leases: LeaseView[]; next_marker?: string }>('leases.list', { network_id: networkId, limit: 2, marker: first.next_marker });
    expect(rest).toStrictEqual({ leases: [expect.objectContaining({ ip_address: '2001:db8:66::10' })] });
  });

  test('leases.show finds an IPv6 lease by any textual form of its address, and a MAC\'s by ip_version; an address that is neither IPv4 nor IPv6 is INVALID_IP', async () => {
    const { networkId } = await dualStackClient();
    expect(await t.client.leases.show({ network_id: networkId, ip_address: '2001:0DB8:66:0:0:0:0:10' })).toMatchObject({ ip_version: 6, ip_address: '2001:db8:66::10', duid: DUID, iaid: 7 });
    // The MAC's latest IPv6 row: LONG's release came last.
    expect(await t.client.leases.show({ network_id: networkId, mac_address: MAC, ip_version: 6 })).toMatchObject({ ip_version: 6, ip_address: LONG, state: 'released' });
    expect(await t.client.leases.show({ network_id: networkId, mac_address: MAC, ip_version: 4 })).toMatchObject({ ip_version: 4, ip_address: '198.18.66.10' });
    expect(await apiErrorOf(t.client.leases.show({ network_id: networkId, ip_address: '2001:db8:66::99' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await apiErrorOf(t.client.leases.show({ ip_address: '2001:db8::g' }))).toMatchObject({ code: 'INVALID_IP', message: 'ip_address 2001:db8::g is not an IPv4 or IPv6 address' });
  });

  test('a restarted API restores its IPv6 leases from its snapshot, and folds them again from the journal when the stored snapshot is of the previous version', async () => {
    const { networkId } = await dualStackClient();
    const before = await t.client.leases.list({ network_id: networkId });
    const restarted = await t.restartService();
    expect(restarted.projection.start.restoredFrom?.v).toBe(READ_MODEL_SNAPSHOT_V);
    expect(await t.client.leases.list({ network_id: networkId })).toStrictEqual(before);

    // A snapshot of the previous version (no leases6): refused, never read as one without IPv6 leases.
    const snapshot = restarted.model.snapshot();
    await t.api.stop();
    const snapshots = await ProjectionSnapshots.open(t.journal);
    await snapshots.save('api', { v: READ_MODEL_SNAPSHOT_V - 1 }, snapshot.position, { ...snapshot, v: READ_MODEL_SNAPSHOT_V - 1, leases6: undefined });
    const refolded = await startApiService(t.nc, t.journal, { onInternalError: (e) => console.error(e) });
    try {
      expect(refolded.projection.start.restoredFrom).toBeUndefined();
      expect(await t.client.leases.list({ network_id: networkId })).toStrictEqual(before);
    } finally {
      await refolded.stop();
      await t.restartService();
    }
  });
});
