/**
 * Agents, bindings and leases: Neutron's agent API (list, show, admin
 * state, delete a dead agent), its DHCP agent scheduler extension (networks
 * on an agent, agents hosting a network, manual bindings) and a lease read
 * model fed by the agents' lease events.
 */
import { randomUUID } from 'node:crypto';
import { VersionConflictError, type Journal } from '@leasehold/journal';
import { aggregateSubject, formatIpv4, tryParseIpv4, type EventEnvelope, type NetworkScheduledData, type NetworkUnscheduledData } from '@leasehold/protocol';
import { ApiError, notFound } from './errors.js';
import type { Handler } from './handlers.js';
import type { AgentRow, LeaseRow } from './read-model/agents.js';
import type { ReadModel } from './read-model/read-model.js';
import { page, parseRequest } from './wire/schemas.js';

export interface AgentView {
  readonly id: string;
  readonly agent_type: string;
  readonly binary: string;
  readonly host: string;
  readonly availability_zone: string;
  readonly alive: boolean;
  readonly admin_state_up: boolean;
  readonly heartbeat_timestamp: string | null;
  readonly networks: string[];
  readonly configurations: { interface_mappings: Readonly<Record<string, string>>; networks: number; ports: number; report_interval_ms: number | null };
  readonly version: string;
  readonly revision_number: number;
}

export interface LeaseView {
  readonly network_id: string;
  readonly ip_address: string;
  readonly mac_address: string;
  readonly client_id: string | null;
  readonly hostname: string | null;
  readonly state: string;
  readonly expires_at: string | null;
  readonly updated_at: string;
}

export interface FleetOptions {
  /** An agent without a heartbeat for this long is shown dead (Neutron's agent_down_time). */
  readonly agentDownTimeMs: number;
}

