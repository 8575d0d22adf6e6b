/**
 * The read model's snapshot: its whole fold state as plain data (arrays,
 * tuples and records, no Map or class), so a process can store it with
 * protocol's `pack`, restore it at start and fold only the events after
 * `position`. Derived indexes (ports by network, network of a subnet) are
 * not stored: restore rebuilds them from the state they index.
 *
 * The fold has no options (agent liveness and lease expiry are judged at
 * read time from the clock), so the snapshot carries no fingerprint of one.
 * Bump `READ_MODEL_SNAPSHOT_V` whenever this layout, what a fold keeps, or
 * the network machine's states change: an older snapshot is then refused,
 * never misread.
 */
import { MAX_EVENT_TIME, canonicalIpv6, checkEventData, isIpv4, type Ipv4, type PortState, type Subnet6State, type SubnetState } from '@leasehold/protocol';
import { claimOf, networkMachine, type NetworkContext } from '@leasehold/resources';
import { ReadModelSnapshotError, ReadModelSnapshotVersionError } from '../errors.js';
import type { AgentRow, AgentsReadModel, BindingRow, LeaseRow, LeaseState } from './agents.js';
import type { Lease6Row } from './lease6-rows.js';
import type { ReadModel } from './read-model.js';

/**
 * 2: a network's context holds its IPv6 subnets (`subnets6`). 3: `times`
 * (created_at and updated_at). 4: `leases6` (DHCPv6 leases; a v3 snapshot
 * lacks the lease6 events it folded past, so it is refused, not read).
 */
export const READ_MODEL_SNAPSHOT_V = 4;
/** Tells the API's snapshot from another projection's (the agent's, the scheduler's). */
export const READ_MODEL_SNAPSHOT_KIND = 'api-read-model';

/** [network id, version, state of the network machine, its context]: live, absent and deleted networks alike. */
export type NetworkEntry = readonly [id: string, version: number, state: 'absent' | 'active' | 'deleted', context: NetworkContext];
export type PortEntry = readonly [id: string, version: number, port: PortState];
/** [network, subnet or port id, created at, last changed at] (ms), of every live one. */
export type TimesEntry = readonly [id: string, createdAt: number, updatedAt: number];
/**
 * One claim subject: its last sequence, and its live owner if any. Three
 * shapes: `[subject, version]` released, `[subject, version, portId]` a live
 * MAC claim (or, on a segment subject, `[subject, version, networkId]` a live
 * segment claim), `[subject, version, portId, subnetId]` a live address claim.
 */
export type ClaimEntry =
  | readonly [subject: string, version: number]
  | readonly [subject: string, version: number, portId: string]
  | readonly [subject: string, version: number, portId: string, subnetId: string];
/** [network id, version of its binding subject, bindings in fold order]. */
export type BindingEntry = readonly [networkId: string, version: number, bindings: readonly BindingRow[]];
/** A lease row without its network id (the group has it); absent optional fields as null, the state as its index in `LEASE_STATES`. */
export type LeaseEntry = readonly [
  ip: Ipv4,
  mac: string,
  clientId: string | null,
  hostname: string | null,
  state: number,
  expiresAt: number | null,
  updatedAt: number,
  version: number,
];

/** An IPv6 lease row without its network id: its RFC 5952 address first, absent optional fields as null, the state as in `LeaseEntry`. */
export type Lease6Entry = readonly [
  ip: string,
  duid: string | null,
  iaid: number | null,
  mac: string,
  hostname: string | null,
  state: number,
  expiresAt: number | null,
  updatedAt: number,
  version: number,
];

export interface ReadModelSnapshot {
  readonly v: typeof READ_MODEL_SNAPSHOT_V;
  readonly kind: typeof READ_MODEL_SNAPSHOT_KIND;
  /** The last stream sequence folded (or skipped as undecodable): the projection resumes at `position + 1`. */
  readonly position: number;
  readonly networks: readonly NetworkEntry[];
  readonly ports: readonly PortEntry[];
  readonly times: readonly TimesEntry[];
  readonly claims: readonly ClaimEntry[];
  readonly agents: readonly AgentRow[];
  readonly bindings: readonly BindingEntry[];
  readonly leases: readonly (readonly [networkId: string, leases: readonly LeaseEntry[]])[];
  readonly leases6: readonly (readonly [networkId: string, leases: readonly Lease6Entry[]])[];
}

const LEASE_STATES: readonly LeaseState[] = ['bound', 'released', 'expired', 'declined'];
const LEASE_STATE_INDEX = new Map(LEASE_STATES.map((s, i) => [s, i]));

