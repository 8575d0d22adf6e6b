/**
 * Model-based test: random sequences of network, subnet and port commands run
 * against the real API and against a small model of what Neutron promises;
 * after every command the API's answer (success or error code) and its state
 * (networks, subnets, ports with MACs and addresses) equal the model's.
 */
import { fc } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiClient } from './client/client.js';
import { ApiError } from './errors.js';
import { startApiService } from './service.js';
import { startTestApi, type TestApi } from './testing/index.js';

const UNLIMITED = { quota_network: -1, quota_subnet: -1, quota_port: -1 };

let t: TestApi;
beforeAll(async () => {
  // The model is Neutron's without quotas: hundreds of random commands share one project (quota.test.ts checks quotas).
  t = await startTestApi({ quotas: UNLIMITED });
});
afterAll(() => t.stop());

// Subnets come from a fixed menu so overlaps are known: /27 covers both /28s.
const CIDRS = [
  { cidr: '198.18.60.0/28', pool: ['198.18.60.2', '198.18.60.3', '198.18.60.4'] },
  { cidr: '198.18.60.16/28', pool: ['198.18.60.18', '198.18.60.19'] },
  { cidr: '198.18.60.0/27', pool: ['198.18.60.2', '198.18.60.3'] },
];
const overlaps = (a: number, b: number) => a === b || a === 2 || b === 2;
const MACS = ['52:54:00:00:00:01', '52:54:00:00:00:02', '52:54:00:00:00:03'];

interface ModelPort {
  mac: string | undefined; // undefined until the API generated one
  ips: string[];
  subnetIds: string[];
}
interface ModelSubnet {
  menu: number;
  id: string;
}
interface ModelNetwork {
  id: string;
  subnets: ModelSubnet[];
  ports: Map<string, ModelPort>;
}
interface Model {
  networks: ModelNetwork[];
}
interface Real {
  client: ApiClient;
}

/** Every command checks the whole state after it ran. */
abstract class Step implements fc.AsyncCommand<Model, Real> {
  abstract toString(): string;
  abstract check(m: Readonly<Model>): boolean;
  abstract step(m: Model, r: Real): Promise<void>;
  async run(m: Model, r: Real) {
    await this.step(m, r);
    await checkState(m, r);
  }
}

async function outcome(run: () => Promise<unknown>): Promise<{ ok: unknown } | { code: string }> {
  try {
    return { ok: await run() };
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code };
    throw error;
  }
}

class CreateNetwork extends Step {
  override check = () => true;
  override async step(m: Model, r: Real) {
    const net = await r.client.networks.create({});
    m.networks.push({ id: net.id, subnets: [], ports: new Map() });
  }
  override toString = () => 'CreateNetwork';
}

class CreateSubnet extends Step {
  constructor(readonly net: number, readonly menu: number) {
    super();
  }
  override check = (m: Readonly<Model>) => m.networks.length > 0;
  override async step(m: Model, r: Real) {
    const net = m.networks[this.net % m.networks.length]!;
    const { cidr, pool } = CIDRS[this.menu]!;
    const result = await outcome(() => r.client.subnets.create({ network_id: net.id, cidr, allocation_pools: [{ start: pool[0]!, end: pool.at(-1)! }] }));
    const expectOverlap = net.subnets.some((s) => overlaps(s.menu, this.menu));
    if (expectOverlap) expect(result).toStrictEqual({ code: 'SUBNET_OVERLAP' });
    else {
      expect(result).toHaveProperty('ok');
      net.subnets.push({ menu: this.menu, id: ((result as { ok: { id: string } }).ok).id });
    }
  }
  override toString = () => `CreateSubnet(${this.net}, ${CIDRS[this.menu]!.cidr})`;
}

