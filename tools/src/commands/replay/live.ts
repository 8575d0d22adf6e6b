/**
 * The live projection a replay is checked against: the running API's read
 * models, asked through its request/reply API. For each aggregate kind, the
 * fields both the API's view and the replayed state have, in the API's
 * spelling, so the two sides compare field by field.
 */
import { networkView, portView, subnetView } from '@leasehold/api';
import { ApiError, type ApiClient, type NetworkView, type PortView, type SubnetView } from '@leasehold/api/client';
import type { LeaseContext } from '@leasehold/lease-actor';
import type { PortState } from '@leasehold/protocol';
import type { AgentContext, NetworkSnapshot } from '@leasehold/resources';
import { isoTime } from '../events/render.js';
import type { AggregateRef, AggregateState } from './aggregate.js';
import { lease6Live } from './lease6.js';

export interface LiveView {
  /** What the API shows, as comparable data (null: the API does not know it). */
  readonly view: unknown;
  /** The sequence the API says its view reflects (revision_number), when it says. */
  readonly position?: number;
  /** Which API operations were asked, for the report. */
  readonly asked: string;
}

const notFound = (error: unknown) => error instanceof ApiError && error.code === 'NOT_FOUND';

/** Asks the API for the aggregate's live view. */
export async function fetchLive(client: ApiClient, ref: AggregateRef): Promise<LiveView> {
  const id = ref.ids[0]!;
  switch (ref.kind) {
    case 'network': {
      const asked = 'networks.show + subnets.list';
      let network: NetworkView;
      try {
        network = await client.networks.show(id);
      } catch (error) {
        if (notFound(error)) return { view: null, asked };
        throw error;
      }
      const subnets = await client.subnets.list({ network_id: id });
      return { view: networkLive(network, subnets), position: network.revision_number, asked };
    }
    case 'port': {
      const asked = 'ports.show';
      try {
        const port = await client.ports.show(id);
        return { view: portLive(port), position: port.revision_number, asked };
      } catch (error) {
        if (notFound(error)) return { view: null, asked };
        throw error;
      }
    }
    case 'agent': {
      const asked = 'agents.show';
      try {
        const { agent } = await client.request<{ agent: { host: string; availability_zone: string; admin_state_up: boolean; heartbeat_timestamp: string | null; revision_number: number } }>('agents.show', { id });
        const { host, availability_zone, admin_state_up, heartbeat_timestamp } = agent;
        return { view: { host, availability_zone, admin_state_up, heartbeat_timestamp }, position: agent.revision_number, asked };
      } catch (error) {
        if (notFound(error)) return { view: null, asked };
        throw error;
      }
    }
    case 'binding': {
      const asked = 'bindings.agents-on-network';
      try {
        const { agents } = await client.request<{ agents: { id: string; binding_reason: string }[] }>('bindings.agents-on-network', { network_id: id });
        return { view: agents.map((a) => ({ agent: a.id, reason: a.binding_reason })).sort(byAgent), asked };
      } catch (error) {
        if (notFound(error)) return { view: [], asked };
        throw error;
      }
    }
    case 'lease': {
      const asked = 'leases.show';
      try {
        const { lease } = await client.request<{ lease: ApiLease }>('leases.show', { network_id: id, ip_address: ref.ids[1]! });
        return { view: leaseLive(lease), asked };
      } catch (error) {
        if (notFound(error)) return { view: null, asked };
        throw error;
      }
    }
    case 'lease6': {
      const asked = 'leases.show';
      try {
        const { lease } = await client.request<{ lease: ApiLease6 }>('leases.show', { network_id: id, ip_address: ref.ids[1]!, ip_version: 6 });
        return { view: lease6ApiLive(lease), asked };
      } catch (error) {
        if (notFound(error)) return { view: null, asked };
        throw error;
      }
    }
  }
}

interface ApiLease6 {
  mac_address: string;
  duid: string | null;
  iaid: number | null;
  hostname: string | null;
  state: string;
  expires_at: string | null;
}

/** An IPv6 lease as the API shows it, in lease6Live's shape (a MAC unknown is null there, '' here). Pure. */
function lease6ApiLive(l: ApiLease6) {
  const held = l.expires_at !== null;
  return { mac: l.mac_address === '' ? null : l.mac_address, state: l.state, expires_at: l.expires_at, ...(held ? { duid: l.duid, iaid: l.iaid, hostname: l.hostname } : {}) };
}