/**
 * The model's state as a snapshot. Pure: reads the model; shares with it only
 * values the fold never mutates (ports, network contexts, bindings), so the
 * snapshot stays exact while the model folds on.
 */
export function takeSnapshot(model: ReadModel, position: number): ReadModelSnapshot {
  const networks: NetworkEntry[] = [];
  for (const [id, { value, version }] of model.networks) networks.push([id, version, value.value as NetworkEntry[2], value.context]);
  const ports: PortEntry[] = [];
  for (const [id, { value, version }] of model.ports) ports.push([id, version, value]);
  const claims: ClaimEntry[] = [];
  for (const [subject, version] of model.claimVersions) {
    const ip = model.ipClaims.get(subject);
    const owner = ip === undefined ? (model.macClaims.get(subject) ?? model.segmentClaims.get(subject)) : undefined;
    claims.push(ip !== undefined ? [subject, version, ip.portId, ip.subnetId] : owner !== undefined ? [subject, version, owner] : [subject, version]);
  }
  const times: TimesEntry[] = [];
  for (const [id, t] of model.times) times.push([id, t.createdAt, t.updatedAt]);
  return { v: READ_MODEL_SNAPSHOT_V, kind: READ_MODEL_SNAPSHOT_KIND, position, networks, ports, times, claims, ...fleetSnapshot(model.fleet) };
}

function fleetSnapshot(fleet: AgentsReadModel): Pick<ReadModelSnapshot, 'agents' | 'bindings' | 'leases' | 'leases6'> {
  // Agent rows are updated in place by the fold: copy them.
  const agents = [...fleet.agents.values()].map((row) => ({ ...row }));
  const bindings: BindingEntry[] = [];
  for (const [networkId, rows] of fleet.bindings) bindings.push([networkId, fleet.bindingVersions.get(networkId) ?? 0, [...rows.values()]]);
  const leases: [string, LeaseEntry[]][] = [];
  for (const [networkId, byIp] of fleet.leases) {
    const rows: LeaseEntry[] = [];
    for (const l of byIp.values()) {
      rows.push([l.ip, l.mac, l.clientId ?? null, l.hostname ?? null, LEASE_STATE_INDEX.get(l.state)!, l.expiresAt ?? null, l.updatedAt, l.version]);
    }
    leases.push([networkId, rows]);
  }
  const leases6: [string, Lease6Entry[]][] = [];
  for (const [networkId, byIp] of fleet.leases6) {
    const rows: Lease6Entry[] = [];
    for (const l of byIp.values()) {
      rows.push([l.ip, l.duid ?? null, l.iaid ?? null, l.mac, l.hostname ?? null, LEASE_STATE_INDEX.get(l.state)!, l.expiresAt ?? null, l.updatedAt, l.version]);
    }
    leases6.push([networkId, rows]);
  }
  return { agents, bindings, leases, leases6 };
}

/**
 * Checks that `value` is a snapshot this build reads. Throws
 * `ReadModelSnapshotVersionError` for another schema version and
 * `ReadModelSnapshotError` for anything else not shaped like one. Pure.
 */
export function checkSnapshot(value: unknown): ReadModelSnapshot {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ReadModelSnapshotError('read-model snapshot is not a map');
  const s = value as Record<string, unknown>;
  if (s.kind !== READ_MODEL_SNAPSHOT_KIND) throw new ReadModelSnapshotError(`not a read-model snapshot (kind ${JSON.stringify(s.kind)})`);
  if (s.v !== READ_MODEL_SNAPSHOT_V) throw new ReadModelSnapshotVersionError(s.v, READ_MODEL_SNAPSHOT_V);
  if (!Number.isSafeInteger(s.position) || (s.position as number) < 0) throw new ReadModelSnapshotError('read-model snapshot: field "position" is not a sequence');
  for (const field of ['networks', 'ports', 'times', 'claims', 'agents', 'bindings', 'leases', 'leases6'] as const) {
    if (!Array.isArray(s[field])) throw new ReadModelSnapshotError(`read-model snapshot: field "${field}" is not an array`);
  }
  checkEntries(value as ReadModelSnapshot);
  return value as ReadModelSnapshot;
}

/**
 * Every entry holds what the fold would (protocol's validators for networks,
 * subnets, ports and heartbeats; sequences, times and addresses in range), so
 * a restored model can no more make a read throw than the events can: a
 * snapshot is stored data too. Throws `ReadModelSnapshotError` naming the
 * first entry that does not.
 */
