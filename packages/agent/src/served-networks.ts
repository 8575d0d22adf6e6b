/**
 * The networks this agent serves, and where: the ones bound to it whose
 * network the model knows, each on the interface its physical network maps
 * to (`*` for the rest; none: reached through relays only), with the
 * agent's address on each subnet (its DHCP port's fixed IPs, the server
 * identifier). `desiredServedNetworks` says what the model asks for; the
 * reconcile (reconcile.ts) makes it so and then replaces the set served now.
 */
import type { Ipv4 } from '@leasehold/protocol';
import type { AgentConfig } from './config.js';
import type { ServedNetwork } from './dhcp/server.js';
import type { AgentModel } from './state/agent-model.js';

/** The networks the model binds to this agent, in binding order, with their interfaces and server addresses. Pure. */
export function desiredServedNetworks(
  model: Pick<AgentModel, 'bindings' | 'network' | 'dhcpPort'>,
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
    out.set(networkId, { networkId, ifname, serverIps });
  }
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
