/**
 * What the console's pages show, composed from the API's own answers
 * (agents.list, networks.list, subnets.list, ports.list, leases.list): no
 * rules of its own beyond counting and matching. Pure.
 */
import type { AgentView, LeaseView, NetworkView, PortView, SubnetView } from '@leasehold/api';
import { tryParseIpv4, tryParseIpv6 } from '@leasehold/protocol';
import type { AgentRow, Alert, LeasePage, LeaseRowJson, NetworkPage, NetworkRow, Overview, PoolUse, ProjectionLag } from './shapes.js';

/** A pool this full or fuller is an alert (the issue's 90%). */
export const POOL_ALERT_RATIO = 0.9;
/** The read model this many events behind the journal is an alert (what the pages show is that old). */
export const PROJECTION_LAG_ALERT = 1_000;

export function agentRow(a: AgentView): AgentRow {
  return { id: a.id, host: a.host, availability_zone: a.availability_zone, alive: a.alive, admin_state_up: a.admin_state_up, heartbeat_timestamp: a.heartbeat_timestamp, networks: a.networks };
}

/** A lease that holds its address now (bound and not past its expiry: leaseView says expired). */
const holds = (l: LeaseView) => l.state === 'bound';

/**
 * Addresses in a subnet's pools (allocation and dynamic) and how many of
 * them a port's fixed IP or a bound lease holds. IPv6 subnets count
 * nothing: their pools are too large to be a useful bar.
 */
export function poolUse(subnet: SubnetView, ports: readonly PortView[], leases: readonly LeaseView[]): PoolUse {
  const ranges = subnet.ip_version === 4
    ? [...subnet.allocation_pools, ...subnet.dynamic_pools].flatMap((p) => {
        const first = tryParseIpv4(p.start);
        const last = tryParseIpv4(p.end);
        return first !== undefined && last !== undefined && last >= first ? [{ first, last }] : [];
      })
    : [];
  const inPools = (ip: number) => ranges.some((r) => ip >= r.first && ip <= r.last);
  const held = new Set<number>();
  const take = (text: string) => {
    const ip = tryParseIpv4(text);
    if (ip !== undefined && inPools(ip)) held.add(ip);
  };
  for (const port of ports) for (const f of port.fixed_ips) if (f.subnet_id === subnet.id) take(f.ip_address);
  for (const lease of leases) if (holds(lease)) take(lease.ip_address);
  // Overlapping pools would count twice: Neutron refuses them, so a sum is the size.
  const size = ranges.reduce((n, r) => n + (r.last - r.first + 1), 0);
  return { subnet_id: subnet.id, cidr: subnet.cidr, size, used: held.size };
}

export interface Fleet {
  readonly agents: readonly AgentView[];
  readonly networks: readonly NetworkView[];
  readonly subnets: readonly SubnetView[];
  readonly ports: readonly PortView[];
  readonly leases: readonly LeaseView[];
}

function byNetwork<T extends { network_id: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(item.network_id);
    if (list) list.push(item);
    else out.set(item.network_id, [item]);
  }
  return out;
}

/**
 * The overview page: agents, networks with binding and pool bars, alerts.
 * `unreachable`: network id → the physical network no live agent maps, as
 * the scheduler judges it (its `unreachableNetworks`; the server hands it
 * over), empty where this process runs no scheduler.
 */
export function overview(fleet: Fleet, projection: ProjectionLag | null = null, unreachable: ReadonlyMap<string, string> = new Map()): Overview {
  const subnets = byNetwork(fleet.subnets);
  const ports = byNetwork(fleet.ports);
  const leases = byNetwork(fleet.leases);
  const networks: NetworkRow[] = fleet.networks.map((n) => ({
    id: n.id,
    name: n.name,
    status: n.status,
    agents: fleet.agents.filter((a) => a.networks.includes(n.id)).map((a) => a.id),
    pools: (subnets.get(n.id) ?? []).map((s) => poolUse(s, ports.get(n.id) ?? [], leases.get(n.id) ?? [])),
    leases: (leases.get(n.id) ?? []).filter(holds).length,
  }));
  const found = alerts(fleet.agents, networks, unreachable);
  if (projection && projection.lag >= PROJECTION_LAG_ALERT) {
    found.push({ level: 'warning', text: `the API's read model is ${projection.lag} events behind the journal (at #${projection.position} of #${projection.last}): these pages show the state as of then` });
  }
  return { agents: fleet.agents.map(agentRow), networks, alerts: found, projection };
}

/**
 * Why a network with DHCP has no live agent serving it: none maps its
 * physical network (the scheduler's verdict, so it binds it nowhere), none
 * is bound, or none of those bound is alive and up.
 */
