/**
 * `leasehold agent list|show|set|delete|networks` (Neutron's `network agent`
 * commands), `leasehold binding add|remove|list` (its DHCP agent scheduler
 * extension) and `leasehold lease list|show` (the lease read model).
 */
import type { AgentView, ApiInput, LeaseView } from '@leasehold/api/client';
import { Command, Option } from 'commander';
import { runWithApi, withConnectionFlags, type ConnectionFlags } from './connection.js';
import { badFlag } from './errors.js';
import { adminState, defined } from './flags.js';
import { withFormatFlags } from './formats.js';
import { networkNames, withNetworkName } from './names.js';
import type { Column } from './output.js';
import { listPages, nextMarker, withPagingFlags } from './paging.js';
import { resolveId } from './resolve.js';

interface AgentFlags extends ConnectionFlags {
  readonly host?: string;
  readonly alive?: boolean;
  readonly dead?: boolean;
  readonly enable?: boolean;
  readonly disable?: boolean;
}

export const agentColumns: readonly Column<AgentView>[] = [
  { header: 'id', value: (a) => a.id },
  { header: 'host', value: (a) => a.host },
  { header: 'zone', value: (a) => a.availability_zone },
  { header: 'alive', value: (a) => (a.alive ? ':-)' : 'XXX') },
  { header: 'admin', value: (a) => (a.admin_state_up ? 'UP' : 'DOWN') },
  { header: 'networks', value: (a) => a.networks.length },
  { header: 'ports', value: (a) => a.configurations.ports },
  { header: 'heartbeat', value: (a) => a.heartbeat_timestamp ?? '', time: true },
];

export const leaseColumns: readonly Column<LeaseView>[] = [
  { header: 'ip address', value: (l) => l.ip_address },
  { header: 'mac address', value: (l) => l.mac_address },
  { header: 'hostname', value: (l) => l.hostname ?? '' },
  { header: 'state', value: (l) => l.state },
  { header: 'expires', value: (l) => l.expires_at ?? '', time: true },
  { header: 'network', value: (l) => l.network_id },
];

export function agentCommand(): Command {
  const agent = new Command('agent').description('DHCP agents: list, show, set, delete, networks (run one with `leasehold dhcp-agent`)');

  withFormatFlags(withConnectionFlags(
    agent
      .command('list')
      .description('list agents')
      .option('--host <host>', 'only agents on this host')
      .option('--alive', 'only agents that report')
      .option('--dead', 'only agents that stopped reporting'),
  ), true).action((flags: AgentFlags) =>
    runWithApi(flags, async ({ client, printList }) => {
      const filters: ApiInput<'agentList'> = defined({ host: flags.host, alive: flags.alive ? true : flags.dead ? false : undefined });
      const agents = await client.agents.list(filters);
      printList({ agents }, agents, agentColumns);
    }),
  );

  withFormatFlags(withConnectionFlags(agent.command('show').argument('<agent>', 'agent id').description('show an agent')), false).action((id: string, flags: AgentFlags) =>
    runWithApi(flags, async ({ client, printRecord }) => {
      const shown = await client.agents.show(id);
      printRecord({ agent: shown }, shown);
    }),
  );

  withFormatFlags(withConnectionFlags(
    agent.command('set').argument('<agent>', 'agent id').description("change an agent's admin state").option('--enable', 'admin state up').option('--disable', 'admin state down (keeps its networks, gets no new ones)'),
  ), false).action((id: string, flags: AgentFlags) =>
    runWithApi(flags, async ({ client, printRecord }) => {
      const up = adminState(flags);
      if (up === undefined) throw badFlag('--enable', 'give --enable or --disable');
      const updated = await client.agents.update(id, up);
      printRecord({ agent: updated }, updated);
    }),
  );

  withConnectionFlags(agent.command('delete').argument('<agent...>', 'agent ids').description('delete agents that stopped reporting')).action(
    (ids: string[], flags: AgentFlags) =>
      runWithApi(flags, async ({ client, print }) => {
        for (const id of ids) {
          await client.agents.delete(id);
          print({ deleted: id }, () => `deleted agent ${id}`);
        }
      }),
  );

  withFormatFlags(withConnectionFlags(agent.command('networks').argument('<agent>', 'agent id').description('the networks an agent serves')), true).action((id: string, flags: AgentFlags) =>
    runWithApi(flags, async ({ client, printList }) => {
      const [networks, names] = await Promise.all([client.bindings.networksOnAgent(id), networkNames(client)]);
      printList({ networks }, networks, [
        { header: 'id', value: (n) => n },
        { header: 'name', value: (n) => names.get(n) ?? '' },
      ]);
    }),
  );
  return agent;
}

