/**
 * The live state of a synthetic history, made the way an operator makes it:
 * networks, subnets and ports through the API's own commands (an API service
 * started for the purpose with the daemon's startSystem, then stopped), each network's DHCP
 * port created as its agent creates it. What the API does not write (the
 * agents' heartbeats, the bindings, the leases) follows from events.ts.
 */
import { ApiClient } from '@leasehold/api/client';
import { connectedRuntime, startSystem } from '@leasehold/server';
import type { NatsConnection } from '@nats-io/transport-node';
import { pipelined } from '../bench/harness.js';
import type { LiveState } from './events.js';
import { agentOfNetwork, networkAddresses, type HistoryPlan } from './plan.js';

const DHCP_DEVICE_OWNER = 'network:dhcp';

/** Creates the plan's networks, subnets, compute ports and DHCP ports through the API; resolves with their ids. */
export async function createLiveResources(nc: NatsConnection, plan: HistoryPlan, options: { window?: number; maxMs?: number } = {}): Promise<LiveState> {
  const { shape } = plan;
  const api = await startSystem(connectedRuntime(nc.getServer(), nc), { api: { agentDownTimeMs: 75_000 }, log: (line) => console.error(line) });
  try {
    const client = new ApiClient(nc, { timeoutMs: 30_000 });
    const networkIds: string[] = [];
    const subnetIds: string[] = [];
    for (let n = 0; n < shape.networks; n++) {
      // One tenant per network, as in a cloud (and each within Neutron's default quotas).
      const network = await client.networks.create({ name: `history-${n}`, project_id: `project-${n}` });
      const addresses = networkAddresses(shape, n);
      const subnet = await client.subnets.create({
        network_id: network.id,
        name: `history-${n}`,
        cidr: addresses.cidr,
        gateway_ip: addresses.gateway,
        allocation_pools: [addresses.portPool],
        dynamic_pools: [addresses.dynamicPool],
        lease_duration: shape.leaseSeconds,
      });
      networkIds.push(network.id);
      subnetIds.push(subnet.id);
    }
    const ports = shape.networks * shape.portsPerNetwork;
    const created = await pipelined(ports, options.window ?? 32, options.maxMs ?? 10 * 60_000, (i) => {
      const n = i % shape.networks;
      return client.ports.create({ network_id: networkIds[n]!, name: `vm-${i}`, device_owner: 'compute:nova', device_id: `vm-${i}` });
    });
    if (created < ports) throw new Error(`only ${created} of ${ports} ports were created in time`);
    // Each network's DHCP port, shaped as the API makes it for its agent on first serving the network (api port/dhcp-port.ts).
    for (let n = 0; n < shape.networks; n++) {
      const agentId = agentOfNetwork(shape, n);
      await client.ports.create({ network_id: networkIds[n]!, device_owner: DHCP_DEVICE_OWNER, device_id: `dhcp-${agentId}`, name: `dhcp port of ${agentId}`, fixed_ips: [{ subnet_id: subnetIds[n]! }] });
    }
    const agents = shape.agents.map((agentId) => {
      const networks = networkIds.filter((_, n) => agentOfNetwork(shape, n) === agentId);
      return { agentId, networks, load: networks.length * (shape.portsPerNetwork + 1) };
    });
    return { networkIds, agents };
  } finally {
    await api.stop();
  }
}
