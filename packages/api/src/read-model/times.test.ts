/**
 * Neutron's created_at and updated_at, from the events' times, and the
 * fields kept for clients, as the read model folds them: an event written
 * before those fields still folds (shown at Neutron's defaults), the fields
 * are kept across updates that do not name them, and both survive a snapshot.
 */
import type { Journal } from '@leasehold/journal';
import { pack, parseCidr, parseIpv4, unpack, type NetworkState, type PortState, type SubnetState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import type { Handler } from '../endpoint.js';
import { apiHandlers } from '../service.js';
import { networkDraft, portDraft, type EventDraft } from '../testing/events.js';
import type { NetworkView, PortView, SubnetView } from '../wire/views.js';
import { ReadModel } from './read-model.js';

const T0 = Date.UTC(2026, 11, 7, 5, 58, 22, 417);
const NET = '00000000-0000-4000-8001-000000000001';
const SUB = '00000000-0000-4000-8002-000000000001';
const PORT = '00000000-0000-4000-8003-000000000001';

/** A network, subnet and port as written before description, tags and the rest existed. */
const oldNetwork: NetworkState = { id: NET, name: 'old', adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null };
const block = parseCidr('198.18.80.0/24');
const oldSubnet: SubnetState = {
  id: SUB,
  networkId: NET,
  name: '',
  cidr: block,
  gatewayIp: parseIpv4('198.18.80.1'),
  allocationPools: [{ first: parseIpv4('198.18.80.2'), last: parseIpv4('198.18.80.99') }],
  dynamicPools: [],
  dnsNameservers: [],
  hostRoutes: [],
  enableDhcp: true,
  leaseDuration: 86_400,
};
const oldPort: PortState = {
  id: PORT,
  networkId: NET,
  name: '',
  macAddress: 'fa:16:3e:00:00:01',
  fixedIps: [],
  dnsName: '',
  extraDhcpOpts: [],
  deviceOwner: 'compute:nova',
  deviceId: 'vm-1',
  adminStateUp: true,
};

function fold(model: ReadModel, drafts: readonly EventDraft[], from = 1): ReadModel {
  drafts.forEach((d, i) => model.apply({ seq: from + i, subject: d.subject, event: d.event }));
  return model;
}

async function shown(model: ReadModel): Promise<{ network: NetworkView; subnet: SubnetView; port: PortView }> {
  const h: Record<string, Handler> = apiHandlers({} as Journal, model, {});
  const network = ((await h['networks.show']!({ id: NET })) as { network: NetworkView }).network;
  const subnet = ((await h['subnets.show']!({ id: SUB })) as { subnet: SubnetView }).subnet;
  const port = ((await h['ports.show']!({ id: PORT })) as { port: PortView }).port;
  return { network, subnet, port };
}

const history: EventDraft[] = [
  networkDraft(NET, 'NetworkCreated', { network: oldNetwork }, T0),
  networkDraft(NET, 'SubnetCreated', { subnet: oldSubnet }, T0 + 1_000),
  portDraft(PORT, 'PortCreated', { port: oldPort }, T0 + 2_000),
];

describe('created_at, updated_at and the fields kept for clients in the read model', () => {
  test('events written before the fields fold, and show them at Neutron\'s defaults with the events\' times in Neutron\'s format', async () => {
    const { network, subnet, port } = await shown(fold(new ReadModel(), history));
    expect(network).toMatchObject({ description: '', tags: [], shared: false, port_security_enabled: true, created_at: '2026-12-07T05:58:22Z', updated_at: '2026-12-07T05:58:23Z' });
    expect(subnet).toMatchObject({ description: '', tags: [], created_at: '2026-12-07T05:58:23Z', updated_at: '2026-12-07T05:58:23Z' });
    expect(port).toMatchObject({
      description: '',
      tags: [],
      port_security_enabled: true,
      'binding:host_id': '',
      'binding:profile': {},
      allowed_address_pairs: [],
      created_at: '2026-12-07T05:58:24Z',
      updated_at: '2026-12-07T05:58:24Z',
    });
  });

  test('an update moves updated_at, keeps created_at, and keeps the fields it does not name; revision_number is still the aggregate\'s version', async () => {
    const model = fold(new ReadModel(), [
      ...history,
      networkDraft(NET, 'NetworkUpdated', { changes: { description: 'blue', tags: ['a'], shared: true } }, T0 + 60_000),
      networkDraft(NET, 'NetworkUpdated', { changes: { name: 'renamed' } }, T0 + 120_000),
      networkDraft(NET, 'SubnetUpdated', { subnetId: SUB, changes: { tags: ['s'] } }, T0 + 180_000),
      portDraft(PORT, 'PortUpdated', { changes: { bindingHostId: 'compute-1', allowedAddressPairs: [{ ipAddress: '198.18.80.0/28' }] } }, T0 + 240_000),
      portDraft(PORT, 'PortUpdated', { changes: { name: 'vm' } }, T0 + 300_000),
    ]);
    const { network, subnet, port } = await shown(model);
    expect(network).toMatchObject({ name: 'renamed', description: 'blue', tags: ['a'], shared: true, created_at: '2026-12-07T05:58:22Z', updated_at: '2026-12-07T06:01:22Z', revision_number: 6 });
    expect(subnet).toMatchObject({ tags: ['s'], created_at: '2026-12-07T05:58:23Z', updated_at: '2026-12-07T06:01:22Z', revision_number: 6 });
    expect(port).toMatchObject({
      name: 'vm',
      'binding:host_id': 'compute-1',
      allowed_address_pairs: [{ ip_address: '198.18.80.0/28', mac_address: 'fa:16:3e:00:00:01' }],
      created_at: '2026-12-07T05:58:24Z',
      updated_at: '2026-12-07T06:03:22Z',
      revision_number: 8,
    });
    // A snapshot keeps the times and the fields; the events after it move them on.
    const restored = fold(ReadModel.restore(unpack(pack(model.snapshot()))), [networkDraft(NET, 'NetworkUpdated', { changes: { tags: [] } }, T0 + 360_000)], 9);
    const after = await shown(restored);
    expect(after.network).toMatchObject({ description: 'blue', tags: [], created_at: '2026-12-07T05:58:22Z', updated_at: '2026-12-07T06:04:22Z' });
    expect(after.port).toStrictEqual(port);
  });

  test('deleted resources leave no times behind', () => {
    const model = fold(new ReadModel(), [...history, portDraft(PORT, 'PortDeleted', { networkId: NET }, T0 + 3_000), networkDraft(NET, 'SubnetDeleted', { subnetId: SUB }, T0 + 4_000), networkDraft(NET, 'NetworkDeleted', {}, T0 + 5_000)]);
    expect(model.times.size).toBe(0);
  });
});
