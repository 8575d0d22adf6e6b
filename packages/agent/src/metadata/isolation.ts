/**
 * Which networks get isolated metadata, and the route each subnet's clients
 * get to 169.254.169.254: Neutron's Dnsmasq.should_enable_metadata and
 * get_isolated_subnets (neutron/agent/linux/dhcp.py), on the agent's model.
 *
 * A subnet is isolated unless a router serves it: a port owned by a router
 * interface (device_owner network:router_interface, its distributed and HA
 * kinds) holding the subnet's gateway address. An isolated subnet's clients
 * reach the metadata service only through the DHCP port, so option 121 routes
 * 169.254.169.254/32 there and the proxy answers on it; a routed subnet's
 * route points at its gateway, where the router's own proxy answers.
 */
import { parseCidr, cidrContainsCidr, type Ipv4, type PortState, type SubnetState } from '@leasehold/protocol';
import { ROUTER_INTERFACE_OWNERS } from '@leasehold/resources';

/** Neutron's metadata network (enable_metadata_network): a subnet inside 169.254.0.0/16. */
const LINK_LOCAL = parseCidr('169.254.0.0/16');

/** A network's metadata: whether the proxy serves it, and per subnet the next hop of the 169.254.169.254/32 route. */
export interface NetworkMetadata {
  readonly proxy: boolean;
  readonly routes: ReadonlyMap<string, Ipv4>;
}

const NONE: NetworkMetadata = { proxy: false, routes: new Map() };

/**
 * The subnets no router serves, by id. Pure; one pass over the network's
 * ports (a reconcile runs it once per served network).
 */
export function isolatedSubnets(subnets: readonly SubnetState[], ports: Iterable<PortState>): Set<string> {
  const isolated = new Set(subnets.map((s) => s.id));
  const gateways = new Map(subnets.map((s) => [s.id, s.gatewayIp]));
  for (const port of ports) {
    if (!ROUTER_INTERFACE_OWNERS.has(port.deviceOwner)) continue;
    for (const f of port.fixedIps) if (gateways.get(f.subnetId) === f.ipAddress) isolated.delete(f.subnetId);
  }
  return isolated;
}

/**
 * What a network gets (Neutron's rules): nothing with both settings off or
 * without a DHCP-enabled subnet; with force_metadata the proxy and every
 * subnet's route through the DHCP port; with enable_isolated_metadata the
 * proxy when a subnet is isolated (or, with enable_metadata_network, when a
 * subnet is inside 169.254.0.0/16), the route through the DHCP port on
 * isolated subnets and through the gateway on routed ones. `dhcpIps` is this
 * agent's DHCP port address per subnet: a subnet without one gets no route
 * through it. Pure.
 */
export function networkMetadata(
  /** The settings as they apply to this network (options.ts's metadataFor). */
  options: { readonly enableIsolatedMetadata: boolean; readonly forceMetadata: boolean; readonly enableMetadataNetwork: boolean },
  subnets: readonly SubnetState[],
  ports: Iterable<PortState>,
  dhcpIps: ReadonlyMap<string, Ipv4>,
): NetworkMetadata {
  if (!options.forceMetadata && !options.enableIsolatedMetadata) return NONE;
  const served = subnets.filter((s) => s.enableDhcp);
  if (served.length === 0) return NONE;
  const isolated = options.forceMetadata ? new Set(served.map((s) => s.id)) : isolatedSubnets(subnets, ports);
  const routes = new Map<string, Ipv4>();
  for (const subnet of served) {
    const dhcp = dhcpIps.get(subnet.id);
    if (isolated.has(subnet.id)) {
      if (dhcp !== undefined) routes.set(subnet.id, dhcp);
    } else if (subnet.gatewayIp !== null) {
      routes.set(subnet.id, subnet.gatewayIp);
    }
  }
  const metadataNetwork = options.enableMetadataNetwork && subnets.some((s) => cidrContainsCidr(LINK_LOCAL, s.cidr));
  const proxy = options.forceMetadata || metadataNetwork || served.some((s) => isolated.has(s.id));
  return { proxy, routes };
}
