/**
 * Neutron's agent, DHCP agent scheduler, availability zone and network IP
 * availability APIs over HTTP, on the NATS API's `agents.*` and
 * `bindings.*` handlers and its list answers.
 */
import type { FastifyInstance } from 'fastify';
import { parseIpv6 } from '@leasehold/protocol';
import { ApiError } from '../errors.js';
import type { AgentView, NetworkView, PortView, SubnetView } from '../wire/views.js';
import { listAnswer, selectFields, type Query } from './query.js';
import { neutronAgent, neutronNetwork, unwrap } from './resources.js';
import { zonesByNetwork } from './routes.js';
import type { Call, RouteContext } from './server.js';

const ipNumber = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
/** Addresses in a pool of either version (an IPv6 /64 pool's count is past 2^53: a JSON number, as Neutron's, rounded). */
const poolSize = (p: { start: string; end: string }) => (p.start.includes(':') ? Number(parseIpv6(p.end) - parseIpv6(p.start) + 1n) : ipNumber(p.end) - ipNumber(p.start) + 1);

/** Per network, per subnet: addresses in the allocation pools and the fixed IPs held in the subnet (Neutron's network-ip-availability). Pure. */
export function ipAvailability(networks: readonly NetworkView[], subnets: readonly SubnetView[], ports: readonly PortView[]): (Record<string, unknown> & { network_id: string })[] {
  const used = new Map<string, number>();
  for (const port of ports) for (const ip of port.fixed_ips) used.set(ip.subnet_id, (used.get(ip.subnet_id) ?? 0) + 1);
  return networks.map((network) => {
    const own = subnets
      .filter((s) => s.network_id === network.id)
      .map((s) => ({
        subnet_id: s.id,
        ip_version: s.ip_version,
        cidr: s.cidr,
        subnet_name: s.name,
        used_ips: used.get(s.id) ?? 0,
        total_ips: s.allocation_pools.reduce((sum, p) => sum + poolSize(p), 0),
      }));
    return {
      network_id: network.id,
      network_name: network.name,
      project_id: network.project_id,
      tenant_id: network.tenant_id,
      subnet_ip_availability: own,
      used_ips: own.reduce((sum, s) => sum + s.used_ips, 0),
      total_ips: own.reduce((sum, s) => sum + s.total_ips, 0),
    };
  });
}