function checkEntries(s: ReadModelSnapshot): void {
  const fail = (what: string, detail: string): never => {
    throw new ReadModelSnapshotError(`read-model snapshot: ${what}: ${detail}`);
  };
  const isSeq = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  const isTime = (v: unknown) => typeof v === 'number' && Math.abs(v) <= MAX_EVENT_TIME;
  const isText = (v: unknown) => typeof v === 'string';
  const tuple = (entry: unknown, length: number, what: string) => {
    if (!Array.isArray(entry) || entry.length < length) fail(what, `not a tuple of ${length}`);
    return entry as unknown[];
  };
  const valid = (what: string, problem: string | undefined) => {
    if (problem !== undefined) fail(what, problem);
  };
  for (const entry of s.networks) {
    const [id, version, state, context] = tuple(entry, 4, 'a network');
    const what = `network ${String(id)}`;
    if (!isText(id) || !isSeq(version) || !['absent', 'active', 'deleted'].includes(state as string)) fail(what, 'id, version or state');
    const c = context as Partial<NetworkContext> | null;
    if (c === null || typeof c !== 'object' || c.subnets === null || typeof c.subnets !== 'object' || c.subnets6 === null || typeof c.subnets6 !== 'object') {
      fail(what, 'its context is not a map with subnets and subnets6');
    }
    if (c!.network !== null) valid(what, checkEventData('NetworkCreated', 1, { network: c!.network }));
    else if (state === 'active') fail(what, 'active without a network');
    for (const [key, subnet] of Object.entries(c!.subnets!)) {
      valid(`${what}, subnet ${key}`, checkEventData('SubnetCreated', 1, { subnet }));
      if (subnet.id !== key) fail(`${what}, subnet ${key}`, `its id is ${subnet.id}`);
    }
    for (const [key, subnet] of Object.entries(c!.subnets6!)) {
      valid(`${what}, subnet ${key}`, checkEventData('Subnet6Created', 1, { subnet }));
      if (subnet.id !== key) fail(`${what}, subnet ${key}`, `its id is ${subnet.id}`);
    }
  }
  for (const entry of s.ports) {
    const [id, version, port] = tuple(entry, 3, 'a port');
    if (!isText(id) || !isSeq(version)) fail(`port ${String(id)}`, 'id or version');
    valid(`port ${String(id)}`, checkEventData('PortCreated', 1, { port }));
    if ((port as PortState).id !== id) fail(`port ${String(id)}`, `its id is ${(port as PortState).id}`);
  }
  for (const entry of s.times) {
    const [id, createdAt, updatedAt] = tuple(entry, 3, 'a times entry');
    if (!isText(id) || !isTime(createdAt) || !isTime(updatedAt)) fail(`times of ${String(id)}`, 'id or times');
  }
  for (const entry of s.claims) {
    const [subject, version, ...owner] = tuple(entry, 2, 'a claim');
    if (!isText(subject) || !isSeq(version) || owner.length > 2 || !owner.every(isText)) fail(`claim ${String(subject)}`, 'subject, version or owner');
  }
  for (const row of s.agents as unknown as Record<string, unknown>[]) {
    const what = `agent ${String(row?.agentId)}`;
    if (row === null || typeof row !== 'object' || !isText(row.agentId) || !isTime(row.heartbeatAt) || !isSeq(row.version)) fail(what, 'id, heartbeat time or version');
    if (typeof row.adminStateUp !== 'boolean' || typeof row.deleted !== 'boolean') fail(what, 'admin state or deleted');
    if (row.heartbeat !== undefined && row.heartbeat !== null) valid(what, checkEventData('AgentHeartbeat', 1, row.heartbeat));
  }
  for (const entry of s.bindings) {
    const [networkId, version, rows] = tuple(entry, 3, 'a binding group');
    if (!isText(networkId) || !isSeq(version) || !Array.isArray(rows)) fail(`bindings of ${String(networkId)}`, 'network, version or rows');
    for (const b of rows as Partial<BindingRow>[]) {
      if (b === null || typeof b !== 'object' || !isText(b.agentId) || !isText(b.reason) || !isTime(b.at)) fail(`bindings of ${String(networkId)}`, 'a row');
    }
  }
  for (const group of s.leases) {
    const [networkId, rows] = tuple(group, 2, 'a lease group');
    if (!isText(networkId) || !Array.isArray(rows)) fail(`leases of ${String(networkId)}`, 'network or rows');
    for (const row of rows as unknown[]) {
      const [ip, mac, clientId, hostname, state, expiresAt, updatedAt, version] = tuple(row, 8, `a lease of ${String(networkId)}`);
      const ok =
        isIpv4(ip) &&
        isText(mac) &&
        (clientId === null || isText(clientId)) &&
        (hostname === null || isText(hostname)) &&
        Number.isInteger(state) &&
        (state as number) >= 0 &&
        (state as number) < LEASE_STATES.length &&
        (expiresAt === null || isTime(expiresAt)) &&
        isTime(updatedAt) &&
        isSeq(version);
      if (!ok) fail(`leases of ${String(networkId)}`, `the row of ${isIpv4(ip) ? ip : String(ip)}`);
    }
  }
  const isState = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < LEASE_STATES.length;
  for (const group of s.leases6) {
    const [networkId, rows] = tuple(group, 2, 'an IPv6 lease group');
    if (!isText(networkId) || !Array.isArray(rows)) fail(`IPv6 leases of ${String(networkId)}`, 'network or rows');
    for (const row of rows as unknown[]) {
      const [ip, duid, iaid, mac, hostname, state, expiresAt, updatedAt, version] = tuple(row, 9, `an IPv6 lease of ${String(networkId)}`);
      const ok =
        // The address is the key and the subject's token: only its RFC 5952 text.
        isText(ip) &&
        canonicalIpv6(ip as string) === ip &&
        (duid === null || isText(duid)) &&
        (iaid === null || (Number.isInteger(iaid) && (iaid as number) >= 0 && (iaid as number) <= 0xffff_ffff)) &&
        isText(mac) &&
        (hostname === null || isText(hostname)) &&
        isState(state) &&
        (expiresAt === null || isTime(expiresAt)) &&
        isTime(updatedAt) &&
        isSeq(version);
      if (!ok) fail(`IPv6 leases of ${String(networkId)}`, `the row of ${String(ip)}`);
    }
  }
}

