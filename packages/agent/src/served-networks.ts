/**
 * The networks this agent serves, and where: the ones bound to it whose
 * network the model knows, each on the interface its physical network maps
 * to (`*` for the rest; none: reached through relays only), with the
 * agent's address on each subnet (its DHCP port's fixed IPs, the server
 * identifier). `desiredServedNetworks` says what the model asks for; the
 * reconcile (reconcile.ts) makes it so and then replaces the set served now.
 */
import type { Ipv4, PortState } from '@leasehold/protocol';
import { DHCP_DEVICE_OWNER, agentOfDhcpDeviceId } from '@leasehold/resources';
import type { AgentConfig } from './config.js';
import type { ServedNetwork } from './dhcp/server.js';
import type { AgentModel } from './state/agent-model.js';

/** The networks the model binds to this agent, in binding order, with their interfaces and server addresses. Pure. */
export function desiredServedNetworks(
  model: Pick<AgentModel, 'bindings' | 'network' | 'dhcpPort' | 'portsOf'>,
  config: Pick<AgentConfig, 'agentId' | 'interfaceMappings'>,
  deviceId: string,
): Map<string, ServedNetwork> {
  const out = new Map<string, ServedNetwork>();
  for (const [networkId, agents] of model.bindings) {
    if (!agents.has(config.agentId)) continue;
    const network = model.network(networkId);
    if (!network) continue;
    const ifname = config.interfaceMappings[network.physicalNetwork ?? '*'] ?? config.interfaceMappings['*'];
    const port = model.dhcpPort(networkId, deviceId);
    const serverIps = new Map<string, Ipv4>(port?.fixedIps.map((f) => [f.subnetId, f.ipAddress]) ?? []);
    const peerServerIps = peerDhcpAddresses(model.portsOf(networkId), agents, config.agentId);
    out.set(networkId, { networkId, ifname, serverIps, ...(peerServerIps.size > 0 ? { peerServerIps } : {}) });
  }
  return out;
}

/**
 * The DHCP port addresses of the other agents bound to a network, by
 * subnet, in address order: the DNS servers a client gets besides this
 * agent when its subnet lists none (Neutron's dnsmasq driver announces every
 * DHCP port of a subnet then). A reserved port, or one of an agent no longer
 * bound, has no server behind it and is left out. Pure.
 */
export function peerDhcpAddresses(ports: Iterable<PortState>, bound: ReadonlySet<string>, agentId: string): Map<string, Ipv4[]> {
  const out = new Map<string, Ipv4[]>();
  for (const port of ports) {
    if (port.deviceOwner !== DHCP_DEVICE_OWNER) continue;
    const holder = agentOfDhcpDeviceId(port.deviceId);
    if (holder === undefined || holder === agentId || !bound.has(holder)) continue;
    for (const f of port.fixedIps) {
      const list = out.get(f.subnetId);
      if (list) list.push(f.ipAddress);
      else out.set(f.subnetId, [f.ipAddress]);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/**
 * The set served now. A reconcile replaces it whole, never edits it, so a
 * loop over it across awaits (the expiry pass) sees one set throughout.
 */
export class ServedNetworks {
  #current: ReadonlyMap<string, ServedNetwork> = new Map();

  /** Network id → where it is served. */
  get current(): ReadonlyMap<string, ServedNetwork> {
    return this.#current;
  }

  /** The served networks in served order, for the DHCP server's scope index. */
  readonly list = (): Iterable<ServedNetwork> => this.#current.values();

  replace(next: ReadonlyMap<string, ServedNetwork>): void {
    this.#current = next;
  }
}
