/**
 * The maps an `AgentModel` folds into, to and from its snapshot
 * (model-snapshot.ts holds the layout and its check): `snapshotParts` takes
 * them as plain data, `rebuildParts` checks a snapshot and builds every map
 * from it before the model fills itself, so a bad snapshot leaves the model
 * empty.
 */
import { LEASE_TABLE_DEFAULTS, Lease6Table, LeaseTableSnapshotError, restoreTable, tableSnapshot, type LeaseTable } from '@leasehold/lease-actor';
import { formatIpv6, type PortState } from '@leasehold/protocol';
import { networkMachine, type AgentRecord, type NetworkSnapshot } from '@leasehold/resources';
import { AgentModelSnapshotError } from '../errors.js';
import {
  AGENT_MODEL_SNAPSHOT_KIND,
  AGENT_MODEL_SNAPSHOT_V,
  checkModelSnapshot,
  groupLeaseVersions,
  modelFingerprint,
  type AgentModelOptions,
  type AgentModelSnapshot,
} from './model-snapshot.js';

/** What the model's fold keeps, map by map, and its counters. */
export interface ModelParts {
  readonly options: AgentModelOptions;
  readonly position: number;
  readonly badEvents: number;
  readonly refusedLeaseEvents: number;
  readonly networks: ReadonlyMap<string, NetworkSnapshot>;
  readonly ports: ReadonlyMap<string, PortState>;
  readonly portsByNetwork: ReadonlyMap<string, ReadonlyMap<string, PortState>>;
  readonly portsByMac: ReadonlyMap<string, PortState>;
  readonly bindings: ReadonlyMap<string, ReadonlySet<string>>;
  readonly agents: ReadonlyMap<string, AgentRecord>;
  readonly tables: ReadonlyMap<string, LeaseTable>;
  readonly tables6: ReadonlyMap<string, Lease6Table>;
  readonly leaseVersions: ReadonlyMap<string, number>;
}

/**
 * The whole fold as plain data. Pure: copies what the fold mutates in place
 * (binding sets) and shares only values the fold replaces (agent records,
 * ports, network contexts, lease contexts), so it stays exact while the model
 * folds on.
 */
export function snapshotParts(parts: ModelParts): AgentModelSnapshot {
  return {
    v: AGENT_MODEL_SNAPSHOT_V,
    kind: AGENT_MODEL_SNAPSHOT_KIND,
    options: modelFingerprint(parts.options),
    position: parts.position,
    badEvents: parts.badEvents,
    refusedLeaseEvents: parts.refusedLeaseEvents,
    networks: [...parts.networks].map(([id, s]) => [id, s.value as 'absent' | 'active', s.context]),
    ports: [...parts.ports.values()],
    portsByNetwork: [...parts.portsByNetwork].map(([networkId, ports]) => [networkId, [...ports.keys()]]),
    portsByMac: [...parts.portsByMac].map(([key, port]) => [key, port.id]),
    bindings: [...parts.bindings].map(([networkId, agents]) => [networkId, [...agents]]),
    agents: [...parts.agents.values()].map((r) => [r.agentId, r.heartbeatAt, r.heartbeat ?? null, r.adminStateUp, r.deleted]),
    tables: [...parts.tables.values()].map(tableSnapshot),
    tables6: [...parts.tables6.values()].map((t) => t.snapshot(formatIpv6)),
    leaseVersions: groupLeaseVersions(parts.leaseVersions),
  };
}

/** A checked snapshot and the maps built from it that take more than a copy. */
export interface RebuiltParts {
  readonly snapshot: AgentModelSnapshot;
  readonly networks: readonly (readonly [string, NetworkSnapshot])[];
  readonly ports: ReadonlyMap<string, PortState>;
  readonly portsByNetwork: readonly (readonly [string, Map<string, PortState>])[];
  readonly portsByMac: readonly (readonly [string, PortState])[];
  readonly tables: readonly (readonly [string, LeaseTable])[];
  readonly tables6: readonly Lease6Table[];
}

/**
 * Checks a snapshot (as unpacked: `unknown`) taken under `options` and builds
 * the model's maps from it; throws `AgentModelSnapshotError` (`version`,
 * `options`, `not-a-snapshot`) on any problem. Pure.
 */
export function rebuildParts(value: unknown, options: AgentModelOptions): RebuiltParts {
  const s = checkModelSnapshot(value, options);
  const ports = new Map(s.ports.map((port) => [port.id, port]));
  const portOf = (id: string): PortState => {
    const port = ports.get(id);
    if (!port) throw new AgentModelSnapshotError('not-a-snapshot', `an index names port ${id}, which is not in the snapshot`);
    return port;
  };
  const portsByNetwork = s.portsByNetwork.map(([networkId, ids]) => [networkId, new Map(ids.map((id) => [id, portOf(id)]))] as const);
  const portsByMac = s.portsByMac.map(([key, id]) => [key, portOf(id)] as const);
  let tables: [string, LeaseTable][];
  try {
    tables = s.tables.map((t) => [t.networkId, restoreTable(t)]);
  } catch (cause) {
    if (cause instanceof LeaseTableSnapshotError) throw new AgentModelSnapshotError('not-a-snapshot', cause.message, { cause });
    throw cause;
  }
  let tables6: Lease6Table[];
  try {
    tables6 = (s.tables6 ?? []).map((t) => Lease6Table.restore(t, options.declineQuarantineMs ?? LEASE_TABLE_DEFAULTS.declineQuarantineMs));
  } catch (cause) {
    throw new AgentModelSnapshotError('not-a-snapshot', `an IPv6 lease table: ${(cause as Error).message}`, { cause });
  }
  const networks = s.networks.map(([id, state, context]) => [id, networkMachine.resolveState({ value: state, context })] as const);
  return { snapshot: s, networks, ports, portsByNetwork, portsByMac, tables, tables6 };
}
