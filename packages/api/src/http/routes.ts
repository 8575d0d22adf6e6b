/**
 * Neutron's networks, subnets and ports over HTTP: each route unwraps the
 * request, calls the NATS API's own handler for it (`networks.create` ...)
 * and wraps the answer as Neutron does. Create takes one resource or a
 * list (bulk); update takes `If-Match: revision_number=N`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import type { AgentView, NetworkView, PortView, SubnetView } from '../wire/views.js';
import { handlerPageAnswer, handlerPaging, listAnswer, selectFields, type Query } from './query.js';
import { handlerRequest, neutronNetwork, neutronPort, neutronSubnet, unwrap, type WriteOperation } from './resources.js';
import type { Call, RouteContext } from './server.js';

interface Collection {
  /** `networks`: the URL segment, the list key and the operations' prefix. */
  readonly collection: 'networks' | 'subnets' | 'ports';
  /** `network`: the body's key. */
  readonly member: string;
  /** The handler's list filters worth passing down (an index there), e.g. ports by network_id. */
  readonly pushedFilters: readonly string[];
  /** The handler's answer to Neutron's resource. */
  encode(view: never, zones: ReadonlyMap<string, string[]>): Record<string, unknown>;
}

const COLLECTIONS: readonly Collection[] = [
  { collection: 'networks', member: 'network', pushedFilters: [], encode: (v: NetworkView, zones) => neutronNetwork(v, zones.get(v.id) ?? []) },
  { collection: 'subnets', member: 'subnet', pushedFilters: ['network_id'], encode: (v: SubnetView) => neutronSubnet(v) },
  { collection: 'ports', member: 'port', pushedFilters: ['network_id'], encode: (v: PortView) => neutronPort(v) },
];

/** Each network's availability zones: those of the agents hosting it. */
export async function zonesByNetwork(call: Call): Promise<Map<string, string[]>> {
  const { agents } = (await call('agents.list', {})) as { agents: AgentView[] };
  const zones = new Map<string, string[]>();
  for (const agent of agents) {
    if (!agent.availability_zone) continue;
    for (const networkId of agent.networks) {
      const list = zones.get(networkId) ?? [];
      if (!list.includes(agent.availability_zone)) list.push(agent.availability_zone);
      zones.set(networkId, list.sort());
    }
  }
  return zones;
}

/** `If-Match: revision_number=N` (Neutron's form) as the handler's expected revision. */
function ifMatchRevision(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*revision_number=(\d+)\s*$/.exec(header);
  if (!m) throw new ApiError('VALIDATION_FAILED', `If-Match ${JSON.stringify(header)} is not revision_number=N`, 'If-Match');
  return Number(m[1]);
}

/** The ids of a network's ports other than its DHCP ports (which Neutron deletes with the network). */
async function userPortsOf(call: Call, networkId: string): Promise<string[]> {
  const { ports } = (await call('ports.list', { network_id: networkId })) as { ports: PortView[] };
  return ports.filter((p) => p.device_owner !== 'network:dhcp').map((p) => p.id);
}

const queryOf = (request: FastifyRequest) => request.query as Query;

export function registerResourceRoutes(app: FastifyInstance, call: Call, ctx: RouteContext): void {
  for (const c of COLLECTIONS) {
    const encode = c.encode as (view: unknown, zones: ReadonlyMap<string, string[]>) => Record<string, unknown>;
    const zonesFor = () => (c.collection === 'networks' ? zonesByNetwork(call) : Promise.resolve(new Map<string, string[]>()));
    const show = async (id: string) => encode(((await call(`${c.collection}.show`, { id })) as Record<string, unknown>)[c.member], await zonesFor());
    const create = async (fields: Record<string, unknown>) =>
      encode(((await call(`${c.collection}.create`, handlerRequest(`${c.collection}.create` as WriteOperation, fields))) as Record<string, unknown>)[c.member], await zonesFor());

    app.get(`/v2.0/${c.collection}`, ctx.route(c.member, async (request) => {
      const query = queryOf(request);
      const pushed = Object.fromEntries(c.pushedFilters.flatMap((f) => (typeof query[f] === 'string' ? [[f, query[f]]] : [])));
      const paging = handlerPaging(query, c.pushedFilters);
      const answer = (await call(`${c.collection}.list`, { ...pushed, ...paging })) as Record<string, unknown[]> & { next_marker?: string };
      const zones = await zonesFor();
      if (paging) {
        const page = answer[c.collection]!.map((v) => encode(v, zones));
        return { status: 200, body: handlerPageAnswer(c.collection, page, answer.next_marker !== undefined, query, ctx.selfUrl(request)) };
      }
      return { status: 200, body: listAnswer(c.collection, answer[c.collection]!.map((v) => encode(v, zones)), query, ctx.selfUrl(request)) };
    }));

    app.get(`/v2.0/${c.collection}/:id`, ctx.route(c.member, async (request) => {
      const { id } = request.params as { id: string };
      return { status: 200, body: { [c.member]: selectFields(await show(id), queryOf(request)) } };
    }));

    app.post(`/v2.0/${c.collection}`, ctx.route(c.member, async (request) => {
      const body = request.body as Record<string, unknown> | undefined;
      const bulk = body?.[c.collection];
      if (Array.isArray(bulk)) {
        // Neutron's bulk create is all or nothing: what was created before a failure is deleted again.
        const created: Record<string, unknown>[] = [];
        try {
          for (const entry of bulk) {
            const fields = unwrap({ [c.member]: entry }, c.member);
            ctx.note(request, { body: fields });
            created.push(await create(fields));
          }
        } catch (error) {
          for (const done of created.reverse()) await call(`${c.collection}.delete`, { id: done.id }).catch(() => undefined);
          throw error;
        }
        return { status: 201, body: { [c.collection]: created } };
      }
      const fields = unwrap(body, c.member);
      ctx.note(request, { body: fields });
      return { status: 201, body: { [c.member]: await create(fields) } };
    }));

    app.put(`/v2.0/${c.collection}/:id`, ctx.route(c.member, async (request) => {
      const { id } = request.params as { id: string };
      const fields = unwrap(request.body, c.member);
      const revision = ifMatchRevision(request.headers['if-match'] as string | undefined);
      ctx.note(request, { body: fields, ifMatch: revision !== undefined });
      const req = { ...handlerRequest(`${c.collection}.update` as WriteOperation, fields), id, ...(revision !== undefined ? { revision_number: revision } : {}) };
      const answer = (await call(`${c.collection}.update`, req).catch(async (error: unknown) => {
        // Neutron's OverlappingAllocationPools names the subnet's CIDR, which an update does not send.
        if (error instanceof ApiError && error.code === 'POOL_OVERLAP' && c.collection === 'subnets') {
          const shown = (await call('subnets.show', { id }).catch(() => undefined)) as { subnet: SubnetView } | undefined;
          if (shown) ctx.note(request, { body: { ...fields, cidr: shown.subnet.cidr }, ifMatch: revision !== undefined });
        }
        throw error;
      })) as Record<string, unknown>;
      return { status: 200, body: { [c.member]: encode(answer[c.member], await zonesFor()) } };
    }));

    app.delete(`/v2.0/${c.collection}/:id`, ctx.route(c.member, async (request) => {
      const { id } = request.params as { id: string };
      try {
        await call(`${c.collection}.delete`, { id });
      } catch (error) {
        // Neutron names the ports in the way; the handler counts them.
        if (error instanceof ApiError && error.code === 'NETWORK_IN_USE') ctx.note(request, { portsInUse: await userPortsOf(call, id) });
        throw error;
      }
      return { status: 204 };
    }));
  }
}
