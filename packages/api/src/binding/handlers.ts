/**
 * `lh.api.v1.bindings.<verb>`: Neutron's DHCP agent scheduler extension
 * (manual bindings, networks on an agent, agents hosting a network). A
 * manual binding is written on the network's binding subject,
 * `lh.evt.binding.<networkId>`, where the scheduler writes its own. A
 * manual removal reserves the agent's DHCP port (port/dhcp-port-reclaim.ts).
 */
import { randomUUID } from 'node:crypto';
import { VersionConflictError, type Journal } from '@leasehold/journal';
import { agentReachOf, bindingSubject, reachesPhysicalNetwork, toBindingEnvelope, type BindingEvent } from '@leasehold/resources';
import { findAgent } from '../agent/handlers.js';
import { agentView, networksOfAgent } from '../agent/view.js';
import { requestContext } from '../command.js';
import type { Handler } from '../endpoint.js';
import { ApiError, notFound } from '../errors.js';
import { reserveDhcpPorts } from '../port/dhcp-port-reclaim.js';
import { newAgentRow } from '../read-model/agents.js';
import type { ReadModel } from '../read-model/read-model.js';
import { parseRequest } from '../wire/schemas.js';

export interface BindingHandlerDeps {
  readonly journal: Journal;
  readonly model: ReadModel;
  /** For the agents shown by agents-on-network (Neutron's agent_down_time). */
  readonly agentDownTimeMs: number;
}

export function bindingHandlers({ journal, model, agentDownTimeMs }: BindingHandlerDeps): Record<string, Handler> {
  const fleet = model.fleet;
  const bindingEvent = async (event: BindingEvent) => {
    const { networkId } = event;
    try {
      const result = await journal.append(bindingSubject(networkId), [toBindingEnvelope(event, { id: randomUUID() })], fleet.bindingVersions.get(networkId) ?? 0);
      await model.waitFor(result.version);
    } catch (error) {
      if (error instanceof VersionConflictError) throw new ApiError('VERSION_CONFLICT', `the bindings of network ${networkId} changed meanwhile; retry`, 'network_id', { cause: error });
      throw error;
    }
  };

  return {
    'bindings.add': async (body) => {
      const req = parseRequest('bindingChange', body);
      const physicalNetwork = model.network(req.network_id)?.context.network?.physicalNetwork;
      if (physicalNetwork === undefined) throw notFound('network', req.network_id, 'network_id');
      const agent = findAgent(fleet, req.agent_id, 'agent_id');
      // Neutron accepts this; here the scheduler would remove the binding at once (issue 18 point 4), so say why now.
      if (agent.heartbeat && !reachesPhysicalNetwork(agentReachOf(agent.heartbeat), physicalNetwork)) {
        const mappings = Object.keys(agent.heartbeat.interfaceMappings).join(', ') || 'none';
        throw new ApiError('AGENT_CANNOT_REACH', `agent ${req.agent_id} maps no interface to physical network ${physicalNetwork} of network ${req.network_id} (its mappings: ${mappings})`, 'agent_id');
      }
      if (!fleet.bindings.get(req.network_id)?.has(req.agent_id)) {
        await bindingEvent({ type: 'NetworkScheduled', at: Date.now(), networkId: req.network_id, agentId: req.agent_id, reason: 'manual' });
      }
      return { binding: { network_id: req.network_id, agent_id: req.agent_id } };
    },
    'bindings.remove': async (body) => {
      const req = parseRequest('bindingChange', body);
      if (!fleet.bindings.get(req.network_id)?.has(req.agent_id)) {
        throw new ApiError('NOT_FOUND', `network ${req.network_id} is not bound to agent ${req.agent_id}`, 'agent_id');
      }
      await bindingEvent({ type: 'NetworkUnscheduled', at: Date.now(), networkId: req.network_id, agentId: req.agent_id, reason: 'manual' });
      // Neutron's remove_network_from_dhcp_agent: the port is reserved, so its address is reused on the next add.
      await reserveDhcpPorts(journal, model, model.portsOf(req.network_id), req.agent_id, requestContext());
      return { deleted: { network_id: req.network_id, agent_id: req.agent_id } };
    },
    'bindings.networks-on-agent': async (body) => {
      const { agent_id } = parseRequest('bindingsOfAgent', body);
      findAgent(fleet, agent_id, 'agent_id');
      return { networks: networksOfAgent(fleet, agent_id) };
    },
    'bindings.agents-on-network': async (body) => {
      const { network_id } = parseRequest('bindingsOfNetwork', body);
      if (!model.network(network_id)) throw notFound('network', network_id, 'network_id');
      const rows = [...(fleet.bindings.get(network_id)?.values() ?? [])];
      // A binding may name an agent this model holds no row of (no heartbeat folded yet): shown without one.
      const rowOf = (agentId: string) => fleet.agents.get(agentId) ?? newAgentRow(agentId);
      return { agents: rows.map((b) => ({ ...agentView(rowOf(b.agentId), fleet, agentDownTimeMs), binding_reason: b.reason })) };
    },
  };
}