export function registerAgentRoutes(app: FastifyInstance, call: Call, ctx: RouteContext): void {
  const agents = async () => ((await call('agents.list', {})) as { agents: AgentView[] }).agents;
  const agentOf = async (id: string) => neutronAgent(((await call('agents.show', { id })) as { agent: AgentView }).agent);

  app.get('/v2.0/agents', ctx.route('agent', async (request) => ({
    status: 200,
    body: listAnswer('agents', (await agents()).map(neutronAgent), request.query as Query, ctx.selfUrl(request)),
  })));
  app.get('/v2.0/agents/:id', ctx.route('agent', async (request) => ({
    status: 200,
    body: { agent: selectFields(await agentOf((request.params as { id: string }).id), request.query as Query) },
  })));
  app.put('/v2.0/agents/:id', ctx.route('agent', async (request) => {
    const { id } = request.params as { id: string };
    const { admin_state_up, ...rest } = unwrap(request.body, 'agent');
    ctx.note(request, { body: rest });
    // Neutron keeps an agent's description; Leasehold does not (an empty one is what `--description ''` sends).
    for (const [key, value] of Object.entries(rest)) {
      if (!(key === 'description' && value === '')) throw new ApiError('VALIDATION_FAILED', `Leasehold changes only an agent's admin_state_up, not ${key}`, key);
    }
    const answer = admin_state_up === undefined ? await call('agents.show', { id }) : await call('agents.update', { id, admin_state_up });
    return { status: 200, body: { agent: neutronAgent((answer as { agent: AgentView }).agent) } };
  }));
  app.delete('/v2.0/agents/:id', ctx.route('agent', async (request) => {
    await call('agents.delete', { id: (request.params as { id: string }).id });
    return { status: 204 };
  }));

  // The DHCP agent scheduler extension.
  app.get('/v2.0/agents/:id/dhcp-networks', ctx.route('agent', async (request) => {
    const { id } = request.params as { id: string };
    const { networks } = (await call('bindings.networks-on-agent', { agent_id: id })) as { networks: string[] };
    const zones = await zonesByNetwork(call);
    const shown: Record<string, unknown>[] = [];
    for (const networkId of networks) {
      // A binding may outlive its network for a moment (the scheduler removes it after NetworkDeleted).
      const answer = await call('networks.show', { id: networkId }).catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'NOT_FOUND') return undefined;
        throw error;
      });
      if (answer) shown.push(neutronNetwork((answer as { network: NetworkView }).network, zones.get(networkId) ?? []));
    }
    return { status: 200, body: listAnswer('networks', shown, request.query as Query, ctx.selfUrl(request)) };
  }));
  app.post('/v2.0/agents/:id/dhcp-networks', ctx.route('network', async (request) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as Record<string, unknown>;
    ctx.note(request, { body });
    const networkId = body.network_id;
    if (typeof networkId !== 'string') throw new ApiError('VALIDATION_FAILED', 'network_id is required', 'network_id');
    // Neutron answers 409 for a network the agent already hosts; the API's add is idempotent, so ask first.
    const hosting = (await call('bindings.agents-on-network', { network_id: networkId })) as { agents: AgentView[] };
    if (hosting.agents.some((a) => a.id === id)) {
      return { status: 409, neutronError: { type: 'NetworkHostedByDHCPAgent', message: `The network ${networkId} has been already hosted by the DHCP Agent ${id}.` } };
    }
    await call('bindings.add', { network_id: networkId, agent_id: id });
    return { status: 201, body: null };
  }));
  app.delete('/v2.0/agents/:id/dhcp-networks/:networkId', ctx.route('network', async (request) => {
    const { id, networkId } = request.params as { id: string; networkId: string };
    await call('bindings.remove', { network_id: networkId, agent_id: id });
    return { status: 204 };
  }));
  app.get('/v2.0/networks/:id/dhcp-agents', ctx.route('network', async (request) => {
    const { agents: hosting } = (await call('bindings.agents-on-network', { network_id: (request.params as { id: string }).id })) as { agents: AgentView[] };
    return { status: 200, body: listAnswer('agents', hosting.map(neutronAgent), request.query as Query, ctx.selfUrl(request)) };
  }));

  app.get('/v2.0/availability_zones', ctx.route('availability_zone', async (request) => {
    const zones = new Map<string, boolean>();
    for (const agent of await agents()) if (agent.availability_zone) zones.set(agent.availability_zone, (zones.get(agent.availability_zone) ?? false) || (agent.alive && agent.admin_state_up));
    const items = [...zones].map(([name, up]) => ({ name, resource: 'network', state: up ? 'available' : 'unavailable' }));
    return { status: 200, body: listAnswer('availability_zones', items.map((z) => ({ ...z, id: z.name })), request.query as Query, ctx.selfUrl(request)) };
  }));

  const availabilities = async () => {
    const { networks } = (await call('networks.list', {})) as { networks: NetworkView[] };
    const { subnets } = (await call('subnets.list', {})) as { subnets: SubnetView[] };
    const { ports } = (await call('ports.list', {})) as { ports: PortView[] };
    return ipAvailability(networks, subnets, ports).map((a): Record<string, unknown> & { network_id: string } => ({ ...a, id: a.network_id }));
  };
  const withoutId = ({ id: _id, ...rest }: Record<string, unknown>) => rest;
  app.get('/v2.0/network-ip-availabilities', ctx.route('network', async (request) => {
    // ip_version filters the subnets (a network shows with its subnets of that version), not the networks' own fields.
    const { ip_version: ipVersion, ...query } = request.query as Query;
    const versions = ipVersion === undefined ? undefined : typeof ipVersion === 'string' ? [ipVersion] : ipVersion;
    const shown = (await availabilities()).filter((a) => versions === undefined || (a.subnet_ip_availability as { ip_version: number }[]).some((s) => versions.includes(String(s.ip_version))));
    const answer = listAnswer('network_ip_availabilities', shown, query, ctx.selfUrl(request));
    return { status: 200, body: { ...answer, network_ip_availabilities: (answer.network_ip_availabilities as Record<string, unknown>[]).map(withoutId) } };
  }));
  app.get('/v2.0/network-ip-availabilities/:id', ctx.route('network', async (request) => {
    const { id } = request.params as { id: string };
    const found = (await availabilities()).find((a) => a.network_id === id);
    if (!found) throw new ApiError('NOT_FOUND', `network ${id} not found`, 'id');
    return { status: 200, body: { network_ip_availability: withoutId(found) } };
  }));
}
