/**
 * The shape of a synthetic history: a fixed live state (networks, ports,
 * dynamic leases, agents) and a history on top of it of the two things a
 * running system writes most, lease renewals and agent heartbeats, at their
 * real rates. A plan fixes where every event falls in time so the i-th event
 * can be computed on its own (`historyEvent`), which is what lets a writer
 * pipeline millions of them. Addresses come from 198.18.0.0/15 only
 * (RFC 2544's benchmarking range).
 */
import { randomBytes } from 'node:crypto';
import { cidrContains, formatIpv4, parseIpv4, type Ipv4 } from '@leasehold/protocol';

export interface HistoryShape {
  /** Networks, each with one /23 subnet. */
  readonly networks: number;
  /** Compute ports per network, created through the API (plus each network's DHCP port). */
  readonly portsPerNetwork: number;
  /** Dynamic leases in all, spread evenly over the networks (at most 255 per network). */
  readonly leases: number;
  /** The agents; network n is bound to agent n mod agents. */
  readonly agents: readonly string[];
  /** The agents' heartbeat interval (Neutron's report_interval). */
  readonly reportIntervalMs: number;
  /** The subnets' lease time; clients renew at T1, half of it. */
  readonly leaseSeconds: number;
  /** Where the networks' /23s start, inside 198.18.0.0/15. */
  readonly base: string;
}

/** Issue 17's live state: 2,000 ports on 20 networks, 5,000 dynamic leases, 3 agents heartbeating every 30 s, one-hour leases. */
export const DEFAULT_SHAPE: HistoryShape = {
  networks: 20,
  portsPerNetwork: 100,
  leases: 5_000,
  agents: ['lh-agent-1', 'lh-agent-2', 'lh-agent-3'],
  reportIntervalMs: 30_000,
  leaseSeconds: 3_600,
  base: '198.18.0.0',
};

const BENCH_RANGE = { address: parseIpv4('198.18.0.0'), prefix: 15 };
/** Each network's block: a /23, ports from .2, dynamic clients in the upper /24. */
const NETWORK_SIZE = 512;
const PORT_POOL = { first: 2, last: 250 };
const DYNAMIC_POOL = { first: 257, last: 510 };

/** One kind of slot in a cycle: a lease renewal (index = lease) or a heartbeat (index = agent). */
const RENEWAL = 0;
const HEARTBEAT = 1;

export interface HistoryPlan {
  readonly shape: HistoryShape;
  /** History events (renewals and heartbeats) after the live state. */
  readonly events: number;
  /** The renewal period (T1): every lease renews once per cycle. */
  readonly cycleMs: number;
  /** When the first cycle starts; the live state's leases were bound one cycle before. */
  readonly t0: number;
  /** The cycle's events in time order: kind, index, offset from the cycle's start. */
  readonly slots: { readonly kind: Uint8Array; readonly index: Uint32Array; readonly offset: Float64Array };
  /** Prefix of the event ids (a fresh one per plan: ids are JetStream's de-duplication keys). */
  readonly idPrefix: string;
}

/** A plan for `events` history events ending at `endAt`. Pure but for the random id prefix (pass `idPrefix` to fix it). */
export function historyPlan(shape: HistoryShape, options: { events: number; endAt: number; idPrefix?: string }): HistoryPlan {
  checkShape(shape);
  const cycleMs = (shape.leaseSeconds * 1000) / 2;
  const beatsPerAgent = Math.max(1, Math.round(cycleMs / shape.reportIntervalMs));
  const agents = shape.agents.length;
  const entries: { kind: number; index: number; offset: number }[] = [];
  for (let k = 0; k < shape.leases; k++) entries.push({ kind: RENEWAL, index: k, offset: (k * cycleMs) / shape.leases });
  for (let j = 0; j < beatsPerAgent; j++) {
    for (let a = 0; a < agents; a++) entries.push({ kind: HEARTBEAT, index: a, offset: (j + a / agents) * (cycleMs / beatsPerAgent) });
  }
  entries.sort((x, y) => x.offset - y.offset || x.kind - y.kind || x.index - y.index);
  const slots = { kind: new Uint8Array(entries.length), index: new Uint32Array(entries.length), offset: new Float64Array(entries.length) };
  entries.forEach((e, i) => ((slots.kind[i] = e.kind), (slots.index[i] = e.index), (slots.offset[i] = e.offset)));
  const cycles = Math.max(1, Math.ceil(options.events / entries.length));
  return {
    shape,
    events: options.events,
    cycleMs,
    t0: Math.floor(options.endAt - cycles * cycleMs),
    slots,
    idPrefix: options.idPrefix ?? randomBytes(4).toString('hex'),
  };
}