export function bindingCommand(): Command {
  const binding = new Command('binding').description('which agents serve which networks: add, remove, list');
  withConnectionFlags(binding.command('add').argument('<network>', 'network id or name').argument('<agent>', 'agent id').description('bind a network to an agent by hand (the scheduler keeps it)')).action(
    (network: string, agentId: string, flags: ConnectionFlags) =>
      runWithApi(flags, async ({ client, print }) => {
        const networkId = await resolveId(client, 'network', network, 'network');
        await client.bindings.add(networkId, agentId);
        print({ binding: { network_id: networkId, agent_id: agentId } }, () => `network ${networkId} is served by agent ${agentId}`);
      }),
  );
  withConnectionFlags(binding.command('remove').argument('<network>', 'network id or name').argument('<agent>', 'agent id').description('unbind a network from an agent')).action(
    (network: string, agentId: string, flags: ConnectionFlags) =>
      runWithApi(flags, async ({ client, print }) => {
        const networkId = await resolveId(client, 'network', network, 'network');
        await client.bindings.remove(networkId, agentId);
        // As in Neutron, the agent stays off the network; the scheduler may still give it to another agent.
        const note = `the scheduler will not bind it to ${agentId} again (\`leasehold binding add\` undoes that); it may bind another live agent that reaches the network, up to scheduler.agents_per_network`;
        print({ deleted: { network_id: networkId, agent_id: agentId }, note }, () => `network ${networkId} is no longer served by agent ${agentId}\nnote: ${note}`);
      }),
  );
  withFormatFlags(withConnectionFlags(binding.command('list').argument('<network>', 'network id or name').description('the agents hosting a network')), true).action(
    (network: string, flags: ConnectionFlags) =>
      runWithApi(flags, async ({ client, printList }) => {
        const agents = await client.bindings.agentsOnNetwork(await resolveId(client, 'network', network, 'network'));
        printList({ agents }, agents, [...agentColumns.slice(0, 5), { header: 'reason', value: (a: AgentView & { binding_reason: string }) => a.binding_reason }]);
      }),
  );
  return binding;
}

interface LeaseFlags extends ConnectionFlags {
  readonly network?: string;
  readonly state?: 'bound' | 'released' | 'expired' | 'declined';
  readonly mac?: string;
  readonly ipVersion?: '4' | '6';
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function leaseCommand(): Command {
  const lease = new Command('lease').description('DHCP leases: list, show');
  withPagingFlags(withFormatFlags(withConnectionFlags(
    lease
      .command('list')
      .description('list leases')
      .option('--network <network>', 'only leases of this network (id or name)')
      .addOption(new Option('--state <state>', 'only leases in this state').choices(['bound', 'released', 'expired', 'declined']))
      .option('--mac <mac>', 'only leases of this MAC address (an IPv6 lease\'s: the MAC of its DUID or relay)')
      .addOption(new Option('--ip-version <version>', 'only DHCPv4 (4) or DHCPv6 (6) leases').choices(['4', '6'])),
  ), true)).action((flags: LeaseFlags) =>
    runWithApi(flags, async ({ client, printList }) => {
      const networkId = flags.network === undefined ? undefined : await resolveId(client, 'network', flags.network, 'network');
      const ipVersion: 4 | 6 | undefined = flags.ipVersion === undefined ? undefined : flags.ipVersion === '6' ? 6 : 4;
      const filters = defined({ network_id: networkId, state: flags.state, mac_address: flags.mac, ip_version: ipVersion });
      const [page, names] = await Promise.all([listPages((paging) => client.leases.page({ ...filters, ...paging }), flags), networkNames(client)]);
      printList({ leases: page.items, ...nextMarker(page) }, page.items, withNetworkName(leaseColumns, names, (l) => l.network_id));
    }),
  );
  withFormatFlags(withConnectionFlags(lease.command('show').argument('<mac|ip>', 'a MAC or an IPv4 or IPv6 address').option('--network <network>', 'look only in this network').description('show the lease of a MAC or an address')), false).action(
    (ref: string, flags: LeaseFlags) =>
      runWithApi(flags, async ({ client, printRecord }) => {
        const networkId = flags.network === undefined ? undefined : await resolveId(client, 'network', flags.network, 'network');
        // An IPv6 address has colons too: only the MAC's form is a MAC.
        const query = MAC.test(ref) ? { mac_address: ref } : { ip_address: ref };
        const shown = await client.leases.show({ ...query, ...(networkId ? { network_id: networkId } : {}) });
        printRecord({ lease: shown }, shown);
      }),
  );
  return lease;
}
