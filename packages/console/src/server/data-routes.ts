/**
 * The pages' data: /console/api/overview, .../networks/:id,
 * .../networks/:id/leases (searched and paged here, so a network of
 * 10,000 leases sends one page), .../networks/:id/at?time= (the network
 * then, replayed, and its diff against now) and .../leases/:network/:ip
 * (the lease's events as a timeline), each from the API's handlers and the
 * journal.
 */
import { ApiError, type AgentView, type HttpCall, type LeaseView, type NetworkView, type PortView, type SubnetView } from '@leasehold/api';
import { EVENT_SUBJECT_PREFIX, aggregateSubject, canonicalIpv6, tryParseIpv4 } from '@leasehold/protocol';
import type { FastifyInstance } from 'fastify';
import { agentRow, leasePage, leaseRow, networkPage, overview } from './compose.js';
import { eventJson } from './events.js';
import { explainLease } from './explain.js';
import { networkAt } from './time-travel.js';
import { sendFailure, type ConsoleOptions } from './mount.js';
import type { AgentPage, EventJson, LeaseTimeline, Overview } from './shapes.js';

type Query = Record<string, string | undefined>;

/** How long one overview answers every request for it. */
const OVERVIEW_REUSE_MS = 1_000;

/** Binding events a network page shows, the latest. */
const MAX_BINDING_HISTORY = 100;

