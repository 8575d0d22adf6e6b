/**
 * /console/api/ports/:id: a port as the API shows it (ports.show), its
 * network's agents, its leases (the leases on its network with its MAC, as
 * the lease page finds a lease's port) and one timeline of the port's
 * events and its leases', with why its latest lease has its address
 * (explainLease, as the lease page and `leasehold why lease` derive it).
 */
import type { AgentView, HttpCall, LeaseView, NetworkView, PortView } from '@leasehold/api';
import type { StoredEvent } from '@leasehold/journal';
import { aggregateSubject } from '@leasehold/protocol';
import type { FastifyInstance } from 'fastify';
import { agentRow, leaseRow } from './compose.js';
import { eventJson } from './events.js';
import { explainLease } from './explain.js';
import { sendFailure, type ConsoleOptions } from './mount.js';
import type { PortPage } from './shapes.js';

/** Events a port page shows, the latest (a long-lived lease renews every half lease time). */
const MAX_PORT_EVENTS = 500;

/** The chain whose last LeaseBound is the latest of all (the lease the port holds now, or last held). Pure. */
function latestBound(chains: readonly { ip: string; chain: readonly StoredEvent[] }[]): { ip: string; chain: readonly StoredEvent[] } | undefined {
  const lastBound = (chain: readonly StoredEvent[]) => chain.filter((s) => s.event.type === 'LeaseBound').at(-1)?.seq ?? 0;
  return [...chains].filter((c) => lastBound(c.chain) > 0).sort((a, b) => lastBound(a.chain) - lastBound(b.chain)).at(-1);
}

export function registerPortRoute(app: FastifyInstance, call: HttpCall, options: ConsoleOptions): void {
  app.get('/console/api/ports/:id', async (request, reply) => {
    try {
      const { id } = request.params as { id: string };
      const { port } = (await call('ports.show', { id })) as { port: PortView };
      const [{ network }, { agents }, { leases }] = (await Promise.all([
        call('networks.show', { id: port.network_id }),
        call('agents.list', {}),
        call('leases.list', { network_id: port.network_id }),
      ])) as [{ network: NetworkView }, { agents: AgentView[] }, { leases: LeaseView[] }];
      const mine = leases.filter((l) => l.mac_address === port.mac_address);
      const chains = await Promise.all(mine.map(async (l) => ({ ip: l.ip_address, chain: await options.journal.read(aggregateSubject('lease', port.network_id, l.ip_address)) })));
      const own = await options.journal.read(aggregateSubject('port', id));
      const events = [...own, ...chains.flatMap((c) => c.chain)].sort((a, b) => a.seq - b.seq).slice(-MAX_PORT_EVENTS).map(eventJson);
      const latest = latestBound(chains);
      const why = latest ? await explainLease(options.journal, port.network_id, latest.ip, latest.chain, options.agentDownTimeMs) : null;
      const page: PortPage = {
        port: {
          id: port.id,
          name: port.name,
          network_id: port.network_id,
          mac_address: port.mac_address,
          fixed_ips: port.fixed_ips,
          device_owner: port.device_owner,
          device_id: port.device_id,
          dns_name: port.dns_name,
          status: port.status,
          admin_state_up: port.admin_state_up,
          extra_dhcp_opts: port.extra_dhcp_opts,
          created_at: port.created_at,
          updated_at: port.updated_at,
        },
        network: { id: network.id, name: network.name },
        agents: agents.filter((a) => a.networks.includes(network.id)).map(agentRow),
        leases: mine.map(leaseRow),
        events,
        why: why && latest ? { ...why, ip_address: latest.ip } : null,
      };
      await reply.send(page);
    } catch (error) {
      await sendFailure(reply, error, options.onError);
    }
  });
}
