/**
 * The API's read model: a fold of every resource event, kept in memory and
 * fed by a journal projection. Commands read aggregate state and versions
 * from here; after an append, a handler waits until the model has folded its
 * own events before answering (read-your-writes).
 */
import type { StoredEvent } from '@leasehold/journal';
import type { ClaimEventData, Ipv4, PortState } from '@leasehold/protocol';
import {
  DHCP_DEVICE_OWNER,
  applyNetworkEvent,
  applyPortEvent,
  claimOf,
  eventSubjectParts,
  fromNetworkEnvelope,
  fromPortEnvelope,
  initialNetwork,
  ipClaimSubject,
  macClaimSubject,
  networkIdOf,
  portIdOf,
  subnet6In,
  subnetIn,
  type NetworkEvent,
  type NetworkSnapshot,
  type PortEvent,
} from '@leasehold/resources';
import type { ResourceTimes } from '../attributes.js';
import { DEFAULT_PROJECT_ID, type ProjectUsage } from '../quota.js';
import { AgentsReadModel } from './agents.js';
import { AgentReadiness } from './readiness.js';
import { checkSnapshot, fillModel, takeSnapshot, type ReadModelSnapshot } from './snapshot.js';

export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

export interface IpClaim {
  readonly portId: string;
  readonly subnetId: string;
}