export function registerDataRoutes(app: FastifyInstance, call: HttpCall, options: ConsoleOptions): void {
  const list = async <T>(operation: string, key: string, body: Record<string, unknown> = {}) => ((await call(operation, body)) as Record<string, T[]>)[key]!;
  const guard = <P>(fn: (params: P, query: Query) => Promise<unknown>) => async (request: { params: unknown; query: unknown }, reply: import('fastify').FastifyReply) => {
    try {
      await reply.send(await fn(request.params as P, request.query as Query));
    } catch (error) {
      await sendFailure(reply, error, options.onError);
    }
  };

  const projectionLag = async () => {
    if (!options.readModelPosition) return null;
    const position = options.readModelPosition();
    const last = (await options.journal.jsm.streams.info(options.journal.layout.stream)).state.last_seq;
    return { position, last, lag: Math.max(0, last - position) };
  };

  // Every open overview refetches when events come (at most once a second each): one computation
  // serves them all while the read model has folded nothing new (and for a second at most), so ten
  // open consoles cost what one does (it reads every lease of the fleet). Without the read model's
  // position nothing is reused: an answer must never be older than the events a page was told of.
  let cached: { at: number; position: number; value: Promise<Overview> } | undefined;
  const computeOverview = async (): Promise<Overview> => {
    const [agents, networks, subnets, ports, leases] = await Promise.all([
      list<AgentView>('agents.list', 'agents'),
      list<NetworkView>('networks.list', 'networks'),
      list<SubnetView>('subnets.list', 'subnets'),
      list<PortView>('ports.list', 'ports'),
      list<LeaseView>('leases.list', 'leases'),
    ]);
    const unreachable = new Map((options.unreachableNetworks?.() ?? []).map((u) => [u.networkId, u.physicalNetwork]));
    return overview({ agents, networks, subnets, ports, leases }, await projectionLag(), unreachable);
  };
  app.get('/console/api/overview', guard(async () => {
    const now = Date.now();
    const position = options.readModelPosition?.();
    if (position === undefined) return computeOverview();
    if (!cached || cached.position !== position || now - cached.at >= OVERVIEW_REUSE_MS) {
      const value = computeOverview();
      cached = { at: now, position, value };
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  }));

  app.get('/console/api/networks/:id', guard(async ({ id }: { id: string }) => {
    const { network } = (await call('networks.show', { id })) as { network: NetworkView };
    const [agents, subnets, ports, leases] = await Promise.all([
      list<AgentView>('agents.list', 'agents'),
      list<SubnetView>('subnets.list', 'subnets', { network_id: id }),
      list<PortView>('ports.list', 'ports', { network_id: id }),
      list<LeaseView>('leases.list', 'leases', { network_id: id }),
    ]);
    const bindingHistory = (await options.journal.read(aggregateSubject('binding', id))).slice(-MAX_BINDING_HISTORY).map(eventJson);
    const physnet = options.unreachableNetworks?.()?.find((u) => u.networkId === id)?.physicalNetwork;
    return { ...networkPage(network, { agents, subnets, ports, leases }), ...(physnet !== undefined ? { unreachable_physnet: physnet } : {}), binding_history: bindingHistory };
  }));

  app.get('/console/api/networks/:id/leases', guard(async ({ id }: { id: string }, query) => {
    await call('networks.show', { id }); // NOT_FOUND for a network that is not there, rather than an empty page.
    const leases = await list<LeaseView>('leases.list', 'leases', { network_id: id });
    return leasePage(leases, query.q ?? '', Number(query.offset ?? 0), Number(query.limit ?? 50));
  }));

  app.get('/console/api/agents/:id', guard(async ({ id }: { id: string }): Promise<AgentPage> => {
    const { agent } = (await call('agents.show', { id })) as { agent: AgentView };
    const networks = await list<NetworkView>('networks.list', 'networks');
    const served = new Set(agent.networks);
    // Binding events are few (one per binding change): every network's, kept when they name this agent.
    const history: EventJson[] = [];
    await options.journal.replay(`${EVENT_SUBJECT_PREFIX}.binding.>`, (stored) => {
      if ((stored.event.data as { agentId?: unknown } | null)?.agentId !== id) return;
      history.push(eventJson(stored));
      if (history.length > MAX_BINDING_HISTORY) history.shift();
    }, { onBadEvent: () => {} });
    const c = agent.configurations;
    return {
      agent: { ...agentRow(agent), version: agent.version, interface_mappings: c.interface_mappings, relay_interfaces: c.relay_interfaces, ports: c.ports, report_interval_ms: c.report_interval_ms },
      networks: networks.filter((n) => served.has(n.id)).map((n) => ({ id: n.id, name: n.name })),
      binding_history: history,
    };
  }));

  app.get('/console/api/networks/:id/at', guard(async ({ id }: { id: string }, query) => {
    const text = query.time ?? '';
    const at = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(at)) throw new ApiError('VALIDATION_FAILED', `time ${JSON.stringify(text)} is neither ms since the epoch nor an ISO 8601 time`, 'time');
    return networkAt(options.journal, call, id, at, options.agentDownTimeMs);
  }));

  app.get('/console/api/leases/:network/:ip', guard(async ({ network, ip }: { network: string; ip: string }): Promise<LeaseTimeline> => {
    const shown = (await call('leases.show', { network_id: network, ip_address: ip }).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'NOT_FOUND') return undefined;
      throw error;
    })) as { lease: LeaseView } | undefined;
    // An IPv6 lease's events are on its lease6 subject, under the address's RFC 5952 text.
    const ip6 = tryParseIpv4(ip) === undefined ? canonicalIpv6(ip) : undefined;
    const chain = await options.journal.read(ip6 === undefined ? aggregateSubject('lease', network, ip) : aggregateSubject('lease6', network, ip6));
    const events = chain.map(eventJson);
    const mac = shown?.lease.mac_address;
    const port = mac === undefined ? undefined : (await list<PortView>('ports.list', 'ports', { network_id: network })).find((p) => p.mac_address === mac);
    const portEvents = port ? (await options.journal.read(aggregateSubject('port', port.id))).map(eventJson) : [];
    const why = await explainLease(options.journal, network, ip, chain, options.agentDownTimeMs);
    return { network_id: network, ip_address: ip, lease: shown ? leaseRow(shown.lease) : null, events, port_events: portEvents, why };
  }));
}
