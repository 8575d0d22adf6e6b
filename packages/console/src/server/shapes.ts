/**
 * The JSON the console's endpoints answer (/console/api/...), shared by the
 * server and the browser bundle, so it imports nothing.
 */

export interface AgentRow {
  readonly id: string;
  readonly host: string;
  readonly availability_zone: string;
  readonly alive: boolean;
  readonly admin_state_up: boolean;
  readonly heartbeat_timestamp: string | null;
  readonly networks: readonly string[];
}

export interface PoolUse {
  readonly subnet_id: string;
  readonly cidr: string;
  /** Addresses in the subnet's allocation and dynamic pools. */
  readonly size: number;
  /** Of those, held by a port's fixed IP or a bound lease. */
  readonly used: number;
}

export interface NetworkRow {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  /** The agents hosting it (its binding). */
  readonly agents: readonly string[];
  readonly pools: readonly PoolUse[];
  readonly leases: number;
}

export interface Alert {
  readonly level: 'warning' | 'critical';
  readonly text: string;
  readonly network_id?: string;
  /** On a network no live agent can reach: the physical network none maps (the scheduler's verdict). */
  readonly physical_network?: string;
}

/** How far the API's read model (what every page shows) is behind the journal. */
export interface ProjectionLag {
  /** The last event the read model folded. */
  readonly position: number;
  /** The journal's last event. */
  readonly last: number;
  readonly lag: number;
}

export interface Overview {
  readonly agents: readonly AgentRow[];
  readonly networks: readonly NetworkRow[];
  readonly alerts: readonly Alert[];
  /** Null when the console was not told the read model's position. */
  readonly projection?: ProjectionLag | null;
}

export interface NetworkPage {
  readonly network: { readonly id: string; readonly name: string; readonly status: string; readonly mtu: number; readonly dns_domain: string; readonly segment: string };
  readonly subnets: readonly { id: string; name: string; cidr: string; gateway_ip: string | null; pools: string[]; dynamic_pools: string[]; enable_dhcp: boolean; use: PoolUse }[];
  readonly ports: readonly { id: string; name: string; mac_address: string; ips: string[]; device_owner: string; status: string }[];
  readonly bindings: readonly AgentRow[];
  /** The physical network no live agent maps, when the scheduler binds the network nowhere for that (absent: reachable, or no scheduler here). */
  readonly unreachable_physnet?: string;
  /** Its binding events (NetworkScheduled, NetworkUnscheduled), the latest 100, oldest first; absent in time travel. */
  readonly binding_history?: readonly EventJson[];
}

export interface LeaseRowJson {
  readonly ip_address: string;
  readonly mac_address: string;
  readonly hostname: string | null;
  readonly state: string;
  readonly expires_at: string | null;
  readonly updated_at: string;
}