/**
 * Fills an empty model with a checked snapshot's state and rebuilds the
 * indexes derived from it. Leaves `position` to the caller.
 */
export function fillModel(model: ReadModel, s: ReadModelSnapshot): void {
  for (const [id, version, state, context] of s.networks) {
    model.networks.set(id, { value: networkMachine.resolveState({ value: state, context }), version });
    for (const subnet of [...Object.values<SubnetState>(context.subnets), ...Object.values<Subnet6State>(context.subnets6)]) model.networkOfSubnet.set(subnet.id, id);
  }
  for (const [id, version, port] of s.ports) {
    model.ports.set(id, { value: port, version });
    indexPort(model, port.networkId, id);
  }
  for (const [id, createdAt, updatedAt] of s.times) model.times.set(id, { createdAt, updatedAt });
  for (const claim of s.claims) {
    const [subject, version, portId, subnetId] = claim as readonly [string, number, string?, string?];
    model.claimVersions.set(subject, version);
    if (subnetId !== undefined) model.ipClaims.set(subject, { portId: portId!, subnetId });
    else if (portId !== undefined) (claimOf(subject)?.kind === 'segment' ? model.segmentClaims : model.macClaims).set(subject, portId);
  }
  fillFleet(model.fleet, s);
}

function indexPort(model: ReadModel, networkId: string, portId: string): void {
  let set = model.portsByNetwork.get(networkId);
  if (!set) model.portsByNetwork.set(networkId, (set = new Set()));
  set.add(portId);
}

function fillFleet(fleet: AgentsReadModel, s: ReadModelSnapshot): void {
  for (const row of s.agents) fleet.agents.set(row.agentId, { ...row });
  for (const [networkId, version, rows] of s.bindings) {
    fleet.bindings.set(networkId, new Map(rows.map((b) => [b.agentId, b])));
    fleet.bindingVersions.set(networkId, version);
  }
  for (const [networkId, rows] of s.leases) {
    const byIp = new Map<Ipv4, LeaseRow>();
    for (const [ip, mac, clientId, hostname, state, expiresAt, updatedAt, version] of rows) {
      byIp.set(ip, {
        networkId,
        ip,
        mac,
        clientId: clientId ?? undefined,
        hostname: hostname ?? undefined,
        state: LEASE_STATES[state]!,
        expiresAt: expiresAt ?? undefined,
        updatedAt,
        version,
      });
    }
    fleet.leases.set(networkId, byIp);
  }
  for (const [networkId, rows] of s.leases6) {
    const byIp = new Map<string, Lease6Row>();
    for (const [ip, duid, iaid, mac, hostname, state, expiresAt, updatedAt, version] of rows) {
      byIp.set(ip, {
        networkId,
        ip,
        duid: duid ?? undefined,
        iaid: iaid ?? undefined,
        mac,
        hostname: hostname ?? undefined,
        state: LEASE_STATES[state]!,
        expiresAt: expiresAt ?? undefined,
        updatedAt,
        version,
      });
    }
    fleet.leases6.set(networkId, byIp);
  }
}