interface ApiLease {
  mac_address: string;
  client_id: string | null;
  hostname: string | null;
  state: string;
  expires_at: string | null;
  updated_at: string;
}

const byAgent = (a: { agent: string }, b: { agent: string }) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0);

function networkLive(n: NetworkView, subnets: readonly SubnetView[]) {
  return {
    name: n.name,
    admin_state_up: n.admin_state_up,
    mtu: n.mtu,
    dns_domain: n.dns_domain,
    availability_zone_hints: n.availability_zone_hints,
    physical_network: n['provider:physical_network'],
    subnets: Object.fromEntries(
      [...subnets]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((s) => [
          s.id,
          {
            name: s.name,
            cidr: s.cidr,
            gateway_ip: s.gateway_ip,
            allocation_pools: s.allocation_pools,
            dynamic_pools: s.dynamic_pools,
            dns_nameservers: s.dns_nameservers,
            host_routes: s.host_routes,
            enable_dhcp: s.enable_dhcp,
            lease_duration: s.lease_duration,
            ...(s.ip_version === 6 ? { ipv6_address_mode: s.ipv6_address_mode, ipv6_ra_mode: s.ipv6_ra_mode } : {}),
          },
        ]),
    ),
  };
}

function portLive(p: PortView) {
  return {
    name: p.name,
    mac_address: p.mac_address,
    fixed_ips: p.fixed_ips,
    dns_name: p.dns_name,
    extra_dhcp_opts: p.extra_dhcp_opts.map((o) => ({ opt_name: o.opt_name, opt_value: o.opt_value })),
    device_owner: p.device_owner,
    device_id: p.device_id,
    admin_state_up: p.admin_state_up,
  };
}

function leaseLive(l: ApiLease) {
  // Only a held lease has an end in the API's view (expires_at), and only then are client id and host name current.
  const held = l.expires_at !== null;
  return { mac_address: l.mac_address, state: l.state, expires_at: l.expires_at, ...(held ? { client_id: l.client_id, hostname: l.hostname } : {}), updated_at: l.updated_at };
}

/**
 * The replayed state in the same shape as `fetchLive`'s view. `at` is the
 * time of the last event in the state (a lease view's update time; none: no
 * event yet). `now` decides, as the API does at read time, whether a bound
 * lease has run out. Pure.
 */
export function replayedLive(ref: AggregateRef, state: AggregateState, at: number | undefined, now: number): unknown {
  switch (ref.kind) {
    case 'network': {
      // The API's own view functions on the replayed state: the fold is what is checked, not the spelling.
      const snapshot = state as unknown as NetworkSnapshot;
      if (state.value !== 'active' || !snapshot.context.network) return null;
      return networkLive(networkView(snapshot, 0), [...Object.values(snapshot.context.subnets), ...Object.values(snapshot.context.subnets6)].map((s) => subnetView(s, 0)));
    }
    case 'port': {
      const p = (state.context as { port: PortState | null }).port;
      if (state.value !== 'active' || !p) return null;
      // Its status is no fold of the port's events (agents' reports): portLive leaves it out.
      return portLive(portView(p, 0, 'DOWN'));
    }
    case 'agent': {
      const c = state.context as AgentContext;
      if (state.value === 'deleted' || c.lastHeartbeatAt === null) return null;
      return { host: c.host, availability_zone: c.availabilityZone, admin_state_up: c.adminStateUp, heartbeat_timestamp: isoTime(c.lastHeartbeatAt) };
    }
    case 'binding': {
      const agents = (state.context as { agents: Record<string, { reason: string }> }).agents;
      return Object.entries(agents)
        .map(([agent, b]) => ({ agent, reason: b.reason }))
        .sort(byAgent);
    }
    case 'lease': {
      const c = state.context as LeaseContext;
      if (at === undefined || c.client === null) return null;
      const heldStatus = state.value === 'bound' || state.value === 'renewing' || state.value === 'rebinding';
      const stateName = heldStatus ? (c.expiresAt !== null && c.expiresAt <= now ? 'expired' : 'bound') : state.value;
      return {
        mac_address: c.client.mac,
        state: stateName,
        expires_at: heldStatus && c.expiresAt !== null ? isoTime(c.expiresAt) : null,
        ...(heldStatus ? { client_id: c.client.clientId ?? null, hostname: c.hostname } : {}),
        updated_at: isoTime(at),
      };
    }
    case 'lease6':
      return lease6Live(state, now);
  }
}
