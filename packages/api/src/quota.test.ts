import { Journal } from '@leasehold/journal';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from './errors.js';
import { checkQuota, defaultQuotas, requestedProject, resolveQuotas } from './quota.js';
import { startApiService, type ApiService } from './service.js';
import { startTestApi, type TestApi } from './testing/index.js';

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('quota rules', () => {
  test("Neutron's defaults are 100 networks, 100 subnets and 500 ports, and unset settings keep them", () => {
    expect(defaultQuotas).toStrictEqual({ quota_network: 100, quota_subnet: 100, quota_port: 500 });
    expect(resolveQuotas({ quota_port: -1, quota_network: undefined })).toStrictEqual({ quota_network: 100, quota_subnet: 100, quota_port: -1 });
  });

  test("one more than the quota is refused with Neutron's OverQuota message and status 409; -1 is unlimited and 0 allows none", () => {
    const quotas = { quota_network: 2, quota_subnet: 0, quota_port: -1 };
    expect(() => checkQuota(quotas, 'network', 1)).not.toThrow();
    const error = (() => {
      try {
        checkQuota(quotas, 'network', 2);
      } catch (e) {
        return e as ApiError;
      }
      return undefined;
    })();
    expect(error?.toBody()).toStrictEqual({ code: 'OVER_QUOTA', status: 409, field: 'project_id', message: "Quota exceeded for resources: ['network']." });
    expect(() => checkQuota(quotas, 'subnet', 0)).toThrow("Quota exceeded for resources: ['subnet'].");
    expect(() => checkQuota(quotas, 'port', 1_000_000)).not.toThrow();
  });

  test('project_id and tenant_id name the same thing: either is taken, both must agree', () => {
    expect(requestedProject({}, 'p0')).toBe('p0');
    expect(requestedProject({ tenant_id: 't' }, 'p0')).toBe('t');
    expect(requestedProject({ project_id: 'p', tenant_id: 'p' }, 'p0')).toBe('p');
    expect(() => requestedProject({ project_id: 'p', tenant_id: 't' }, 'p0')).toThrow(ApiError);
  });
});

