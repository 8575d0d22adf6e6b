import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiErrorOf, startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

describe('networks', () => {
  test('create, show, list with filters, update and delete', async () => {
    const net = await t.client.networks.create({ name: 'n-crud', dns_domain: 'example.org', availability_zone_hints: ['az1'], 'provider:physical_network': 'physnet1' });
    expect(net).toMatchObject({ name: 'n-crud', mtu: 1500, dns_domain: 'example.org.', availability_zone_hints: ['az1'], 'provider:physical_network': 'physnet1', subnets: [] });
    expect(await t.client.networks.show(net.id)).toStrictEqual(net);
    expect((await t.client.networks.list({ name: 'n-crud' })).map((n) => n.id)).toStrictEqual([net.id]);
    expect(await t.client.networks.list({ name: 'no-such-name' })).toStrictEqual([]);
    const updated = await t.client.networks.update(net.id, { mtu: 9000, admin_state_up: false });
    expect(updated).toMatchObject({ mtu: 9000, admin_state_up: false, status: 'DOWN' });
    expect(updated.revision_number).toBeGreaterThan(net.revision_number);
    await t.client.networks.delete(net.id);
    expect((await apiErrorOf(t.client.networks.show(net.id))).code).toBe('NOT_FOUND');
  });

  test('an update naming a stale revision_number is a VERSION_CONFLICT and changes nothing', async () => {
    const net = await t.client.networks.create({ name: 'n-rev' });
    await t.client.networks.update(net.id, { name: 'n-rev-2' });
    const error = await apiErrorOf(t.client.networks.update(net.id, { name: 'n-rev-3', revision_number: net.revision_number }));
    expect(error).toMatchObject({ code: 'VERSION_CONFLICT', field: 'revision_number' });
    expect((await t.client.networks.show(net.id)).name).toBe('n-rev-2');
  });

  test('a network with ports cannot be deleted (NETWORK_IN_USE)', async () => {
    const net = await t.client.networks.create({ name: 'n-busy' });
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.40.0/24' });
    await t.client.ports.create({ network_id: net.id });
    expect(await apiErrorOf(t.client.networks.delete(net.id))).toMatchObject({ code: 'NETWORK_IN_USE', status: 409 });
  });

  test('deleting a network removes its subnets and its DHCP ports', async () => {
    const net = await t.client.networks.create({ name: 'n-dhcp-only' });
    const subnet = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.41.0/24' });
    const dhcp = await t.client.ports.create({ network_id: net.id, device_owner: 'network:dhcp', device_id: 'dhcp-agent-1' });
    await t.client.networks.delete(net.id);
    expect((await apiErrorOf(t.client.subnets.show(subnet.id))).code).toBe('NOT_FOUND');
    expect((await apiErrorOf(t.client.ports.show(dhcp.id))).code).toBe('NOT_FOUND');
  });

  test("the NATS API keeps Neutron's kept-for-clients fields across an update and filters its lists by tags, tags-any, not-tags and not-tags-any", async () => {
    const net = await t.client.networks.create({ name: 'n-tags', description: 'blue', tags: ['red', 'blue'], shared: true });
    const subnet = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.42.0/24', tags: ['s'] });
    const port = await t.client.ports.create({ network_id: net.id, tags: ['p', 'q'], 'binding:host_id': 'compute-1' });
    expect(await t.client.networks.update(net.id, { mtu: 1400 })).toMatchObject({ description: 'blue', tags: ['red', 'blue'], shared: true, port_security_enabled: true });
    const ids = (items: { id: string }[]) => items.map((i) => i.id);
    expect(ids(await t.client.networks.list({ tags: 'red,blue' }))).toStrictEqual([net.id]);
    expect(ids(await t.client.networks.list({ tags: 'red,green' }))).toStrictEqual([]);
    expect(ids(await t.client.networks.list({ 'not-tags-any': 'blue' }))).not.toContain(net.id);
    expect(ids(await t.client.subnets.list({ network_id: net.id, 'tags-any': 's,t' }))).toStrictEqual([subnet.id]);
    expect(ids(await t.client.ports.list({ network_id: net.id, 'not-tags': 'p,q' }))).not.toContain(port.id);
    expect(ids(await t.client.ports.list({ network_id: net.id, 'not-tags': 'p,z' }))).toContain(port.id);
    expect((await t.client.ports.show(port.id))['binding:host_id']).toBe('compute-1');
  });

  test("leasehold:isolated_metadata is null (the agents' default) unless set, takes true, false and null again, and refuses anything else with the field named", async () => {
    const net = await t.client.networks.create({ name: 'n-metadata' });
    expect(net['leasehold:isolated_metadata']).toBeNull();
    const on = await t.client.networks.create({ name: 'n-metadata-on', 'leasehold:isolated_metadata': true });
    expect((await t.client.networks.show(on.id))['leasehold:isolated_metadata']).toBe(true);
    expect(await t.client.networks.update(net.id, { 'leasehold:isolated_metadata': false })).toMatchObject({ 'leasehold:isolated_metadata': false });
    // Another change keeps it; null gives the choice back to the agents.
    expect(await t.client.networks.update(net.id, { mtu: 1400 })).toMatchObject({ 'leasehold:isolated_metadata': false });
    expect(await t.client.networks.update(net.id, { 'leasehold:isolated_metadata': null })).toMatchObject({ 'leasehold:isolated_metadata': null });
    const refused = await apiErrorOf(t.client.networks.update(net.id, { 'leasehold:isolated_metadata': 'yes' as never }));
    expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', field: 'leasehold:isolated_metadata' });
  });
});