class CreatePort extends Step {
  constructor(readonly net: number, readonly mac: number | undefined, readonly ipPick: number | undefined) {
    super();
  }
  override check = (m: Readonly<Model>) => m.networks.length > 0;
  override async step(m: Model, r: Real) {
    const net = m.networks[this.net % m.networks.length]!;
    const mac = this.mac === undefined ? undefined : MACS[this.mac];
    const subnet = net.subnets[0];
    const requestedIp = subnet && this.ipPick !== undefined ? CIDRS[subnet.menu]!.pool[this.ipPick % CIDRS[subnet.menu]!.pool.length] : undefined;
    const used = new Set([...net.ports.values()].flatMap((p) => p.ips));
    const result = await outcome(() =>
      r.client.ports.create({
        network_id: net.id,
        ...(mac ? { mac_address: mac } : {}),
        ...(requestedIp ? { fixed_ips: [{ ip_address: requestedIp }] } : {}),
      }),
    );
    // The model's verdict, in the API's order of checks: MAC first, then the address.
    const macTaken = mac !== undefined && [...net.ports.values()].some((p) => p.mac === mac);
    const poolFree = subnet ? CIDRS[subnet.menu]!.pool.filter((ip) => !used.has(ip)) : [];
    let expected: string | undefined;
    if (macTaken) expected = 'MAC_IN_USE';
    else if (requestedIp && used.has(requestedIp)) expected = 'IP_ALREADY_ALLOCATED';
    else if (subnet && !requestedIp && poolFree.length === 0) expected = 'IP_EXHAUSTED';
    if (expected) {
      expect(result).toStrictEqual({ code: expected });
      return;
    }
    expect(result).toHaveProperty('ok');
    const port = (result as { ok: { id: string; mac_address: string; fixed_ips: { ip_address: string; subnet_id: string }[] } }).ok;
    const ips = port.fixed_ips.map((f) => f.ip_address);
    if (requestedIp) expect(ips).toStrictEqual([requestedIp]);
    else if (subnet) expect(poolFree).toContain(ips[0]);
    else expect(ips).toStrictEqual([]);
    if (mac) expect(port.mac_address).toBe(mac);
    net.ports.set(port.id, { mac: port.mac_address, ips, subnetIds: port.fixed_ips.map((f) => f.subnet_id) });
  }
  override toString = () => `CreatePort(${this.net}, mac=${this.mac}, ip=${this.ipPick})`;
}

class DeletePort extends Step {
  constructor(readonly pick: number) {
    super();
  }
  override check = (m: Readonly<Model>) => m.networks.some((n) => n.ports.size > 0);
  override async step(m: Model, r: Real) {
    const all = m.networks.flatMap((n) => [...n.ports.keys()].map((id) => ({ n, id })));
    const { n, id } = all[this.pick % all.length]!;
    await r.client.ports.delete(id);
    n.ports.delete(id);
  }
  override toString = () => `DeletePort(${this.pick})`;
}

class DeleteSubnet extends Step {
  constructor(readonly pick: number) {
    super();
  }
  override check = (m: Readonly<Model>) => m.networks.some((n) => n.subnets.length > 0);
  override async step(m: Model, r: Real) {
    const all = m.networks.flatMap((n) => n.subnets.map((s) => ({ n, s })));
    const { n, s } = all[this.pick % all.length]!;
    const inUse = [...n.ports.values()].some((p) => p.subnetIds.includes(s.id));
    const result = await outcome(() => r.client.subnets.delete(s.id));
    if (inUse) expect(result).toStrictEqual({ code: 'SUBNET_IN_USE' });
    else {
      expect(result).toHaveProperty('ok');
      n.subnets = n.subnets.filter((x) => x !== s);
    }
  }
  override toString = () => `DeleteSubnet(${this.pick})`;
}

class DeleteNetwork extends Step {
  constructor(readonly pick: number) {
    super();
  }
  override check = (m: Readonly<Model>) => m.networks.length > 0;
  override async step(m: Model, r: Real) {
    const net = m.networks[this.pick % m.networks.length]!;
    const result = await outcome(() => r.client.networks.delete(net.id));
    if (net.ports.size > 0) expect(result).toStrictEqual({ code: 'NETWORK_IN_USE' });
    else {
      expect(result).toHaveProperty('ok');
      m.networks = m.networks.filter((x) => x !== net);
      expect((await outcome(() => r.client.networks.show(net.id)))).toStrictEqual({ code: 'NOT_FOUND' });
    }
  }
  override toString = () => `DeleteNetwork(${this.pick})`;
}

