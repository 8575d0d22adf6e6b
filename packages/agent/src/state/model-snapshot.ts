/**
 * The agent model's snapshot: its whole fold as plain data (arrays, tuples and
 * records), so the agent can store it with protocol's `pack`, restore it at
 * start and fold only the events after `position`. Everything the fold keeps is
 * in it, indexes included (ports by network and by MAC are lists of port ids
 * in the model's own order), so a restored model is the one the fold built,
 * not a rebuilt approximation. Offers are not in it (they live in memory only;
 * see lease-actor's table-snapshot.ts).
 *
 * The fold depends on two options, `offerTtlMs` and `declineQuarantineMs` (the
 * lease tables keep them), so a snapshot carries them as its fingerprint and
 * one taken under others is refused. Bump `AGENT_MODEL_SNAPSHOT_V` whenever
 * this layout, what the fold keeps, or the network machine's states change.
 */
import { LEASE_TABLE_DEFAULTS, LEASE_TABLE_SNAPSHOT_V, snapshotHostnames, type Lease6TableSnapshot, type LeaseTableSnapshot } from '@leasehold/lease-actor';
import type { AgentHeartbeatData, Ipv4, PortState } from '@leasehold/protocol';
import type { NetworkContext } from '@leasehold/resources';
import { AgentModelSnapshotError } from '../errors.js';

/** 2: a network's context holds its IPv6 subnets (`subnets6`). */
export const AGENT_MODEL_SNAPSHOT_V = 2;
/** Tells the agent's snapshot from another projection's (the API's, the scheduler's). */
export const AGENT_MODEL_SNAPSHOT_KIND = 'agent-model';

/** The options that change the agent's fold. */
export interface AgentModelOptions {
  readonly offerTtlMs?: number;
  readonly declineQuarantineMs?: number;
}

/** [network id, state of the network machine, its context]. Deleted networks are not kept. */
export type NetworkEntry = readonly [id: string, state: 'absent' | 'active', context: NetworkContext];
/** [agent id, last heartbeat time, last heartbeat data (null before the first), admin state up, deleted]. */
export type AgentEntry = readonly [agentId: string, heartbeatAt: number, data: AgentHeartbeatData | null, adminStateUp: boolean, deleted: boolean];
/**
 * Lease subjects and the sequence of their last event, grouped by everything
 * before the subject's last token (`lh.evt.lease.<network>.`), which takes a
 * third of the bytes of full subjects, the tokens and sequences side by side.
 */
export type LeaseVersionGroup = readonly [prefix: string, tokens: readonly string[], seqs: readonly number[]];

export interface AgentModelSnapshot {
  readonly v: typeof AGENT_MODEL_SNAPSHOT_V;
  readonly kind: typeof AGENT_MODEL_SNAPSHOT_KIND;
  /** `modelFingerprint` of the options the fold ran with. */
  readonly options: string;
  /** The last stream sequence folded: the projection resumes at `position + 1`. */
  readonly position: number;
  readonly badEvents: number;
  readonly refusedLeaseEvents: number;
  readonly networks: readonly NetworkEntry[];
  /** Every port, in the model's order. */
  readonly ports: readonly PortState[];
  /** [network id, its ports' ids in the model's order]. */
  readonly portsByNetwork: readonly (readonly [networkId: string, portIds: readonly string[]])[];
  /** ["<network id>/<mac>", port id]. */
  readonly portsByMac: readonly (readonly [key: string, portId: string])[];
  /** [network id, the agents bound to it, in binding order]. */
  readonly bindings: readonly (readonly [networkId: string, agentIds: readonly string[]])[];
  readonly agents: readonly AgentEntry[];
  /** One per network that has a lease table. */
  readonly tables: readonly LeaseTableSnapshot[];
  /** One per network with IPv6 leases; absent from snapshots taken before DHCPv6 (which had none). */
  readonly tables6?: readonly Lease6TableSnapshot[];
  readonly leaseVersions: readonly LeaseVersionGroup[];
}

/** The options the fold depends on, defaults filled in, as a snapshot's fingerprint. Pure. */
export function modelFingerprint(options: AgentModelOptions): string {
  const offerTtlMs = options.offerTtlMs ?? LEASE_TABLE_DEFAULTS.offerTtlMs;
  const declineQuarantineMs = options.declineQuarantineMs ?? LEASE_TABLE_DEFAULTS.declineQuarantineMs;
  return `offerTtlMs=${offerTtlMs};declineQuarantineMs=${declineQuarantineMs}`;
}