describe('quotas on the API (real nats-server)', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ quotas: { quota_network: 2, quota_subnet: 2, quota_port: 3 } });
  });
  afterAll(() => t.stop());

  test('a project gets its quota of networks, then OVER_QUOTA (409), and another project is not affected; a deleted network frees its place', async () => {
    const a1 = await t.client.networks.create({ project_id: 'proj-a', name: 'a1' });
    expect(a1).toMatchObject({ project_id: 'proj-a', tenant_id: 'proj-a' });
    await t.client.networks.create({ tenant_id: 'proj-a', name: 'a2' });
    const error = await refusal(t.client.networks.create({ project_id: 'proj-a', name: 'a3' }));
    expect(error.toBody()).toStrictEqual({ code: 'OVER_QUOTA', status: 409, field: 'project_id', message: "Quota exceeded for resources: ['network']." });
    expect(await t.client.networks.create({ project_id: 'proj-b', name: 'b1' })).toMatchObject({ project_id: 'proj-b' });
    expect((await t.client.networks.list()).filter((n) => n.project_id === 'proj-a')).toHaveLength(2);
    await t.client.networks.delete(a1.id);
    await t.client.networks.create({ project_id: 'proj-a', name: 'a3' });
  });

  test('a network created without a project is the default project\'s, and counts against its quota', async () => {
    const n = await t.client.networks.create({ name: 'no-project' });
    expect(n).toMatchObject({ project_id: 'default', tenant_id: 'default' });
    expect(t.api.model.usage('default').network).toBe(1);
  });

  test("subnets count against their network's project, and a subnet cannot name another project", async () => {
    const net = await t.client.networks.create({ project_id: 'proj-s' });
    const s1 = await t.client.subnets.create({ network_id: net.id, cidr: '198.18.10.0/24' });
    expect(s1).toMatchObject({ project_id: 'proj-s', tenant_id: 'proj-s' });
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.11.0/24', project_id: 'proj-s' });
    const over = await refusal(t.client.subnets.create({ network_id: net.id, cidr: '198.18.12.0/24' }));
    expect(over).toMatchObject({ code: 'OVER_QUOTA', status: 409, message: "Quota exceeded for resources: ['subnet']." });
    const other = await refusal(t.client.subnets.create({ network_id: net.id, cidr: '198.18.13.0/24', tenant_id: 'proj-x' }));
    expect(other).toMatchObject({ code: 'VALIDATION_FAILED', field: 'tenant_id' });
    // Deleting the network takes its subnets off the project's count.
    await t.client.networks.delete(net.id);
    expect(t.api.model.usage('proj-s')).toStrictEqual({ network: 0, subnet: 0, port: 0 });
  });

  test("ports count against their project (by default their network's), DHCP ports never count nor are refused", async () => {
    const net = await t.client.networks.create({ project_id: 'proj-p' });
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.20.0/24' });
    const dhcp = await t.client.ports.create({ network_id: net.id, device_owner: 'network:dhcp', device_id: 'dhcp-agent-1' });
    expect(dhcp).toMatchObject({ project_id: 'proj-p' });
    const p1 = await t.client.ports.create({ network_id: net.id });
    expect(p1).toMatchObject({ project_id: 'proj-p', tenant_id: 'proj-p' });
    await t.client.ports.create({ network_id: net.id });
    await t.client.ports.create({ network_id: net.id });
    const over = await refusal(t.client.ports.create({ network_id: net.id }));
    expect(over).toMatchObject({ code: 'OVER_QUOTA', status: 409, message: "Quota exceeded for resources: ['port']." });
    // The project is full, its DHCP ports still come.
    await t.client.ports.create({ network_id: net.id, device_owner: 'network:dhcp', device_id: 'dhcp-agent-2' });
    // A port of another project on this network counts against that project.
    expect(await t.client.ports.create({ network_id: net.id, project_id: 'proj-q' })).toMatchObject({ project_id: 'proj-q' });
    expect(t.api.model.usage('proj-p').port).toBe(3);
    expect(t.api.model.usage('proj-q').port).toBe(1);
    // Turning a user port into a DHCP port (an update) frees its place; deleting one does too.
    await t.client.ports.update(p1.id, { device_owner: 'network:dhcp' });
    expect(t.api.model.usage('proj-p').port).toBe(2);
    await t.client.ports.create({ network_id: net.id });
  });

  test('usage is rebuilt from the journal at a restart, with or without a snapshot', async () => {
    const before = ['proj-a', 'proj-b', 'proj-p', 'proj-q', 'default'].map((p) => t.api.model.usage(p));
    const restored = t.api.model.snapshot();
    const { ReadModel } = await import('./read-model/read-model.js');
    const fromSnapshot = ReadModel.restore(structuredClone(restored));
    await t.restartService();
    for (const [i, p] of ['proj-a', 'proj-b', 'proj-p', 'proj-q', 'default'].entries()) {
      expect(t.api.model.usage(p)).toStrictEqual(before[i]);
      expect(fromSnapshot.usage(p)).toStrictEqual(before[i]);
    }
    expect(await refusal(t.client.networks.create({ project_id: 'proj-a' }))).toMatchObject({ code: 'OVER_QUOTA' });
  });
});

describe('quotas across API instances (real nats-server)', () => {
  let t: TestApi;
  let second: ApiService;
  beforeAll(async () => {
    t = await startTestApi({ quotas: { quota_network: 3 } });
    second = await startApiService(await t.nats.connect('api-2'), await Journal.open(await t.nats.connect('api-2-journal')), { quotas: { quota_network: 3 } });
  });
  afterAll(async () => {
    await second.stop();
    await t.stop();
  });

  test('networks created through either instance count in both, so neither lets a project past its quota', async () => {
    for (let i = 0; i < 3; i++) {
      await t.client.networks.create({ project_id: 'proj-two', name: `n${i}` });
      // Both instances answer on one queue group; each folds every instance's writes.
      await second.model.waitFor(t.api.model.at());
      await t.api.model.waitFor(second.model.at());
    }
    expect(second.model.usage('proj-two').network).toBe(3);
    expect(t.api.model.usage('proj-two').network).toBe(3);
    // Enough requests that both instances answer some: every one is refused.
    for (let i = 0; i < 8; i++) expect(await refusal(t.client.networks.create({ project_id: 'proj-two' }))).toMatchObject({ code: 'OVER_QUOTA' });
  });
});
