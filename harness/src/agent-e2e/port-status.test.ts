/**
 * Issue 20 point 3: a port's status is honest. With a real nats-server, the
 * API and a real agent: a new port is ACTIVE only once the agent serving its
 * network has folded it (a real DHCP client then gets its address at once),
 * DOWN while that agent is not running, and DOWN for good on a network bound
 * to no agent. The API measures each wait (leasehold_port_ready_seconds).
 */
import { macOf, startClient } from '@leasehold/agent/testing';
import type { PortView } from '@leasehold/api/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';

let env: AgentEnv;
beforeAll(async () => {
  env = await startAgentEnv();
});
afterAll(() => env.stop());

const status = async (port: PortView) => (await env.t.client.ports.show(port.id)).status;

describe('port status', () => {
  test('DOWN until the serving agent folded the port, then ACTIVE and answered by DHCP; DOWN while the agent is down; DOWN on a network no agent serves', async () => {
    const link = await env.link();
    const config = { agentId: 'agent-status', interfaceMappings: { 'phys-status': link.hostIf } };
    let agent = await env.startAgent(config);
    const { network } = await env.network('phys-status', { cidr: '198.18.140.0/24' });
    await env.bind(agent, network.id);
    const lonely = (await env.network('phys-none', { cidr: '198.18.141.0/24' })).network;

    // A live agent: ACTIVE once it reported the fold, and by then its lease table has the port.
    const mac = await macOf(link.ns, link.clientIf);
    env.t.api.activations.drain();
    const port = await env.t.client.ports.create({ network_id: network.id, mac_address: mac });
    await expect.poll(() => status(port), { timeout: 10_000 }).toBe('ACTIVE');
    expect(agent.model.portByMac(network.id, mac)?.id).toBe(port.id);
    const client = await startClient('udhcpc', link);
    try {
      expect((await client.waitFor(['bound'], 10_000)).ip).toBe(port.fixed_ips[0]!.ip_address);
    } finally {
      await client.stop();
    }
    const delays = env.t.api.activations.drain();
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(0);

    // The port on the network no agent serves: DOWN, even once the agent has folded past it
    // (a port created after it went ACTIVE, so the agent's reported position is beyond it).
    const unserved = await env.t.client.ports.create({ network_id: lonely.id });
    const later = await env.t.client.ports.create({ network_id: network.id });
    await expect.poll(() => status(later), { timeout: 10_000 }).toBe('ACTIVE');
    expect(await status(unserved)).toBe('DOWN');
    expect((await env.t.client.ports.list({ network_id: lonely.id })).map((p) => p.status)).toEqual(['DOWN']);

    // The agent down: nothing folds the new port, so it is DOWN; the agent back, it turns ACTIVE.
    await agent.stop();
    const whileDown = await env.t.client.ports.create({ network_id: network.id });
    expect(whileDown.status).toBe('DOWN');
    expect(await status(whileDown)).toBe('DOWN');
    agent = await env.startAgent(config);
    await expect.poll(() => status(whileDown), { timeout: 10_000 }).toBe('ACTIVE');
    expect(agent.model.ports.has(whileDown.id)).toBe(true);

    // Disabled: DOWN though served.
    const disabled = await env.t.client.ports.update(whileDown.id, { admin_state_up: false });
    expect(disabled.status).toBe('DOWN');
  });
});