/** A UUID-shaped event id (as long as `randomUUID()`'s, so events are the real size), unique within the plan. Pure. */
export function eventId(plan: HistoryPlan, serial: number): string {
  const hex = serial.toString(16).padStart(12, '0');
  return `${plan.idPrefix}-0000-4000-8000-${hex}`;
}

export interface NetworkAddresses {
  readonly cidr: string;
  readonly gateway: string;
  readonly portPool: { readonly start: string; readonly end: string };
  readonly dynamicPool: { readonly start: string; readonly end: string };
}

/** Network n's /23 and pools. Pure. */
export function networkAddresses(shape: HistoryShape, n: number): NetworkAddresses {
  const first = parseIpv4(shape.base) + n * NETWORK_SIZE;
  const at = (offset: number) => formatIpv4(first + offset);
  return {
    cidr: `${at(0)}/23`,
    gateway: at(1),
    portPool: { start: at(PORT_POOL.first), end: at(PORT_POOL.last) },
    dynamicPool: { start: at(DYNAMIC_POOL.first), end: at(DYNAMIC_POOL.last) },
  };
}

/** A dynamic client of the live state: its network (by index), address, MAC and host name. Pure. */
export interface LeaseClient {
  readonly network: number;
  readonly ip: Ipv4;
  readonly mac: string;
  readonly hostname: string;
}

/** Lease k's client. Pure. */
export function leaseClient(shape: HistoryShape, k: number): LeaseClient {
  const network = k % shape.networks;
  const slot = Math.floor(k / shape.networks);
  const ip = parseIpv4(shape.base) + network * NETWORK_SIZE + DYNAMIC_POOL.first + slot;
  const bytes = [0x02, 0x4c, 0x48, (k >>> 16) & 255, (k >>> 8) & 255, k & 255];
  return { network, ip, mac: bytes.map((b) => b.toString(16).padStart(2, '0')).join(':'), hostname: `client-${k}` };
}

/** The agent that serves network n. Pure. */
export function agentOfNetwork(shape: HistoryShape, n: number): string {
  return shape.agents[n % shape.agents.length]!;
}

/** The i-th history event's slot: what it is and when. Pure. */
export function slotOf(plan: HistoryPlan, i: number): { kind: 'renewal' | 'heartbeat'; index: number; at: number } {
  const perCycle = plan.slots.kind.length;
  const cycle = Math.floor(i / perCycle);
  const s = i % perCycle;
  return {
    kind: plan.slots.kind[s] === RENEWAL ? 'renewal' : 'heartbeat',
    index: plan.slots.index[s]!,
    at: Math.floor(plan.t0 + cycle * plan.cycleMs + plan.slots.offset[s]!),
  };
}

function checkShape(shape: HistoryShape): void {
  const perNetwork = Math.ceil(shape.leases / shape.networks);
  if (perNetwork > DYNAMIC_POOL.last - DYNAMIC_POOL.first + 1) throw new RangeError(`${perNetwork} leases per network do not fit a dynamic pool of ${DYNAMIC_POOL.last - DYNAMIC_POOL.first + 1}`);
  if (shape.portsPerNetwork + 1 > PORT_POOL.last - PORT_POOL.first + 1) throw new RangeError(`${shape.portsPerNetwork} ports per network do not fit a port pool of ${PORT_POOL.last - PORT_POOL.first + 1}`);
  if (shape.agents.length === 0) throw new RangeError('a history needs at least one agent');
  const first = parseIpv4(shape.base);
  const last = first + shape.networks * NETWORK_SIZE - 1;
  if (!cidrContains(BENCH_RANGE, first) || !cidrContains(BENCH_RANGE, last) || first % NETWORK_SIZE !== 0) {
    throw new RangeError(`the networks ${shape.base} + ${shape.networks} x /23 must be /23-aligned inside 198.18.0.0/15`);
  }
}
