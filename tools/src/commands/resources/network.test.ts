import type { NetworkView } from '@leasehold/api/client';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { networkFields } from './network.js';
import { jsonOf, runCli, tableRows } from './testing/run-cli.js';

let t: TestApi;
const cli = (...args: string[]) => runCli([...args, '--nats-url', t.nats.url]);

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t?.stop());

describe('leasehold net', () => {
  test('create sends every flag as its Neutron field and --json prints the API reply', async () => {
    const run = await cli('net', 'create', 'web', '--mtu', '1450', '--dns-domain', 'example.org', '--az-hint', 'az1', '--az-hint', 'az2', '--physical-network', 'physnet1', '--disable', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { network } = jsonOf<{ network: NetworkView }>(run);
    expect(network).toMatchObject({
      name: 'web',
      mtu: 1450,
      availability_zone_hints: ['az1', 'az2'],
      'provider:physical_network': 'physnet1',
      admin_state_up: false,
    });
    expect(network.dns_domain).toMatch(/^example\.org\.?$/);
    expect(await t.client.networks.show(network.id)).toEqual(network);
  });

  test('--isolated-metadata on, off and default set leasehold:isolated_metadata to true, false and null; another word is refused', async () => {
    const created = jsonOf<{ network: NetworkView }>(await cli('net', 'create', 'md-net', '--isolated-metadata', 'on', '--json')).network;
    expect(created['leasehold:isolated_metadata']).toBe(true);
    expect(jsonOf<{ network: NetworkView }>(await cli('net', 'update', 'md-net', '--isolated-metadata', 'off', '--json')).network['leasehold:isolated_metadata']).toBe(false);
    expect(jsonOf<{ network: NetworkView }>(await cli('net', 'update', 'md-net', '--isolated-metadata', 'default', '--json')).network['leasehold:isolated_metadata']).toBeNull();
    const refused = await cli('net', 'update', 'md-net', '--isolated-metadata', 'maybe');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--isolated-metadata is on, off or default/);
  });

  test('list filters by physical network and prints a table with one row per network; show finds a network by name', async () => {
    const a = await t.client.networks.create({ name: 'listed-a', 'provider:physical_network': 'physnet-list' });
    // One flat network per physical network: the second is a VLAN of it.
    const b = await t.client.networks.create({ name: 'listed-b', 'provider:physical_network': 'physnet-list', 'provider:network_type': 'vlan', 'provider:segmentation_id': 10, mtu: 9000 });
    await t.client.networks.create({ name: 'elsewhere', 'provider:physical_network': 'physnet-other' });
    const [list, show] = await Promise.all([cli('net', 'list', '--physical-network', 'physnet-list'), cli('net', 'show', 'listed-b', '--json')]);
    expect(list.code).toBe(0);
    const [header, ...rows] = tableRows(list.stdout);
    expect(header).toEqual(['id', 'name', 'status', 'mtu', 'physical network', 'network type', 'segment', 'subnets']);
    expect(rows.map((r) => r[1]).sort()).toEqual(['listed-a', 'listed-b']);
    expect(rows.find((r) => r[0] === a.id)).toEqual([a.id, 'listed-a', 'ACTIVE', String(a.mtu), 'physnet-list', 'flat', '', '']);
    expect(rows.find((r) => r[0] === b.id)).toEqual([b.id, 'listed-b', 'ACTIVE', '9000', 'physnet-list', 'vlan', '10', '']);
    expect(jsonOf<{ network: NetworkView }>(show).network).toEqual(b);
  });

  test('show says which DHCP agents serve the network and whether a live agent maps its physical network', async () => {
    const agent = `reach-${Date.now()}`;
    await t.heartbeat(agent); // maps physnet1
    const mapped = await t.client.networks.create({ name: 'reach-mapped', 'provider:physical_network': 'physnet1', 'provider:network_type': 'vlan' });
    const nobody = await t.client.networks.create({ name: 'reach-nobody', 'provider:physical_network': 'physnet-nobody' });
    const [yes, no, table] = await Promise.all([cli('net', 'show', mapped.id, '--json'), cli('net', 'show', nobody.id, '--json'), cli('net', 'show', nobody.id)]);
    const reply = jsonOf<{ network: NetworkView; dhcp: { agents: string[]; reaching_agents: string[]; reachable: boolean } }>(yes);
    expect(reply.network).toEqual(mapped);
    expect(reply.dhcp.reachable).toBe(true);
    expect(reply.dhcp.reaching_agents).toContain(agent);
    expect(jsonOf<{ dhcp: unknown }>(no).dhcp).toEqual({ agents: [], reaching_agents: [], reachable: false });
    expect(tableRows(table.stdout)).toContainEqual(['dhcp_reachable', 'no: no live DHCP agent maps physical network physnet-nobody, so none serves it']);
  });

  test('create takes a segment as openstack network create does (--provider-network-type, --provider-segment), list filters by it, and a taken segment is refused', async () => {
    const run = await cli('net', 'create', 'tenant-a', '--provider-network-type', 'vxlan', '--provider-segment', '4242', '--json');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const { network } = jsonOf<{ network: NetworkView }>(run);
    expect(network).toMatchObject({ name: 'tenant-a', 'provider:network_type': 'vxlan', 'provider:segmentation_id': 4242, 'provider:physical_network': null });
    const vlan = jsonOf<{ network: NetworkView }>(await cli('net', 'create', '--provider-network-type', 'vlan', '--provider-physical-network', 'physnet-cli', '--json')).network;
    expect(vlan).toMatchObject({ 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet-cli', 'provider:segmentation_id': 1 });
    const list = await cli('net', 'list', '--provider-network-type', 'vxlan', '--provider-segment', '4242', '--json');
    expect(jsonOf<{ networks: NetworkView[] }>(list).networks.map((n) => n.id)).toEqual([network.id]);
    const taken = await cli('net', 'create', 'tenant-b', '--provider-network-type', 'vxlan', '--provider-segment', '4242');
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/SEGMENT_IN_USE \(provider:segmentation_id\): Unable to create the network\. The tunnel ID 4242 is in use\./);
  });

  test('update changes only the fields given and delete removes the network', async () => {
    const n = await t.client.networks.create({ name: 'to-change', mtu: 1500, dns_domain: 'keep.example' });
    const update = await cli('net', 'update', n.id, '--name', 'changed', '--mtu', '9000', '--no-az-hint', '--json');
    expect(update.code).toBe(0);
    const updated = jsonOf<{ network: NetworkView }>(update).network;
    // updated_at is the update's time: a second later than the create's when the two straddle one.
    expect(updated).toEqual({ ...n, name: 'changed', mtu: 9000, revision_number: updated.revision_number, updated_at: updated.updated_at });
    expect(updated.updated_at! >= n.updated_at!).toBe(true);
    expect(updated.revision_number).toBeGreaterThan(n.revision_number);

    const del = await cli('net', 'delete', 'changed');
    expect(del).toMatchObject({ code: 0, stdout: `deleted network ${n.id}\n` });
    await expect(t.client.networks.show(n.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('a stale --revision is refused with exit 2 and the error code, field and message on stderr', async () => {
    const n = await t.client.networks.create({ name: 'raced' });
    await t.client.networks.update(n.id, { mtu: 1400 });
    const run = await cli('net', 'update', n.id, '--mtu', '1300', '--revision', String(n.revision_number));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^error VERSION_CONFLICT \\(revision_number\\): network ${n.id} is at revision \\d+, not ${n.revision_number}\\n$`));
    expect((await t.client.networks.show(n.id)).mtu).toBe(1400);
  });
});

describe('network flags', () => {
  test('absent flags send no field and --no-physical-network sends null', () => {
    expect(networkFields({})).toEqual({});
    expect(networkFields({ physicalNetwork: false, azHint: false, enable: true })).toEqual({
      'provider:physical_network': null,
      availability_zone_hints: [],
      admin_state_up: true,
    });
  });

  test('a network type other than flat, vlan or vxlan, or a segment that is no id, is refused before anything is sent', () => {
    expect(networkFields({ providerNetworkType: 'VXLAN', providerSegment: '7' })).toEqual({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 7 });
    expect(() => networkFields({ providerNetworkType: 'gre' })).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: '--provider-network-type' }));
    expect(() => networkFields({ providerSegment: '0' })).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: '--provider-segment' }));
  });

  test('an MTU that is not a number is refused before anything is sent', () => {
    expect(() => networkFields({ mtu: '15OO' })).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: '--mtu' }));
  });
});
