import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../errors.js';
import { startTestApi, type TestApi } from '../testing/index.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

describe('IPAM under concurrency', () => {
  test('60 concurrent port creates on a subnet with 50 free addresses give exactly 50 distinct addresses and 10 IP_EXHAUSTED errors', async () => {
    const net = await t.client.networks.create({ name: 'ipam-race' });
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.30.0/24', allocation_pools: [{ start: '198.18.30.10', end: '198.18.30.59' }] });
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => t.client.ports.create({ network_id: net.id })));
    const ports = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    const errors = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
    expect(ports).toHaveLength(50);
    expect(new Set(ports.map((p) => p.fixed_ips[0]!.ip_address)).size).toBe(50);
    expect(errors).toHaveLength(10);
    for (const e of errors) expect(e).toBeInstanceOf(ApiError);
    expect(new Set(errors.map((e) => (e as ApiError).code))).toStrictEqual(new Set(['IP_EXHAUSTED']));
    // The journal agrees: exactly 50 live address claims, all distinct.
    const listed = await t.client.ports.list({ network_id: net.id });
    expect(listed).toHaveLength(50);
  });

  test('two API instances on one journal never hand out one address twice', async () => {
    const second = await import('../service.js').then(({ startApiService }) => startApiService(t.nc, t.journal));
    try {
      const net = await t.client.networks.create({ name: 'ipam-two-instances' });
      await t.client.subnets.create({ network_id: net.id, cidr: '198.18.31.0/24', allocation_pools: [{ start: '198.18.31.10', end: '198.18.31.29' }] });
      // The service queue group spreads requests over both instances.
      const results = await Promise.allSettled(Array.from({ length: 30 }, () => t.client.ports.create({ network_id: net.id })));
      const ips = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.fixed_ips[0]!.ip_address);
      expect(new Set(ips).size).toBe(ips.length);
      expect(ips).toHaveLength(20);
    } finally {
      await second.stop();
    }
  });
});
