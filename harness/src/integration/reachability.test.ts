/**
 * Scheduling respects reachability (issue 18 point 4), on a real
 * nats-server with the distributed layout's parts: one process runs the
 * API and the scheduler (with its metrics endpoint), and two agents run as
 * `leasehold dhcp-agent` would, each a system of its own with different
 * interface mappings. Each network is bound only to the agent that maps its
 * physical network; a network nobody maps is bound nowhere and counted by
 * `leasehold_scheduler_unreachable_networks`; an agent restarted with other
 * mappings loses the network it no longer reaches to one that maps it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAgentConfig } from '@leasehold/agent';
import { ApiClient } from '@leasehold/api/client';
import { startTestNats, type TestNats } from '@leasehold/journal/testing';
import { createLogger, openNats, startSystem, type NatsRuntime, type RunningSystem } from '@leasehold/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const REPORT_MS = 300;
const DOWN_MS = 3_000;
const logger = createLogger({ level: 'silent', format: 'json' });

let nats: TestNats;
let dataDir: string;
let control: { runtime: NatsRuntime; system: RunningSystem };
const agents = new Map<string, { runtime: NatsRuntime; system: RunningSystem }>();

/** An agent process: its own connection and system, with only the agent. */
async function startAgentProcess(agentId: string, interfaceMappings: Record<string, string>): Promise<void> {
  const runtime = await openNats({ natsUrl: nats.url, dataDir, name: agentId });
  const agent = defaultAgentConfig({ agentId, interfaceMappings, listen: false, configureInterfaces: false, reportIntervalMs: REPORT_MS, agentDownTimeMs: DOWN_MS, dns: { enabled: false, port: 0 } });
  agents.set(agentId, { runtime, system: await startSystem(runtime, { agent, logger }) });
}

async function stopAgentProcess(agentId: string): Promise<void> {
  const running = agents.get(agentId);
  agents.delete(agentId);
  await running?.system.stop();
  await running?.runtime.close();
}

async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${control.system.observability!.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  nats = await startTestNats();
  dataDir = mkdtempSync(join(tmpdir(), 'lh-reachability-'));
  const runtime = await openNats({ natsUrl: nats.url, dataDir, name: 'control' });
  const system = await startSystem(runtime, {
    api: { agentDownTimeMs: DOWN_MS },
    scheduler: { agentDownTime: DOWN_MS, reportInterval: REPORT_MS, strategy: 'weight', agentsPerNetwork: 1 },
    logger,
    metrics: { listen: { host: '127.0.0.1', port: 0 }, readyMaxLag: 0, required: true },
  });
  control = { runtime, system };
});

afterAll(async () => {
  for (const id of [...agents.keys()]) await stopAgentProcess(id);
  await control?.system.stop();
  await control?.runtime.close();
  await nats?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('scheduling respects reachability', () => {
  test('each network is bound only to the agent that maps its physical network, one nobody maps is reported and bound nowhere, and a restart with other mappings moves a network to an agent that maps it', { timeout: 60_000 }, async () => {
    const client = new ApiClient(control.runtime.nc);
    await startAgentProcess('agent-a', { physA: 'fake-a' });
    await startAgentProcess('agent-b', { physB: 'fake-b' });
    await expect.poll(async () => (await client.agents.list()).filter((a) => a.alive).length, { timeout: 10_000 }).toBe(2);

    const network = async (physnet: string, third: number) => {
      const net = await client.networks.create({ name: `net-${physnet}`, 'provider:physical_network': physnet });
      await client.subnets.create({ network_id: net.id, cidr: `198.18.${third}.0/24` });
      return net.id;
    };
    const netA = await network('physA', 61);
    const netB = await network('physB', 62);
    const netC = await network('physC', 63);
    const hosts = async (networkId: string) => (await client.bindings.agentsOnNetwork(networkId)).map((a) => `${a.id} ${a.binding_reason}`);
    const served = (agentId: string) => agents.get(agentId)?.system.agent?.served().map((s) => s.networkId) ?? [];

    await expect.poll(() => hosts(netA), { timeout: 10_000 }).toEqual(['agent-a new-network']);
    await expect.poll(() => hosts(netB), { timeout: 10_000 }).toEqual(['agent-b new-network']);
    await expect.poll(() => served('agent-a'), { timeout: 10_000 }).toEqual([netA]);
    await expect.poll(() => served('agent-b'), { timeout: 10_000 }).toEqual([netB]);
    await expect.poll(() => metric('leasehold_scheduler_unreachable_networks'), { timeout: 10_000 }).toBe(1);
    expect(await hosts(netC)).toEqual([]);

    // agent-b comes back also mapping physA: nothing needs to move (one network each).
    await stopAgentProcess('agent-b');
    await startAgentProcess('agent-b', { physB: 'fake-b', physA: 'fake-a2' });
    await expect.poll(async () => (await client.agents.show('agent-b')).configurations.interface_mappings, { timeout: 10_000 }).toEqual({ physB: 'fake-b', physA: 'fake-a2' });

    // agent-a comes back mapping only physC: it loses netA to agent-b, the only agent that maps physA, and takes netC.
    await stopAgentProcess('agent-a');
    await startAgentProcess('agent-a', { physC: 'fake-c' });
    await expect.poll(() => hosts(netA), { timeout: 10_000 }).toEqual(['agent-b failover']);
    await expect.poll(async () => (await client.bindings.agentsOnNetwork(netC)).map((a) => a.id), { timeout: 10_000 }).toEqual(['agent-a']);
    await expect.poll(() => served('agent-a'), { timeout: 10_000 }).toEqual([netC]);
    await expect.poll(async () => served('agent-b').sort(), { timeout: 10_000 }).toEqual([netA, netB].sort());
    await expect.poll(() => metric('leasehold_scheduler_unreachable_networks'), { timeout: 10_000 }).toBe(0);
  });
});
