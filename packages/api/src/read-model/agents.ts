/**
 * The API's read model of agents, bindings and leases: folds of heartbeats,
 * admin changes, binding decisions and lease events (IPv6 leases:
 * lease6-rows.ts). Whether an agent is alive is judged at read time from its
 * last heartbeat (resources' `isAlive`).
 */
import type { StoredEvent } from '@leasehold/journal';
import { lease6NetworkIdOf, leaseNetworkIdOf } from '@leasehold/lease-actor';
import type { Ipv4, Lease6EventType } from '@leasehold/protocol';
import {
  applyAgentEvent,
  applyBindingEvent,
  fromAgentEnvelope,
  fromBindingEnvelope,
  newAgentRecord,
  type AgentRecord,
  type BindingRecord,
} from '@leasehold/resources';
import { foldLease6, isLease6EventType, type Lease6Data, type Lease6Row } from './lease6-rows.js';

/** An agent as resources' fold keeps it, with the version of its subject: what the API's next write there expects. */
export interface AgentRow extends AgentRecord {
  /** The agent subject's last sequence. */
  readonly version: number;
}

/** An agent's row before any event of it was folded (a binding may name one). Pure. */
export function newAgentRow(agentId: string): AgentRow {
  return { ...newAgentRecord(agentId), version: 0 };
}

/** One agent bound to a network: resources' binding fold. */
export type BindingRow = BindingRecord;

export type LeaseState = 'bound' | 'released' | 'expired' | 'declined';

export interface LeaseRow {
  readonly networkId: string;
  readonly ip: Ipv4;
  readonly mac: string;
  readonly clientId: string | undefined;
  readonly hostname: string | undefined;
  readonly state: LeaseState;
  readonly expiresAt: number | undefined;
  readonly updatedAt: number;
  readonly version: number;
}

export class AgentsReadModel {
  readonly agents = new Map<string, AgentRow>();
  /** networkId → agentId → binding. */
  readonly bindings = new Map<string, ReadonlyMap<string, BindingRow>>();
  readonly bindingVersions = new Map<string, number>();
  /** networkId → ip → lease. */
  readonly leases = new Map<string, Map<Ipv4, LeaseRow>>();
  /** networkId → IPv6 address (RFC 5952 text) → lease (DHCPv6), apart from the IPv4 rows. */
  readonly leases6 = new Map<string, Map<string, Lease6Row>>();

  /** Folds one event; returns false for events of other kinds. */
  apply(stored: StoredEvent): boolean {
    const { event, subject, seq } = stored;
    switch (event.type) {
      case 'AgentHeartbeat':
      case 'AgentAdminStateChanged':
      case 'AgentDeleted': {
        const agent = fromAgentEnvelope(event);
        this.agents.set(agent.agentId, { ...applyAgentEvent(this.agents.get(agent.agentId) ?? newAgentRow(agent.agentId), agent), version: seq });
        return true;
      }
      case 'NetworkScheduled':
      case 'NetworkUnscheduled': {
        const binding = fromBindingEnvelope(event);
        this.bindings.set(binding.networkId, applyBindingEvent(this.bindings.get(binding.networkId) ?? new Map(), binding));
        this.bindingVersions.set(binding.networkId, seq);
        return true;
      }
      case 'LeaseBound':
      case 'LeaseRenewed':
      case 'LeaseReleased':
      case 'LeaseDeclined':
      case 'LeaseExpired': {
        const networkId = leaseNetworkIdOf(subject)!;
        const data = event.data as { ip: Ipv4; mac?: string; clientId?: string; hostname?: string; expiresAt?: number };
        let byIp = this.leases.get(networkId);
        if (!byIp) this.leases.set(networkId, (byIp = new Map()));
        const previous = byIp.get(data.ip);
        const state: LeaseState =
          event.type === 'LeaseReleased' ? 'released' : event.type === 'LeaseExpired' ? 'expired' : event.type === 'LeaseDeclined' ? 'declined' : 'bound';
        // A new binding is a new holder: nothing of the previous holder carries over.
        const same = event.type !== 'LeaseBound' ? previous : undefined;
        byIp.set(data.ip, {
          networkId,
          ip: data.ip,
          mac: data.mac ?? same?.mac ?? '',
          clientId: data.clientId ?? same?.clientId,
          hostname: data.hostname ?? same?.hostname,
          state,
          expiresAt: state === 'bound' ? data.expiresAt : undefined,
          updatedAt: event.at,
          version: seq,
        });
        return true;
      }
      default:
        if (!isLease6EventType(event.type)) return false;
        this.applyLease6(stored, event.type);
        return true;
    }
  }

  private applyLease6({ event, subject, seq }: StoredEvent, type: Lease6EventType): void {
    const networkId = lease6NetworkIdOf(subject)!;
    const data = event.data as Lease6Data;
    let byIp = this.leases6.get(networkId);
    if (!byIp) this.leases6.set(networkId, (byIp = new Map()));
    byIp.set(data.ip, foldLease6(byIp.get(data.ip), networkId, type, data, event.at, seq));
  }

  /**
   * A quarantined event on `lh.evt.<kind>.<id>`: the version of the agent
   * (when there is one) or of the network's bindings becomes `seq`; nothing
   * else changes.
   */
  quarantine(kind: string, id: string, seq: number): void {
    if (kind === 'agent') {
      const row = this.agents.get(id);
      if (row) this.agents.set(id, { ...row, version: seq });
    } else if (kind === 'binding') {
      // Versions of bindings are stored with the network's binding rows (snapshot.ts): keep a group for them.
      if (!this.bindings.has(id)) this.bindings.set(id, new Map());
      this.bindingVersions.set(id, seq);
    }
  }
}