/** Lease versions grouped by subject prefix (see LeaseVersionGroup). Pure. */
export function groupLeaseVersions(versions: ReadonlyMap<string, number>): LeaseVersionGroup[] {
  const groups = new Map<string, [string, string[], number[]]>();
  for (const [subject, seq] of versions) {
    const dot = subject.lastIndexOf('.');
    const prefix = subject.slice(0, dot + 1);
    let group = groups.get(prefix);
    if (!group) groups.set(prefix, (group = [prefix, [], []]));
    group[1].push(subject.slice(dot + 1));
    group[2].push(seq);
  }
  return [...groups.values()];
}

/**
 * Checks that `value` is a snapshot this build can restore under `options`.
 * Throws `AgentModelSnapshotError` with problem `version` for another schema
 * version (the model's or a lease table's), `options` for another fingerprint,
 * `not-a-snapshot` for anything else not shaped like one. Pure.
 */
export function checkModelSnapshot(value: unknown, options: AgentModelOptions): AgentModelSnapshot {
  const fail = (detail: string, problem: 'not-a-snapshot' | 'version' | 'options' = 'not-a-snapshot'): never => {
    throw new AgentModelSnapshotError(problem, detail);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('not a map');
  const s = value as Record<string, unknown>;
  if (s.kind !== AGENT_MODEL_SNAPSHOT_KIND) fail(`not an agent-model snapshot (kind ${JSON.stringify(s.kind)})`);
  if (s.v !== AGENT_MODEL_SNAPSHOT_V) fail(`schema version ${String(s.v)}, this build reads ${AGENT_MODEL_SNAPSHOT_V}`, 'version');
  const expected = modelFingerprint(options);
  if (s.options !== expected) fail(`taken with ${String(s.options)}, this agent runs with ${expected}`, 'options');
  for (const field of ['position', 'badEvents', 'refusedLeaseEvents'] as const) {
    if (!Number.isSafeInteger(s[field]) || (s[field] as number) < 0) fail(`field "${field}" is not a count`);
  }
  const tuples = (field: string, check: (entry: readonly unknown[]) => boolean) => {
    const list = s[field];
    if (!Array.isArray(list)) fail(`field "${field}" is not an array`);
    (list as unknown[]).forEach((entry, i) => {
      if (!Array.isArray(entry) || !check(entry)) fail(`${field} entry ${i} is malformed`);
    });
  };
  const isString = (x: unknown) => typeof x === 'string';
  const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object';
  const isStrings = (x: unknown) => Array.isArray(x) && x.every(isString);
  tuples('networks', ([id, state, context]) => isString(id) && (state === 'absent' || state === 'active') && isObject(context) && isObject(context.subnets) && isObject(context.subnets6));
  tuples('portsByNetwork', ([id, ports]) => isString(id) && isStrings(ports));
  tuples('portsByMac', ([key, port]) => isString(key) && isString(port));
  tuples('bindings', ([id, agents]) => isString(id) && isStrings(agents));
  tuples('agents', ([id, at, data, up, deleted]) => isString(id) && typeof at === 'number' && (data === null || isObject(data)) && typeof up === 'boolean' && typeof deleted === 'boolean');
  tuples('leaseVersions', ([prefix, tokens, seqs]) =>
    isString(prefix) && isStrings(tokens) && Array.isArray(seqs) && seqs.length === (tokens as unknown[]).length && seqs.every(Number.isSafeInteger),
  );
  if (!Array.isArray(s.ports) || !s.ports.every((p) => isObject(p) && isString(p.id) && isString(p.networkId))) fail('field "ports" is not a list of ports');
  if (!Array.isArray(s.tables)) fail('field "tables" is not an array');
  if (s.tables6 !== undefined && !(Array.isArray(s.tables6) && s.tables6.every((t) => isObject(t) && isString(t.networkId) && Array.isArray(t.leases) && Array.isArray(t.declined)))) {
    fail('field "tables6" is not a list of IPv6 lease tables');
  }
  for (const table of s.tables as unknown[]) {
    const v = isObject(table) ? (table as { v?: unknown }).v : undefined;
    if (v !== LEASE_TABLE_SNAPSHOT_V) fail(`a lease table of schema version ${String(v)}, this build reads ${LEASE_TABLE_SNAPSHOT_V}`, 'version');
  }
  return value as AgentModelSnapshot;
}

/**
 * The host names of the bound leases in a snapshot, by network and address:
 * what the agent's 'lease' change listener would have built by folding the
 * same events, for every network with a lease table (lease events folded while
 * a network had no table, i.e. was not served, are not in it). Pure.
 */
export function leaseHostnames(snapshot: AgentModelSnapshot): Map<string, Map<Ipv4, string>> {
  const out = new Map<string, Map<Ipv4, string>>();
  for (const table of snapshot.tables) out.set(table.networkId, snapshotHostnames(table));
  return out;
}
