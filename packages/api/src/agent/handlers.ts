/**
 * `lh.api.v1.agents.<verb>`: Neutron's agent API (list, show, admin state,
 * delete an agent that stopped reporting). Agents write their own
 * heartbeats; the API writes admin changes and deletions on the same
 * subject, `lh.evt.agent.<id>`, expecting the heartbeat's version. A
 * deleted agent's DHCP ports are reserved (port/dhcp-port-reclaim.ts).
 */
import { randomUUID } from 'node:crypto';
import { VersionConflictError, type Journal } from '@leasehold/journal';
import { agentSubject, isAlive, toAgentEnvelope, type AgentAdminStateChanged, type AgentDeleted } from '@leasehold/resources';
import { requestContext } from '../command.js';
import type { Handler } from '../endpoint.js';
import { ApiError, notFound } from '../errors.js';
import { reserveDhcpPorts } from '../port/dhcp-port-reclaim.js';
import type { AgentRow, AgentsReadModel } from '../read-model/agents.js';
import type { ReadModel } from '../read-model/read-model.js';
import { parseRequest } from '../wire/schemas.js';
import { agentView } from './view.js';

export interface AgentHandlerDeps {
  readonly journal: Journal;
  readonly model: ReadModel;
  /** An agent without a heartbeat for this long is shown dead (Neutron's agent_down_time). */
  readonly agentDownTimeMs: number;
}

/** The row of a live (not deleted) agent, or NOT_FOUND on `field`. */
export function findAgent(fleet: AgentsReadModel, id: string, field = 'id'): AgentRow {
  const row = fleet.agents.get(id);
  if (!row || row.deleted) throw notFound('agent', id, field);
  return row;
}

export function agentHandlers({ journal, model, agentDownTimeMs }: AgentHandlerDeps): Record<string, Handler> {
  const fleet = model.fleet;
  const view = (row: AgentRow) => agentView(row, fleet, agentDownTimeMs);
  const agentEvent = async (row: AgentRow, event: AgentAdminStateChanged | AgentDeleted) => {
    try {
      const result = await journal.append(agentSubject(row.agentId), [toAgentEnvelope(event, { id: randomUUID() })], row.version);
      await model.waitFor(result.version);
    } catch (error) {
      if (error instanceof VersionConflictError) throw new ApiError('VERSION_CONFLICT', `agent ${row.agentId} changed meanwhile (a heartbeat?); retry`, 'id', { cause: error });
      throw error;
    }
  };

  return {
    'agents.list': async (body) => {
      const f = parseRequest('agentList', body);
      const agents = [...fleet.agents.values()]
        .filter((row) => !row.deleted)
        .map(view)
        .filter((a) => (f.host === undefined || a.host === f.host) && (f.alive === undefined || a.alive === f.alive) && (f.admin_state_up === undefined || a.admin_state_up === f.admin_state_up));
      return { agents };
    },
    'agents.show': async (body) => ({ agent: view(findAgent(fleet, parseRequest('byId', body).id)) }),
    'agents.update': async (body) => {
      const req = parseRequest('agentUpdate', body);
      const row = findAgent(fleet, req.id);
      if (row.adminStateUp !== req.admin_state_up) await agentEvent(row, { type: 'AgentAdminStateChanged', at: Date.now(), agentId: row.agentId, adminStateUp: req.admin_state_up });
      return { agent: view(findAgent(fleet, req.id)) };
    },
    'agents.delete': async (body) => {
      const { id } = parseRequest('byId', body);
      const row = findAgent(fleet, id);
      // Neutron lets an operator delete only agents that stopped reporting.
      if (isAlive(row, Date.now(), agentDownTimeMs)) throw new ApiError('AGENT_ALIVE', `agent ${id} is alive (last heartbeat ${new Date(row.heartbeatAt).toISOString()}); stop it first`, 'id');
      await agentEvent(row, { type: 'AgentDeleted', at: Date.now(), agentId: id });
      // Its DHCP ports stay with their networks, reserved for the agent that takes each network over.
      await reserveDhcpPorts(journal, model, [...model.ports.values()].map((p) => p.value), id, requestContext());
      return { deleted: id };
    },
  };
}
