/**
 * The networks this agent serves, and where: the ones bound to it whose
 * network the model knows, each on the interface its physical network maps
 * to (`*` for the rest; none: reached through relays only), or on its
 * segment's own device (a VXLAN device in its own namespace, a VLAN
 * interface: net/segment-devices.ts), with the agent's address on each
 * subnet (its DHCP port's fixed IPs, the server identifier). `desiredServedNetworks` says what the model asks for; the
 * reconcile (reconcile.ts) makes it so and then replaces the set served now.
 */
import { networkSegment, type Ipv4, type PortState } from '@leasehold/protocol';
import { DHCP_DEVICE_OWNER, agentOfDhcpDeviceId } from '@leasehold/resources';
import type { AgentConfig } from './config.js';
import type { ServedNetwork } from './dhcp/server.js';
import { segmentPlacement, type Placement, type SegmentConfig } from './net/segment-devices.js';
import type { AgentModel } from './state/agent-model.js';

/** A served network as the agent's reconcile sees it: with its segment's device when it has one (absent: the mapped interface itself). */
export interface PlacedNetwork extends ServedNetwork {
  readonly placement?: Exclude<Placement, { kind: 'physical' }>;
  /** A metadata proxy serves it on 169.254.169.254 (metadata/served.ts fills it in). */
  readonly metadataProxy?: boolean;
}

/**
 * The networks the model binds to this agent, in binding order, with their
 * interfaces and server addresses. A network whose segment cannot be served
 * here (no segmentation id, an interface name too long) is left out, and
 * why is added to `problems`. Pure.
 */
export function desiredServedNetworks(
  model: Pick<AgentModel, 'bindings' | 'network' | 'dhcpPort' | 'portsOf'>,
  config: Pick<AgentConfig, 'agentId' | 'interfaceMappings'> & { readonly segments?: SegmentConfig },
  deviceId: string,
  problems: string[] = [],
): Map<string, PlacedNetwork> {
  const out = new Map<string, PlacedNetwork>();
  for (const [networkId, agents] of model.bindings) {
    if (!agents.has(config.agentId)) continue;
    const network = model.network(networkId);
    if (!network) continue;
    // Protocol's one reading: a network of events written before segments is flat on its physical network, or untyped.
    const segment = networkSegment(network);
    const networkType = segment?.networkType ?? null;
    const segmentationId = segment?.segmentationId ?? null;
    const mapped = config.interfaceMappings[network.physicalNetwork ?? '*'] ?? config.interfaceMappings['*'];
    // A VXLAN network names no physical network (Neutron's tunnels): its underlay is the agent's vxlan interface, else `*`'s.
    const physical = networkType === 'vxlan' && network.physicalNetwork === null ? (config.segments?.vxlan.interface ?? mapped) : mapped;
    let placement: Placement | undefined;
    try {
      placement = segmentPlacement({ networkId, type: networkType, segmentationId, physical }, config.segments ?? {});
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    const port = model.dhcpPort(networkId, deviceId);
    const serverIps = new Map<string, Ipv4>(port?.fixedIps.map((f) => [f.subnetId, f.ipAddress]) ?? []);
    const peerServerIps = peerDhcpAddresses(model.portsOf(networkId), agents, config.agentId);
    out.set(networkId, {
      networkId,
      ifname: placement?.ifname,
      serverIps,
      ...(peerServerIps.size > 0 ? { peerServerIps } : {}),
      ...(placement && placement.kind !== 'physical' ? { placement: placement.kind === 'vxlan' && port ? { ...placement, mac: port.macAddress } : placement } : {}),
    });
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
  #current: ReadonlyMap<string, PlacedNetwork> = new Map();
  readonly #listeners = new Set<() => void>();

  /** Network id → where it is served. */
  get current(): ReadonlyMap<string, PlacedNetwork> {
    return this.#current;
  }

  /** The served networks in served order, for the DHCP server's scope index. */
  readonly list = (): Iterable<ServedNetwork> => this.#current.values();

  replace(next: ReadonlyMap<string, PlacedNetwork>): void {
    this.#current = next;
    for (const listener of this.#listeners) listener();
  }

  /** Calls `listener` after every replace (the readiness reports say what is served); returns its removal. */
  onReplace(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