export function fleetHandlers(journal: Journal, model: ReadModel, options: FleetOptions): Record<string, Handler> {
  const fleet = model.fleet;
  const alive = (row: AgentRow) => !row.deleted && Date.now() - row.heartbeatAt < options.agentDownTimeMs;
  const networksOf = (agentId: string) =>
    [...fleet.bindings.entries()].filter(([, agents]) => agents.has(agentId)).map(([networkId]) => networkId);
  const agentView = (row: AgentRow): AgentView => ({
    id: row.agentId,
    agent_type: 'DHCP agent',
    binary: 'leasehold-agent',
    host: row.heartbeat?.host ?? '',
    availability_zone: row.heartbeat?.availabilityZone ?? '',
    alive: alive(row),
    admin_state_up: row.adminStateUp,
    heartbeat_timestamp: row.heartbeatAt ? new Date(row.heartbeatAt).toISOString() : null,
    networks: networksOf(row.agentId),
    configurations: {
      interface_mappings: row.heartbeat?.interfaceMappings ?? {},
      networks: row.heartbeat?.networks.length ?? 0,
      ports: row.heartbeat?.load ?? 0,
      report_interval_ms: row.heartbeat?.reportIntervalMs ?? null,
    },
    version: row.heartbeat?.version ?? '',
    revision_number: row.version,
  });
  const leaseView = (row: LeaseRow): LeaseView => ({
    network_id: row.networkId,
    ip_address: formatIpv4(row.ip),
    mac_address: row.mac,
    client_id: row.clientId ?? null,
    hostname: row.hostname ?? null,
    state: row.state === 'bound' && row.expiresAt !== undefined && row.expiresAt <= Date.now() ? 'expired' : row.state,
    expires_at: row.expiresAt === undefined ? null : new Date(row.expiresAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  });
  const findAgent = (id: string, field = 'id') => {
    const row = fleet.agents.get(id);
    if (!row || row.deleted) throw notFound('agent', id, field);
    return row;
  };
  const agentEvent = async (row: AgentRow, type: string, data: object) => {
    const event: EventEnvelope = { type, v: 1, id: randomUUID(), aggregate: `agent/${row.agentId}`, at: Date.now(), data };
    try {
      const result = await journal.append(aggregateSubject('agent', row.agentId), [event], row.version);
      await model.waitFor(result.version);
    } catch (error) {
      if (error instanceof VersionConflictError) throw new ApiError('VERSION_CONFLICT', `agent ${row.agentId} changed meanwhile (a heartbeat?); retry`, 'id', { cause: error });
      throw error;
    }
  };
  const bindingEvent = async (networkId: string, type: 'NetworkScheduled' | 'NetworkUnscheduled', data: NetworkScheduledData | NetworkUnscheduledData) => {
    const event: EventEnvelope = { type, v: 1, id: randomUUID(), aggregate: `binding/${networkId}`, at: Date.now(), data };
    try {
      const result = await journal.append(aggregateSubject('binding', networkId), [event], fleet.bindingVersions.get(networkId) ?? 0);
      await model.waitFor(result.version);
    } catch (error) {
      if (error instanceof VersionConflictError) throw new ApiError('VERSION_CONFLICT', `the bindings of network ${networkId} changed meanwhile; retry`, 'network_id', { cause: error });
      throw error;
    }
  };

  return {
    'agents.list': async (body) => {
      const f = parseRequest('agentList', body);
      const agents = [...fleet.agents.values()]
        .filter((row) => !row.deleted)
        .map(agentView)
        .filter((a) => (f.host === undefined || a.host === f.host) && (f.alive === undefined || a.alive === f.alive) && (f.admin_state_up === undefined || a.admin_state_up === f.admin_state_up));
      return { agents };
    },
    'agents.show': async (body) => ({ agent: agentView(findAgent(parseRequest('byId', body).id)) }),
    'agents.update': async (body) => {
      const req = parseRequest('agentUpdate', body);
      const row = findAgent(req.id);
      if (row.adminStateUp !== req.admin_state_up) await agentEvent(row, 'AgentAdminStateChanged', { agentId: row.agentId, adminStateUp: req.admin_state_up });
      return { agent: agentView(findAgent(req.id)) };
    },
    'agents.delete': async (body) => {
      const { id } = parseRequest('byId', body);
      const row = findAgent(id);
      // Neutron lets an operator delete only agents that stopped reporting.
      if (alive(row)) throw new ApiError('AGENT_ALIVE', `agent ${id} is alive (last heartbeat ${new Date(row.heartbeatAt).toISOString()}); stop it first`, 'id');
      await agentEvent(row, 'AgentDeleted', { agentId: id });
      return { deleted: id };
    },

    'bindings.add': async (body) => {
      const req = parseRequest('bindingChange', body);
      if (!model.network(req.network_id)) throw notFound('network', req.network_id, 'network_id');
      findAgent(req.agent_id, 'agent_id');
      if (!fleet.bindings.get(req.network_id)?.has(req.agent_id)) {
        await bindingEvent(req.network_id, 'NetworkScheduled', { networkId: req.network_id, agentId: req.agent_id, reason: 'manual' });
      }
      return { binding: { network_id: req.network_id, agent_id: req.agent_id } };
    },
    'bindings.remove': async (body) => {
      const req = parseRequest('bindingChange', body);
      if (!fleet.bindings.get(req.network_id)?.has(req.agent_id)) {
        throw new ApiError('NOT_FOUND', `network ${req.network_id} is not bound to agent ${req.agent_id}`, 'agent_id');
      }
      await bindingEvent(req.network_id, 'NetworkUnscheduled', { networkId: req.network_id, agentId: req.agent_id, reason: 'manual' });
      return { deleted: { network_id: req.network_id, agent_id: req.agent_id } };
    },
    'bindings.networks-on-agent': async (body) => {
      const { agent_id } = parseRequest('bindingsOfAgent', body);
      findAgent(agent_id, 'agent_id');
      return { networks: networksOf(agent_id) };
    },
    'bindings.agents-on-network': async (body) => {
      const { network_id } = parseRequest('bindingsOfNetwork', body);
      if (!model.network(network_id)) throw notFound('network', network_id, 'network_id');
      const rows = [...(fleet.bindings.get(network_id)?.values() ?? [])];
      return { agents: rows.map((b) => ({ ...agentView(fleet.agents.get(b.agentId) ?? { agentId: b.agentId, heartbeat: undefined, heartbeatAt: 0, version: 0, adminStateUp: true, deleted: false }), binding_reason: b.reason })) };
    },

    'leases.list': async (body) => {
      const f = parseRequest('leaseList', body);
      const networks = f.network_id === undefined ? [...fleet.leases.values()] : [fleet.leases.get(f.network_id) ?? new Map<number, LeaseRow>()];
      const leases = networks
        .flatMap((byIp) => [...byIp.values()])
        .map(leaseView)
        .filter((l) => (f.state === undefined || l.state === f.state) && (f.mac_address === undefined || l.mac_address === f.mac_address.toLowerCase()));
      const { items, next_marker } = page(leases, (l) => `${l.network_id}/${l.ip_address}`, f);
      return { leases: items, ...(next_marker ? { next_marker } : {}) };
    },
    'leases.show': async (body) => {
      const f = parseRequest('leaseShow', body);
      if (f.mac_address === undefined && f.ip_address === undefined) throw new ApiError('VALIDATION_FAILED', 'give mac_address or ip_address', 'mac_address');
      const ip = f.ip_address === undefined ? undefined : tryParseIpv4(f.ip_address);
      if (f.ip_address !== undefined && ip === undefined) throw new ApiError('INVALID_IP', `ip_address ${f.ip_address} is not an IPv4 address`, 'ip_address');
      const candidates = [...(f.network_id === undefined ? fleet.leases.values() : [fleet.leases.get(f.network_id) ?? new Map<number, LeaseRow>()])].flatMap((m) => [...m.values()]);
      const match = candidates
        .filter((l) => (ip === undefined || l.ip === ip) && (f.mac_address === undefined || l.mac === f.mac_address.toLowerCase()))
        .sort((a, b) => b.updatedAt - a.updatedAt)[0];
      if (!match) throw new ApiError('NOT_FOUND', `no lease for ${f.mac_address ?? f.ip_address}`, f.mac_address ? 'mac_address' : 'ip_address');
      return { lease: leaseView(match) };
    },
  };
}
