/**
 * Issue 20 point 5's last step: a port created with the real `openstack`
 * CLI through the Neutron HTTP API, on a network hosted by an agent with
 * `openstack network agent add network --dhcp`, gives a real DHCP client
 * (udhcpc in a namespace) the port's address.
 */
import { startHttpApi, type HttpApi } from '@leasehold/api';
import { createTestBridge, macOf, startClient } from '@leasehold/agent/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAgentEnv, type AgentEnv } from '../agent-env/agent-env.js';
import { openstackCli } from '../openstack-cli.js';

let env: AgentEnv;
let http: HttpApi;
beforeAll(async () => {
  env = await startAgentEnv();
  http = await startHttpApi(env.t.api, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await http?.close();
  await env?.stop();
});

describe('a port made with the openstack CLI', () => {
  test('gets its fixed address to a real DHCP client', async () => {
    const { json, ok } = openstackCli(http.url);
    await using bridge = await createTestBridge(1);
    const link = bridge.links[0]!;
    const agent = await env.startAgent({ agentId: 'agent-os', interfaceMappings: { 'phys-os': bridge.ifname } });
    const net = await json('network', 'create', 'os-dhcp', '--provider-physical-network', 'phys-os', '--provider-network-type', 'flat');
    await json('subnet', 'create', 'os-dhcp-sub', '--network', 'os-dhcp', '--subnet-range', '198.18.132.0/24');
    await ok('network', 'agent', 'add', 'network', '--dhcp', 'agent-os', 'os-dhcp');
    await expect
      .poll(async () => {
        await agent.reconcile();
        return agent.served().find((s) => s.networkId === net.id)?.serverIps.size ?? 0;
      }, { timeout: 10_000 })
      .toBeGreaterThan(0);

    const mac = await macOf(link.ns, link.clientIf);
    const port = await json('port', 'create', 'vm1', '--network', 'os-dhcp', '--mac-address', mac);
    const address = (port.fixed_ips as { ip_address: string }[])[0]!.ip_address;
    await expect.poll(() => agent.model.portByMac(net.id as string, mac), { timeout: 5000 }).toBeDefined();
    const client = await startClient('udhcpc', link);
    try {
      const lease = await client.waitFor(['bound'], 10_000);
      expect(lease.ip).toBe(address);
    } finally {
      await client.stop();
    }
  });
});