export interface LeasePage {
  readonly leases: readonly LeaseRowJson[];
  /** Matching the search, over every page. */
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

/** One journaled event as the console shows it. */
export interface EventJson {
  readonly seq: number;
  readonly type: string;
  /** `lease/net-1/198.18.0.10`. */
  readonly aggregate: string;
  readonly network_id: string | null;
  readonly at: number;
  readonly id: string;
  readonly causation: string | null;
  readonly correlation: string | null;
  readonly data: unknown;
}

export interface LeaseTimeline {
  readonly network_id: string;
  readonly ip_address: string;
  readonly lease: LeaseRowJson | null;
  /** Every retained event of the lease's aggregate, oldest first. */
  readonly events: readonly EventJson[];
  /** Events of the lease's port (same MAC on the network), oldest first. */
  readonly port_events: readonly EventJson[];
  /** Why its last LeaseBound: the allocator's rule and the answering agent; null without one. */
  readonly why: LeaseExplanation | null;
}

/** A port: its addresses and DHCP options, its leases (same MAC on its network) and their events and its own as one timeline. */
export interface PortPage {
  readonly port: {
    readonly id: string;
    readonly name: string;
    readonly network_id: string;
    readonly mac_address: string;
    readonly fixed_ips: readonly { readonly subnet_id: string; readonly ip_address: string }[];
    readonly device_owner: string;
    readonly device_id: string;
    readonly dns_name: string;
    readonly status: string;
    readonly admin_state_up: boolean;
    readonly extra_dhcp_opts: readonly { readonly opt_name: string; readonly opt_value: string; readonly ip_version: number }[];
    readonly created_at: string | null;
    readonly updated_at: string | null;
  };
  readonly network: { readonly id: string; readonly name: string };
  /** The DHCP agents hosting its network. */
  readonly agents: readonly AgentRow[];
  readonly leases: readonly LeaseRowJson[];
  /** The port's events and its leases', oldest first (the latest 500). */
  readonly events: readonly EventJson[];
  /** Why its most recently bound lease has its address; null without one. */
  readonly why: (LeaseExplanation & { readonly ip_address: string }) | null;
}

/** As `leasehold why lease` derives them, from the agent's projection before the LeaseBound. */
export interface LeaseExplanation {
  /** The LeaseBound explained. */
  readonly seq: number;
  /** `pool`, `fixed`, `requested`, `previous`, `current`, `offered` or `unknown`, and the reasoning. */
  readonly rule: { readonly source: string; readonly text: string };
  readonly agent: { readonly id: string | null; readonly text: string };
}

/** A network as it was at a moment (replayed from the journal) and what changed since. */
export interface NetworkAt {
  /** The moment asked for, ms since the epoch. */
  readonly at: number;
  /** The last event folded (its `at` is at or before the moment); 0 when none was. */
  readonly seq: number;
  /** Events folded (after the snapshot, when one was the start). */
  readonly events: number;
  /** The API snapshot the replay started from (`api@812`), on a compacted journal; else null. */
  readonly snapshot: string | null;
  /** Null when the network did not exist then (or was deleted by then). */
  readonly then: NetworkPage | null;
  /** Its leases then, in address order (at most 500). */
  readonly leases: readonly LeaseRowJson[];
  /** The agents then, as the scheduler's fold of the same events judged them at the moment (`then.bindings` carry it too). */
  readonly agents: {
    /** Every agent alive then. */
    readonly alive: readonly string[];
    /** The physical network no live agent mapped then, when that left this network unreachable; else null. */
    readonly unreachable_physnet: string | null;
    /** What the fold started from: `history`, a scheduler snapshot (`scheduler@812`), or `retained events` (agents heard only before the compaction are not known). */
    readonly from: string;
  };
  readonly diff: {
    /** Leases now on addresses that had none then (or none that held). */
    readonly leasesAdded: readonly LeaseRowJson[];
    /** Leases then whose address holds none now. */
    readonly leasesGone: readonly LeaseRowJson[];
    /** Same address, another client or state. */
    readonly leasesChanged: readonly { readonly then: LeaseRowJson; readonly now: LeaseRowJson }[];
    readonly portsAdded: readonly string[];
    readonly portsGone: readonly string[];
  };
}

/** DHCP packets and DNS queries a second, sampled; null where this process has no such counter. */
export interface RateSeries {
  readonly interval_ms: number;
  readonly dhcp: readonly { at: number; per_second: number }[] | null;
  readonly dns: readonly { at: number; per_second: number }[] | null;
}

/** An agent: what agents.show says, the networks it serves, and its binding events. */
export interface AgentPage {
  readonly agent: AgentRow & {
    readonly version: string;
    readonly interface_mappings: Readonly<Record<string, string>>;
    readonly relay_interfaces: readonly string[];
    readonly ports: number;
    readonly report_interval_ms: number | null;
  };
  readonly networks: readonly { readonly id: string; readonly name: string }[];
  /** Its latest 100 NetworkScheduled/NetworkUnscheduled events, oldest first. */
  readonly binding_history: readonly EventJson[];
}
