import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../errors.js';
import { apiErrorOf, startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

const segmentOf = (n: { 'provider:network_type': unknown; 'provider:physical_network': unknown; 'provider:segmentation_id': unknown }) => [
  n['provider:network_type'],
  n['provider:physical_network'],
  n['provider:segmentation_id'],
];

describe('network segments (provider attributes)', () => {
  test('a network shows its segment; defaults: none is untyped, a physical network alone is flat, vlan and vxlan without an id get the lowest free one', async () => {
    expect(segmentOf(await t.client.networks.create({ name: 'untyped' }))).toStrictEqual([null, null, null]);
    expect(segmentOf(await t.client.networks.create({ name: 'flat', 'provider:physical_network': 'seg-flat' }))).toStrictEqual(['flat', 'seg-flat', null]);
    expect(segmentOf(await t.client.networks.create({ 'provider:network_type': 'vlan', 'provider:physical_network': 'seg-a', 'provider:segmentation_id': 1 }))).toStrictEqual(['vlan', 'seg-a', 1]);
    expect(segmentOf(await t.client.networks.create({ 'provider:network_type': 'vlan', 'provider:physical_network': 'seg-a' }))).toStrictEqual(['vlan', 'seg-a', 2]);
    const vxlan = await t.client.networks.create({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 16_777_215 });
    expect(segmentOf(vxlan)).toStrictEqual(['vxlan', null, 16_777_215]);
    expect(await t.client.networks.show(vxlan.id)).toStrictEqual(vxlan);
    expect((await t.client.networks.list({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 16_777_215 })).map((n) => n.id)).toStrictEqual([vxlan.id]);
  });

  test('segments Neutron\'s type drivers refuse are refused, naming the field', async () => {
    const refused = async (body: Record<string, unknown>) => apiErrorOf(t.client.networks.create(body as never));
    expect(await refused({ 'provider:network_type': 'vxlan', 'provider:physical_network': 'p', 'provider:segmentation_id': 5 })).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'provider:physical_network',
      message: 'provider:physical_network specified for vxlan network',
    });
    expect(await refused({ 'provider:network_type': 'vlan', 'provider:segmentation_id': 5 })).toMatchObject({ field: 'provider:physical_network', message: 'segmentation_id requires physical_network for VLAN provider network' });
    expect(await refused({ 'provider:network_type': 'vlan', 'provider:physical_network': 'p', 'provider:segmentation_id': 4095 })).toMatchObject({ field: 'provider:segmentation_id', message: 'segmentation_id out of range (1 through 4094)' });
    expect(await refused({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 0 })).toMatchObject({ message: 'segmentation_id out of range (1 through 16777215)' });
    expect(await refused({ 'provider:network_type': 'flat', 'provider:physical_network': 'p', 'provider:segmentation_id': 5 })).toMatchObject({ message: 'segmentation_id prohibited for flat provider network' });
    expect(await refused({ 'provider:network_type': 'flat' })).toMatchObject({ field: 'provider:physical_network', message: 'physical_network required for flat provider network' });
    expect(await refused({ 'provider:segmentation_id': 5 })).toMatchObject({ code: 'VALIDATION_FAILED', field: 'provider:network_type' });
    expect(await refused({ 'provider:network_type': 'gre' })).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  test('no two networks share a segment (Neutron\'s VlanIdInUse, TunnelIdInUse, FlatNetworkInUse); the same id elsewhere is another segment', async () => {
    await t.client.networks.create({ 'provider:network_type': 'vlan', 'provider:physical_network': 'seg-b', 'provider:segmentation_id': 100 });
    expect(await apiErrorOf(t.client.networks.create({ 'provider:network_type': 'vlan', 'provider:physical_network': 'seg-b', 'provider:segmentation_id': 100 }))).toMatchObject({
      code: 'SEGMENT_IN_USE',
      status: 409,
      field: 'provider:segmentation_id',
      message: 'Unable to create the network. The VLAN 100 on physical network seg-b is in use.',
    });
    await t.client.networks.create({ 'provider:network_type': 'vlan', 'provider:physical_network': 'seg-c', 'provider:segmentation_id': 100 });
    await t.client.networks.create({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 100 });
    expect(await apiErrorOf(t.client.networks.create({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 100 }))).toMatchObject({
      code: 'SEGMENT_IN_USE',
      message: 'Unable to create the network. The tunnel ID 100 is in use.',
    });
    await t.client.networks.create({ 'provider:physical_network': 'seg-b' });
    expect(await apiErrorOf(t.client.networks.create({ 'provider:network_type': 'flat', 'provider:physical_network': 'seg-b' }))).toMatchObject({
      code: 'SEGMENT_IN_USE',
      field: 'provider:physical_network',
      message: 'Unable to create the flat network. Physical network seg-b is in use.',
    });
    // Untyped networks have no segment of their own: any number of them.
    await t.client.networks.create({ name: 'u1' });
    await t.client.networks.create({ name: 'u2' });
  });

  test('deleting a network frees its segment; an update onto a taken segment is refused and changes nothing; one onto a free segment frees the old', async () => {
    const a = await t.client.networks.create({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 7000 });
    const b = await t.client.networks.create({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 7001 });
    expect(await apiErrorOf(t.client.networks.update(b.id, { 'provider:segmentation_id': 7000 }))).toMatchObject({ code: 'SEGMENT_IN_USE' });
    expect(segmentOf(await t.client.networks.show(b.id))).toStrictEqual(['vxlan', null, 7001]);
    expect(segmentOf(await t.client.networks.update(b.id, { 'provider:segmentation_id': 7002 }))).toStrictEqual(['vxlan', null, 7002]);
    await t.client.networks.create({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 7001 });
    await t.client.networks.delete(a.id);
    expect(segmentOf(await t.client.networks.create({ 'provider:network_type': 'vxlan', 'provider:segmentation_id': 7000 }))).toStrictEqual(['vxlan', null, 7000]);
    // An untyped network given a physical network becomes flat on it, and takes that segment.
    const u = await t.client.networks.create({ name: 'to-flat' });
    expect(segmentOf(await t.client.networks.update(u.id, { 'provider:physical_network': 'seg-d' }))).toStrictEqual(['flat', 'seg-d', null]);
    expect((await apiErrorOf(t.client.networks.create({ 'provider:physical_network': 'seg-d' }))).code).toBe('SEGMENT_IN_USE');
  });

  test('concurrent creates on one segment, spread over two API instances, leave exactly one network on it; concurrent creates without an id get distinct ids', async () => {
    const second = await import('../service.js').then(({ startApiService }) => startApiService(t.nc, t.journal));
    try {
      const same = await Promise.allSettled(Array.from({ length: 12 }, () => t.client.networks.create({ 'provider:network_type': 'vlan', 'provider:physical_network': 'race', 'provider:segmentation_id': 9 })));
      expect(same.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of same) if (r.status === 'rejected') expect((r.reason as ApiError).code).toBe('SEGMENT_IN_USE');
      const picked = await Promise.all(Array.from({ length: 8 }, () => t.client.networks.create({ 'provider:network_type': 'vxlan' })));
      const vnis = picked.map((n) => n['provider:segmentation_id']);
      expect(new Set(vnis).size).toBe(8);
      const listed = await t.client.networks.list({ 'provider:physical_network': 'race' });
      expect(listed).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