export class ReadModel {
  readonly networks = new Map<string, Versioned<NetworkSnapshot>>();
  readonly ports = new Map<string, Versioned<PortState>>();
  /** Live address claims by ipam subject. */
  readonly ipClaims = new Map<string, IpClaim>();
  /** Live MAC claims by mac subject → port id. */
  readonly macClaims = new Map<string, string>();
  /** Live segment claims by segment subject → network id (one network per segment). */
  readonly segmentClaims = new Map<string, string>();
  /** Last sequence of every claim subject, live or released: the expected version of the next claim. */
  readonly claimVersions = new Map<string, number>();
  readonly portsByNetwork = new Map<string, Set<string>>();
  readonly networkOfSubnet = new Map<string, string>();
  /** When each live network, subnet and port was created and last changed (its events' `at`): Neutron's created_at and updated_at. */
  readonly times = new Map<string, ResourceTimes>();
  /** Agents, bindings and leases. */
  readonly fleet = new AgentsReadModel();
  /** What each agent says it has folded and serves (not folded from the journal, not snapshotted): ports' status. */
  readonly readiness = new AgentReadiness();
  /** What each project holds, for quotas: active networks, their subnets, ports other than DHCP ports. */
  private readonly usageByProject = new Map<string, ProjectUsage>();
  /** The project each counted port was counted against, so it is uncounted from the same one. */
  private readonly countedPorts = new Map<string, string>();
  private position = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];

  /** Folds one stored event. Never throws on an event it does not know (other projections own those). */
  apply(stored: StoredEvent): void {
    const { event, subject, seq } = stored;
    switch (event.type) {
      case 'NetworkCreated':
      case 'NetworkUpdated':
      case 'NetworkDeleted':
      case 'SubnetCreated':
      case 'SubnetUpdated':
      case 'SubnetDeleted':
      case 'Subnet6Created':
      case 'Subnet6Updated':
        this.applyNetwork(networkIdOf(subject)!, fromNetworkEnvelope(event), seq);
        break;
      case 'PortCreated':
      case 'PortUpdated':
      case 'PortDeleted':
        this.applyPort(portIdOf(subject)!, fromPortEnvelope(event), seq);
        break;
      case 'IpAllocated':
      case 'Ip6Allocated': {
        const data = event.data as ClaimEventData['IpAllocated' | 'Ip6Allocated'];
        this.ipClaims.set(subject, { portId: data.portId, subnetId: data.subnetId });
        this.claimVersions.set(subject, seq);
        break;
      }
      case 'IpReleased':
      case 'Ip6Released':
        this.ipClaims.delete(subject);
        this.claimVersions.set(subject, seq);
        break;
      case 'MacClaimed':
        this.macClaims.set(subject, (event.data as ClaimEventData['MacClaimed']).portId);
        this.claimVersions.set(subject, seq);
        break;
      case 'MacReleased':
        this.macClaims.delete(subject);
        this.claimVersions.set(subject, seq);
        break;
      case 'SegmentClaimed':
        this.segmentClaims.set(subject, (event.data as ClaimEventData['SegmentClaimed']).networkId);
        this.claimVersions.set(subject, seq);
        break;
      case 'SegmentReleased':
        this.segmentClaims.delete(subject);
        this.claimVersions.set(subject, seq);
        break;
      default:
        this.fleet.apply(stored);
        break;
    }
    this.advance(seq);
  }

  /**
   * Takes note of a quarantined event (one no fold may apply) at `seq` on
   * `subject`: the state stays as it was, but the version kept for the
   * subject becomes `seq`, which is the server's last sequence for it, so the
   * next write's expected version matches and the aggregate stays writable.
   * A network, port or agent this model does not hold gets no entry (nothing
   * writes to it but a create, which expects version 0 of a new id).
   */
  quarantine(subject: string, seq: number): void {
    const parts = eventSubjectParts(subject);
    if (parts?.kind === 'network' || parts?.kind === 'port') {
      const versions: Map<string, Versioned<unknown>> = parts.kind === 'network' ? this.networks : this.ports;
      const id = parts.ids[0]!;
      const current = versions.get(id);
      if (parts.ids.length === 1 && current) versions.set(id, { value: current.value, version: seq });
    } else if (claimOf(subject)) {
      this.claimVersions.set(subject, seq);
    } else if (parts?.ids.length === 1) {
      this.fleet.quarantine(parts.kind, parts.ids[0]!, seq);
    }
    this.advance(seq);
  }

  private applyNetwork(id: string, event: NetworkEvent, seq: number): void {
    const current = this.networks.get(id)?.value ?? initialNetwork();
    const next = applyNetworkEvent(current, event);
    this.networks.set(id, { value: next, version: seq });
    if (next !== current) {
      this.countNetwork(current, -1);
      this.countNetwork(next, 1);
      this.noteNetworkTimes(id, event);
    }
    // Only what the machine accepted: the index stays a function of the networks' subnets (restore rebuilds it so).
    if (event.type === 'SubnetCreated' && subnetIn(next.context, event.subnet.id) === event.subnet) this.networkOfSubnet.set(event.subnet.id, id);
    if (event.type === 'Subnet6Created' && subnet6In(next.context, event.subnet.id) === event.subnet) this.networkOfSubnet.set(event.subnet.id, id);
    const had = (snapshot: NetworkSnapshot, subnetId: string) => subnetIn(snapshot.context, subnetId) ?? subnet6In(snapshot.context, subnetId);
    if (event.type === 'SubnetDeleted' && had(current, event.subnetId) && !had(next, event.subnetId)) {
      this.networkOfSubnet.delete(event.subnetId);
    }
  }

  /**
   * Times of what an accepted network event changed. The network's
   * updated_at moves with every change of its aggregate (a subnet's too), as
   * its revision_number does; a subnet's with its own events.
   */
  private noteNetworkTimes(id: string, event: NetworkEvent): void {
    switch (event.type) {
      case 'NetworkCreated':
        this.times.set(id, { createdAt: event.at, updatedAt: event.at });
        return;
      case 'NetworkDeleted':
        this.times.delete(id);
        return;
      case 'SubnetCreated':
      case 'Subnet6Created':
        this.times.set(event.subnet.id, { createdAt: event.at, updatedAt: event.at });
        break;
      case 'SubnetUpdated':
      case 'Subnet6Updated':
        this.touch(event.subnetId, event.at);
        break;
      case 'SubnetDeleted':
        this.times.delete(event.subnetId);
        break;
    }
    this.touch(id, event.at);
  }

  private touch(id: string, at: number): void {
    const times = this.times.get(id);
    this.times.set(id, { createdAt: times?.createdAt ?? at, updatedAt: at });
  }

  /**
   * A second PortCreated for an id (only a writer other than the API makes
   * one) replaces the port in every index: the network it left must not list it.
   */
  private applyPort(id: string, event: PortEvent, seq: number): void {
    const current = this.ports.get(id);
    const next = applyPortEvent(current?.value, event);
    if (current && (!next || next.networkId !== current.value.networkId)) this.unindexPort(current.value.networkId, id);
    if (!next) {
      this.ports.delete(id);
      this.uncountPort(id);
      this.times.delete(id);
      return;
    }
    if (event.type === 'PortCreated') this.times.set(id, { createdAt: event.at, updatedAt: event.at });
    else if (next !== current?.value) this.touch(id, event.at);
    this.ports.set(id, { value: next, version: seq });
    this.countPort(next);
    this.indexPort(next.networkId).add(id);
  }

  // ---- usage, for quotas ----

  private usageOf(project: string): ProjectUsage {
    let usage = this.usageByProject.get(project);
    if (!usage) this.usageByProject.set(project, (usage = { network: 0, subnet: 0, port: 0 }));
    return usage;
  }

  /** Adds (sign 1) or takes away (-1) an active network and its subnets from its project's usage. */
  private countNetwork(snapshot: NetworkSnapshot, sign: 1 | -1): void {
    const network = snapshot.value === 'active' ? snapshot.context.network : null;
    if (!network) return;
    const usage = this.usageOf(network.projectId ?? DEFAULT_PROJECT_ID);
    usage.network += sign;
    usage.subnet += sign * (Object.keys(snapshot.context.subnets).length + Object.keys(snapshot.context.subnets6).length);
  }

  /**
   * Counts a port as it now is: against its project (a port written before
   * quotas: its network's), unless it is a DHCP port. Replaces whatever the
   * port was counted as before.
   */
  private countPort(port: PortState): void {
    this.uncountPort(port.id);
    if (port.deviceOwner === DHCP_DEVICE_OWNER) return;
    const project = port.projectId ?? this.network(port.networkId)?.context.network?.projectId ?? DEFAULT_PROJECT_ID;
    this.usageOf(project).port++;
    this.countedPorts.set(port.id, project);
  }

  private uncountPort(portId: string): void {
    const project = this.countedPorts.get(portId);
    if (project === undefined) return;
    this.countedPorts.delete(portId);
    this.usageOf(project).port--;
  }

  /** Counts everything again from the networks and ports held (after a restore). */
  private recount(): void {
    this.usageByProject.clear();
    this.countedPorts.clear();
    for (const { value } of this.networks.values()) this.countNetwork(value, 1);
    for (const { value } of this.ports.values()) this.countPort(value);
  }

  private indexPort(networkId: string): Set<string> {
    let set = this.portsByNetwork.get(networkId);
    if (!set) this.portsByNetwork.set(networkId, (set = new Set()));
    return set;
  }

  /** An emptied set goes: the index holds exactly the networks with ports (restore rebuilds it so). */
  private unindexPort(networkId: string, portId: string): void {
    const set = this.portsByNetwork.get(networkId);
    if (set?.delete(portId) && set.size === 0) this.portsByNetwork.delete(networkId);
  }

  /** Marks every event up to `seq` as folded (also for events of other kinds). */
  advance(seq: number): void {
    if (seq <= this.position) return;
    this.position = seq;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.seq <= seq);
    this.waiters = this.waiters.filter((w) => w.seq > seq);
    for (const w of ready) w.resolve();
  }

  /** Resolves once every event up to `seq` has been folded. */
  waitFor(seq: number): Promise<void> {
    if (seq <= this.position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  at(): number {
    return this.position;
  }

  // ---- snapshots ----

  /**
   * The whole fold state as plain data, for a projection snapshot (store it
   * with protocol's `pack`); its `position` is `at()`. Pure: the model is only
   * read, and the snapshot stays exact while the model folds on.
   */
  snapshot(): ReadModelSnapshot {
    return takeSnapshot(this, this.position);
  }

  /**
   * A model holding exactly the state `snapshot` was taken from (an unpacked
   * `snapshot()`), at its position, with nothing waiting; indexes are rebuilt.
   * Fold the events after `at()` into it. Throws
   * `ReadModelSnapshotVersionError` for another schema version and
   * `ReadModelSnapshotError` for anything else not shaped like one. Pure.
   */
  static restore(snapshot: unknown): ReadModel {
    const checked = checkSnapshot(snapshot);
    const model = new ReadModel();
    fillModel(model, checked);
    model.recount();
    model.position = checked.position;
    return model;
  }

  // ---- queries ----

  network(id: string): NetworkSnapshot | undefined {
    const snapshot = this.networks.get(id)?.value;
    return snapshot?.value === 'active' ? snapshot : undefined;
  }

  networkVersion(id: string): number {
    return this.networks.get(id)?.version ?? 0;
  }

  portsOf(networkId: string): PortState[] {
    const out: PortState[] = [];
    for (const id of this.portsByNetwork.get(networkId) ?? []) {
      const port = this.ports.get(id);
      if (port) out.push(port.value);
    }
    return out;
  }

  /** What `project` holds: active networks, their subnets, and ports other than DHCP ports. */
  usage(project: string): Readonly<ProjectUsage> {
    return this.usageByProject.get(project) ?? { network: 0, subnet: 0, port: 0 };
  }

  /** The project of an active network (a network written before quotas: the default project). */
  projectOf(networkId: string): string | undefined {
    const network = this.network(networkId)?.context.network;
    return network ? (network.projectId ?? DEFAULT_PROJECT_ID) : undefined;
  }

  claimVersion(subject: string): number {
    return this.claimVersions.get(subject) ?? 0;
  }

  ipOwner(networkId: string, ip: Ipv4): IpClaim | undefined {
    return this.ipClaims.get(ipClaimSubject(networkId, ip));
  }

  macOwner(networkId: string, mac: string): string | undefined {
    return this.macClaims.get(macClaimSubject(networkId, mac));
  }
}
