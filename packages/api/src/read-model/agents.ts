/**
 * The API's read model of agents, bindings and leases: folds of heartbeats,
 * admin changes, binding decisions and lease events. Whether an agent is
 * alive is judged at read time from its last heartbeat (Neutron's
 * agent_down_time).
 */
import type { StoredEvent } from '@leasehold/journal';
import type { AgentHeartbeatData, Ipv4, NetworkScheduledData, NetworkUnscheduledData } from '@leasehold/protocol';

export interface AgentRow {
  readonly agentId: string;
  heartbeat: AgentHeartbeatData | undefined;
  heartbeatAt: number;
  /** The heartbeat's version: the agent subject's last sequence. */
  version: number;
  adminStateUp: boolean;
  deleted: boolean;
}

export interface BindingRow {
  readonly agentId: string;
  readonly reason: string;
  readonly at: number;
}

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
  readonly bindings = new Map<string, Map<string, BindingRow>>();
  readonly bindingVersions = new Map<string, number>();
  /** networkId → ip → lease. */
  readonly leases = new Map<string, Map<Ipv4, LeaseRow>>();

  /** Folds one event; returns false for events of other kinds. */
  apply(stored: StoredEvent): boolean {
    const { event, subject, seq } = stored;
    switch (event.type) {
      case 'AgentHeartbeat': {
        const data = event.data as AgentHeartbeatData;
        const row = this.agent(data.agentId);
        row.heartbeat = data;
        row.heartbeatAt = Math.max(row.heartbeatAt, event.at);
        row.deleted = false;
        row.version = seq;
        return true;
      }
      case 'AgentAdminStateChanged': {
        const data = event.data as { agentId: string; adminStateUp: boolean };
        const row = this.agent(data.agentId);
        row.adminStateUp = data.adminStateUp;
        row.version = seq;
        return true;
      }
      case 'AgentDeleted': {
        const row = this.agent((event.data as { agentId: string }).agentId);
        row.deleted = true;
        row.version = seq;
        return true;
      }
      case 'NetworkScheduled':
      case 'NetworkUnscheduled': {
        const data = event.data as NetworkScheduledData | NetworkUnscheduledData;
        let agents = this.bindings.get(data.networkId);
        if (!agents) this.bindings.set(data.networkId, (agents = new Map()));
        if (event.type === 'NetworkScheduled') agents.set(data.agentId, { agentId: data.agentId, reason: data.reason, at: event.at });
        else agents.delete(data.agentId);
        this.bindingVersions.set(data.networkId, seq);
        return true;
      }
      case 'LeaseBound':
      case 'LeaseRenewed':
      case 'LeaseReleased':
      case 'LeaseDeclined':
      case 'LeaseExpired': {
        const networkId = subject.split('.')[3]!;
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
        return false;
    }
  }

  /**
   * A quarantined event on `lh.evt.<kind>.<id>`: the version of the agent
   * (when there is one) or of the network's bindings becomes `seq`; nothing
   * else changes.
   */
  quarantine(kind: string, id: string, seq: number): void {
    if (kind === 'agent') {
      const row = this.agents.get(id);
      if (row) row.version = seq;
    } else if (kind === 'binding') {
      // Versions of bindings are stored with the network's binding rows (snapshot.ts): keep a group for them.
      if (!this.bindings.has(id)) this.bindings.set(id, new Map());
      this.bindingVersions.set(id, seq);
    }
  }

  private agent(agentId: string): AgentRow {
    let row = this.agents.get(agentId);
    if (!row) this.agents.set(agentId, (row = { agentId, heartbeat: undefined, heartbeatAt: 0, version: 0, adminStateUp: true, deleted: false }));
    return row;
  }
}