function noAgentText(label: string, agents: readonly string[], physnet: string | undefined): string {
  if (physnet !== undefined) return `network ${label}: no live agent maps physnet ${physnet}${agents.length > 0 ? ` (bound to ${agents.join(', ')}, not alive)` : ''}`;
  return agents.length === 0 ? `network ${label} has no DHCP agent` : `network ${label}: none of its agents is alive (${agents.join(', ')})`;
}

/**
 * A network with DHCP and no live agent hosting it (saying why, with the
 * scheduler's `unreachable`); a pool at or over POOL_ALERT_RATIO. Pure.
 */
export function alerts(agents: readonly AgentView[], networks: readonly NetworkRow[], unreachable: ReadonlyMap<string, string> = new Map()): Alert[] {
  const out: Alert[] = [];
  const alive = new Set(agents.filter((a) => a.alive && a.admin_state_up).map((a) => a.id));
  for (const n of networks) {
    const label = n.name || n.id;
    if (n.pools.length > 0 && !n.agents.some((id) => alive.has(id))) {
      const physnet = unreachable.get(n.id);
      out.push({ level: 'critical', network_id: n.id, text: noAgentText(label, n.agents, physnet), ...(physnet !== undefined ? { physical_network: physnet } : {}) });
    }
    for (const p of n.pools) {
      if (p.size > 0 && p.used / p.size >= POOL_ALERT_RATIO) {
        out.push({ level: 'warning', network_id: n.id, text: `subnet ${p.cidr} of ${label}: pool ${Math.round((100 * p.used) / p.size)}% used (${p.used} of ${p.size})` });
      }
    }
  }
  return out;
}

const rangeText = (p: { start: string; end: string }) => `${p.start}-${p.end}`;

export function networkPage(network: NetworkView, fleet: Omit<Fleet, 'networks'>): NetworkPage {
  const type = network['provider:network_type'];
  const segment = type === null ? 'local' : `${type}${network['provider:physical_network'] ? ` on ${network['provider:physical_network']}` : ''}${network['provider:segmentation_id'] !== null ? ` id ${network['provider:segmentation_id']}` : ''}`;
  return {
    network: { id: network.id, name: network.name, status: network.status, mtu: network.mtu, dns_domain: network.dns_domain, segment },
    subnets: fleet.subnets.map((s) => ({
      id: s.id,
      name: s.name,
      cidr: s.cidr,
      gateway_ip: s.gateway_ip,
      pools: s.allocation_pools.map(rangeText),
      dynamic_pools: s.dynamic_pools.map(rangeText),
      enable_dhcp: s.enable_dhcp,
      use: poolUse(s, fleet.ports, fleet.leases),
    })),
    ports: fleet.ports.map((p) => ({ id: p.id, name: p.name, mac_address: p.mac_address, ips: p.fixed_ips.map((f) => f.ip_address), device_owner: p.device_owner, status: p.status })),
    bindings: fleet.agents.filter((a) => a.networks.includes(network.id)).map(agentRow),
  };
}

export function leaseRow(l: LeaseView): LeaseRowJson {
  return { ip_address: l.ip_address, mac_address: l.mac_address, hostname: l.hostname, state: l.state, expires_at: l.expires_at, updated_at: l.updated_at };
}

/** An address's place in a lease table: IPv4 numerically, then IPv6 numerically, then odd text. Pure. */
function ipKey(text: string): readonly [number, bigint] {
  const v4 = tryParseIpv4(text);
  if (v4 !== undefined) return [4, BigInt(v4)];
  const v6 = tryParseIpv6(text);
  return v6 === undefined ? [9, 0n] : [6, v6];
}
const byAddress = (a: string, b: string) => {
  const [[fa, va], [fb, vb]] = [ipKey(a), ipKey(b)];
  return fa - fb || (va < vb ? -1 : va > vb ? 1 : 0);
};

/** The most rows one page may ask for. */
export const MAX_PAGE = 500;

/**
 * One page of a network's leases matching `search` (a piece of the MAC, the
 * address or the host name, case-insensitive), in address order.
 */
export function leasePage(leases: readonly LeaseView[], search: string, offset: number, limit: number): LeasePage {
  const needle = search.trim().toLowerCase();
  const matching = needle === '' ? [...leases] : leases.filter((l) => l.mac_address.includes(needle) || l.ip_address.includes(needle) || (l.hostname ?? '').toLowerCase().includes(needle));
  matching.sort((a, b) => byAddress(a.ip_address, b.ip_address) || a.ip_address.localeCompare(b.ip_address));
  const size = Math.min(Math.max(1, Math.trunc(limit) || 50), MAX_PAGE);
  const from = Math.max(0, Math.trunc(offset) || 0);
  return { leases: matching.slice(from, from + size).map(leaseRow), total: matching.length, offset: from, limit: size };
}