/** The API's state, reduced to what the model knows, equals the model. */
async function checkState(m: Model, r: Real) {
  for (const net of m.networks) {
    const shown = await r.client.networks.show(net.id);
    expect([...shown.subnets].sort()).toStrictEqual(net.subnets.map((s) => s.id).sort());
    const ports = await r.client.ports.list({ network_id: net.id });
    const real = Object.fromEntries(ports.map((p) => [p.id, { mac: p.mac_address, ips: p.fixed_ips.map((f) => f.ip_address) }]));
    const model = Object.fromEntries([...net.ports.entries()].map(([id, p]) => [id, { mac: p.mac, ips: p.ips }]));
    expect(real).toStrictEqual(model);
  }
}

const commands = fc.commands(
  [
    fc.constant(new CreateNetwork()),
    fc.tuple(fc.nat(3), fc.integer({ min: 0, max: 2 })).map(([n, c]) => new CreateSubnet(n, c)),
    fc.tuple(fc.nat(3), fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }), fc.option(fc.nat(3), { nil: undefined })).map(
      ([n, mac, ip]) => new CreatePort(n, mac, ip),
    ),
    fc.nat(20).map((p) => new DeletePort(p)),
    fc.nat(5).map((p) => new DeleteSubnet(p)),
    fc.nat(5).map((p) => new DeleteNetwork(p)),
  ],
  { maxCommands: 30, size: 'max' },
);

describe('the API against a model of networks, subnets and ports', () => {
  test('after any command sequence the API answers and holds exactly what the model says', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const model: Model = { networks: [] };
        const real: Real = { client: t.client };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      }),
      { numRuns: 60 },
    );
  });

  test('a read model rebuilt from the journal after a restart equals the one before', async () => {
    const net = await t.client.networks.create({ name: 'restart', dns_domain: 'r.example' });
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.61.0/24', host_routes: [{ destination: '198.19.0.0/16', nexthop: '198.18.61.254' }] });
    const doomed = await t.client.ports.create({ network_id: net.id });
    await t.client.ports.create({ network_id: net.id, dns_name: 'keep', extra_dhcp_opts: [{ opt_name: 'mtu', opt_value: '1400' }] });
    await t.client.ports.delete(doomed.id);
    const before = {
      networks: await t.client.networks.list(),
      subnets: await t.client.subnets.list(),
      ports: await t.client.ports.list(),
    };
    expect(before.ports.length).toBeGreaterThan(0);
    await t.restartService();
    await t.nats.restart();
    const after = {
      networks: await t.client.networks.list(),
      subnets: await t.client.subnets.list(),
      ports: await t.client.ports.list(),
    };
    expect(after).toStrictEqual(before);
    // The projection follows the journal across the server restart: a new write is seen.
    const fresh = await t.client.ports.create({ network_id: net.id });
    expect((await t.client.ports.show(fresh.id)).id).toBe(fresh.id);
  });

  test('a restarted API starts from its snapshot, folds only the events written since, and holds what a full fold holds', async () => {
    const net = await t.client.networks.create({ name: 'snap' });
    await t.client.subnets.create({ network_id: net.id, cidr: '198.18.62.0/24' });
    await t.client.ports.create({ network_id: net.id });
    // A clean stop stores a final snapshot; then another API instance writes while this one is down.
    await t.api.stop();
    const writer = await startApiService(t.nc, t.journal, { ignoreSnapshot: true, snapshotEvery: { events: Number.MAX_SAFE_INTEGER }, quotas: UNLIMITED });
    const before = (await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq;
    await t.client.ports.create({ network_id: net.id, dns_name: 'later' });
    const written = (await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq - before;
    await writer.stop();
    const restarted = await t.restartService();
    expect(restarted.projection.start.restoredFrom).toBeDefined();
    // The writer's final snapshot is the newest: the restart folds nothing it does not need.
    expect(restarted.projection.start.replayedAtStart).toBeLessThanOrEqual(written);
    const full = await startApiService(t.nc, t.journal, { ignoreSnapshot: true, quotas: UNLIMITED });
    try {
      expect(full.projection.start.restoredFrom).toBeUndefined();
      expect(restarted.model.snapshot()).toStrictEqual(full.model.snapshot());
      expect((await t.client.ports.list({ network_id: net.id })).map((p) => p.dns_name).sort()).toStrictEqual(['', 'later']);
    } finally {
      await full.stop();
    }
  });
});
