import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { lease6Subject, lease6ToEnvelope } from '@leasehold/lease-actor';
import { aggregateSubject, parseIpv4, type AgentHeartbeatData, type EventEnvelope } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonOf, runCli } from './testing/run-cli.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.stop());

const cli = (...args: string[]) => runCli([...args, '--nats-url', t.nats.url]);

async function heartbeat(agentId: string, at = Date.now()) {
  const data: AgentHeartbeatData = { agentId, host: `host-${agentId}`, availabilityZone: 'az1', networks: [], load: 0, interfaceMappings: {}, reportIntervalMs: 30_000, version: 'test' };
  const event: EventEnvelope = { type: 'AgentHeartbeat', v: 1, id: randomUUID(), aggregate: `agent/${agentId}`, at, data };
  const r = await t.journal.append(aggregateSubject('agent', agentId), [event]);
  await t.api.model.waitFor(r.version);
}

describe('leasehold agent, binding and lease', () => {
  test('agents are listed as a table, disabled, bound to a network and shown with it; a dead one is deleted', async () => {
    await heartbeat('cli-a1');
    await heartbeat('cli-dead', Date.now() - 3_600_000);
    const table = await cli('agent', 'list', '--alive');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/id\s+host\s+zone\s+alive/);
    expect(table.stdout).toMatch(/cli-a1\s+host-cli-a1\s+az1\s+:-\)\s+UP/);
    expect(table.stdout).not.toContain('cli-dead');

    const disabled = jsonOf<{ agent: { admin_state_up: boolean } }>(await cli('agent', 'set', 'cli-a1', '--disable', '--json'));
    expect(disabled.agent.admin_state_up).toBe(false);

    const net = await t.client.networks.create({ name: 'cli-bound' });
    expect((await cli('binding', 'add', 'cli-bound', 'cli-a1')).stdout).toContain(`network ${net.id} is served by agent cli-a1`);
    expect(jsonOf<{ networks: string[] }>(await cli('agent', 'networks', 'cli-a1', '--json')).networks).toStrictEqual([net.id]);

    // Removing a binding says when the scheduler binds the network again and how to keep the agent off it.
    const removed = await cli('binding', 'remove', 'cli-bound', 'cli-a1');
    expect(removed.code).toBe(0);
    expect(removed.stdout.split('\n')[0]).toBe(`network ${net.id} is no longer served by agent cli-a1`);
    expect(removed.stdout).toMatch(/^note: the scheduler will not bind it to cli-a1 again \(`leasehold binding add` undoes that\)/m);
    await cli('binding', 'add', 'cli-bound', 'cli-a1');

    const alive = await cli('agent', 'delete', 'cli-a1');
    expect(alive.code).toBe(2);
    expect(alive.stderr).toContain('error AGENT_ALIVE (id)');
    expect((await cli('agent', 'delete', 'cli-dead')).code).toBe(0);
  });

  test('leases are listed and shown by MAC', async () => {
    const net = await t.client.networks.create({ name: 'cli-leases' });
    const ip = parseIpv4('198.18.72.10');
    const now = Date.now();
    const event: EventEnvelope = { type: 'LeaseBound', v: 1, id: randomUUID(), aggregate: `lease/${net.id}/198.18.72.10`, at: now, data: { ip, mac: '52:54:00:aa:00:01', hostname: 'cli-vm', expiresAt: now + 3_600_000, renewAt: now + 1_800_000, rebindAt: now + 3_150_000 } };
    const r = await t.journal.append(`lh.evt.lease.${net.id}.198-18-72-10`, [event], 0);
    await t.api.model.waitFor(r.version);
    const list = await cli('lease', 'list', '--network', 'cli-leases');
    expect(list.stdout).toMatch(/198\.18\.72\.10\s+52:54:00:aa:00:01\s+cli-vm\s+bound/);
    expect(jsonOf<{ lease: { ip_address: string } }>(await cli('lease', 'show', '52:54:00:aa:00:01', '--json')).lease.ip_address).toBe('198.18.72.10');
  });

  test('IPv6 leases are listed beside the IPv4 ones, sorted by address after them (--sort), chosen with --ip-version, and shown by their address', async () => {
    const net = await t.client.networks.create({ name: 'cli-leases6' });
    const now = Date.now();
    const ip = parseIpv4('198.18.72.20');
    const v4: EventEnvelope = { type: 'LeaseBound', v: 1, id: randomUUID(), aggregate: `lease/${net.id}/198.18.72.20`, at: now, data: { ip, mac: '52:54:00:aa:00:02', expiresAt: now + 3_600_000, renewAt: now + 1_800_000, rebindAt: now + 3_150_000 } };
    let version = (await t.journal.append(`lh.evt.lease.${net.id}.198-18-72-20`, [v4], 0)).version;
    // By text 2001:db8:72::10 sorts before 2001:db8:72::9; by value after it.
    for (const [address, iaid] of [['2001:db8:72::10', 1], ['2001:db8:72::9', 2]] as const) {
      const event = lease6ToEnvelope(net.id, { type: 'Lease6Bound', at: now, ip: address, duid: '00030001525400aa0002', iaid, mac: '52:54:00:aa:00:02', hostname: 'cli-vm6', expiresAt: now + 3_600_000 }, { id: randomUUID() });
      version = (await t.journal.append(lease6Subject(net.id, address), [event], 0)).version;
    }
    await t.api.model.waitFor(version);
    const list = await cli('lease', 'list', '--network', 'cli-leases6', '--sort', 'ip address:desc', '-f', 'value', '-c', 'ip address', '-c', 'mac address');
    expect(list.stdout.trim().split('\n')).toStrictEqual(['2001:db8:72::10 52:54:00:aa:00:02', '2001:db8:72::9 52:54:00:aa:00:02', '198.18.72.20 52:54:00:aa:00:02']);
    const table = await cli('lease', 'list', '--network', 'cli-leases6', '--ip-version', '6', '--sort', 'ip address');
    expect(table.stdout).toMatch(/2001:db8:72::9\s+52:54:00:aa:00:02\s+cli-vm6\s+bound[^\n]*\n[^\n]*2001:db8:72::10\s/);
    expect(table.stdout).not.toContain('198.18.72.20');
    const shown = jsonOf<{ lease: { ip_version: number; duid: string; iaid: number } }>(await cli('lease', 'show', '2001:DB8:72:0::9', '--json'));
    expect(shown.lease).toMatchObject({ ip_version: 6, duid: '00030001525400aa0002', iaid: 2 });
  });
});
