/**
 * The served networks with their metadata (isolation.ts) filled in: the
 * route per subnet that the DHCP server puts in option 121, and whether the
 * network gets a proxy. The reconcile computes it after each change of a
 * network, port or binding (a router port arriving on a subnet's gateway
 * turns its route to the gateway and may end its proxy), so the DHCP hot
 * path reads a map.
 */
import type { PlacedNetwork } from '../served-networks.js';
import type { AgentModel } from '../state/agent-model.js';
import { networkMetadata } from './isolation.js';
import { metadataFor, type MetadataOptions } from './options.js';

/** `served` with each network's metadata routes and proxy flag, by the agent's settings and each network's own (options.ts's metadataFor). Pure. */
export function withMetadata(
  served: ReadonlyMap<string, PlacedNetwork>,
  model: Pick<AgentModel, 'network' | 'subnets' | 'portsOf'>,
  options: Pick<MetadataOptions, 'enableIsolatedMetadata' | 'forceMetadata' | 'enableMetadataNetwork'>,
): Map<string, PlacedNetwork> {
  const out = new Map<string, PlacedNetwork>();
  for (const [networkId, net] of served) {
    // A network reached only through relays has no proxy of ours on it: no route through the DHCP port there.
    const network = model.network(networkId);
    const settings = metadataFor(options, { id: networkId, name: network?.name, isolatedMetadata: network?.isolatedMetadata });
    const metadata = networkMetadata(settings, model.subnets(networkId), model.portsOf(networkId), net.ifname === undefined ? new Map() : net.serverIps);
    out.set(networkId, { ...net, ...(metadata.routes.size > 0 ? { metadataRoutes: metadata.routes } : {}), ...(metadata.proxy ? { metadataProxy: true } : {}) });
  }
  return out;
}
