/** `leasehold net create|list|show|update|delete`: Neutron networks. */
import type { ApiInput, NetworkView } from '@leasehold/api/client';
import { Command } from 'commander';
import { runWithApi, withConnectionFlags, type ConnectionFlags } from './connection.js';
import { badFlag } from './errors.js';
import { adminState, collect, defined, listOf, parseInteger } from './flags.js';
import { networkDhcp, networkRecord } from './network-reach.js';
import { withFormatFlags } from './formats.js';
import type { Column } from './output.js';
import { listPages, nextMarker, withPagingFlags } from './paging.js';
import { resolveId } from './resolve.js';

export interface NetworkFlags extends ConnectionFlags {
  readonly name?: string;
  readonly mtu?: string;
  readonly dnsDomain?: string;
  readonly azHint?: string[] | false;
  readonly physicalNetwork?: string | false;
  /** openstack's spelling of --physical-network. */
  readonly providerPhysicalNetwork?: string;
  readonly providerNetworkType?: string;
  readonly providerSegment?: string;
  readonly enable?: boolean;
  readonly disable?: boolean;
  readonly revision?: string;
  /** leasehold:isolated_metadata: on, off or default. */
  readonly isolatedMetadata?: string;
}

type NetworkFields = Omit<ApiInput<'networkUpdate'>, 'id' | 'revision_number'>;

/** The network fields the flags ask for; absent flags send nothing. Pure. */
export function networkFields(flags: NetworkFlags): NetworkFields {
  return defined({
    name: flags.name,
    admin_state_up: adminState(flags),
    mtu: flags.mtu === undefined ? undefined : parseInteger('--mtu', flags.mtu, 68, 65535),
    dns_domain: flags.dnsDomain,
    availability_zone_hints: listOf(flags.azHint, (s) => s),
    'provider:physical_network': flags.physicalNetwork === false ? null : (flags.physicalNetwork ?? flags.providerPhysicalNetwork),
    'provider:network_type': networkType(flags.providerNetworkType),
    'provider:segmentation_id': flags.providerSegment === undefined ? undefined : parseInteger('--provider-segment', flags.providerSegment, 1, MAX_SEGMENT),
    'leasehold:isolated_metadata': isolatedMetadata(flags.isolatedMetadata),
  });
}

/** --isolated-metadata on|off|default as leasehold:isolated_metadata: true, false, null (the agents' settings decide). */
function isolatedMetadata(text: string | undefined): boolean | null | undefined {
  if (text === undefined) return undefined;
  const value = ({ on: true, true: true, off: false, false: false, default: null } as Record<string, boolean | null>)[text.toLowerCase()];
  if (value === undefined) throw badFlag('--isolated-metadata', `--isolated-metadata is on, off or default, not ${JSON.stringify(text)}`);
  return value;
}

/** The largest segmentation id of any type (a VNI); the API checks each type's own range. */
const MAX_SEGMENT = 2 ** 24 - 1;
const NETWORK_TYPES = ['flat', 'vlan', 'vxlan'] as const;

function networkType(text: string | undefined): (typeof NETWORK_TYPES)[number] | undefined {
  if (text === undefined) return undefined;
  const type = NETWORK_TYPES.find((t) => t === text.toLowerCase());
  if (!type) throw badFlag('--provider-network-type', `--provider-network-type is one of ${NETWORK_TYPES.join(', ')}, not ${JSON.stringify(text)}`);
  return type;
}

export const networkColumns: readonly Column<NetworkView>[] = [
  { header: 'id', value: (n) => n.id },
  { header: 'name', value: (n) => n.name },
  { header: 'status', value: (n) => n.status },
  { header: 'mtu', value: (n) => n.mtu },
  { header: 'physical network', value: (n) => n['provider:physical_network'] },
  { header: 'network type', value: (n) => n['provider:network_type'] },
  { header: 'segment', value: (n) => n['provider:segmentation_id'] },
  { header: 'subnets', value: (n) => n.subnets },
];

const fieldFlags = (command: Command) =>
  command
    .option('--mtu <bytes>', 'maximum transmission unit (68-65535)')
    .option('--dns-domain <domain>', 'DNS domain of the ports on this network')
    .option('--az-hint <az>', 'availability zone hint (repeat for several)', collect)
    .option('--no-az-hint', 'no availability zone hints')
    .option('--physical-network <name>', 'provider:physical_network the agents map to an interface')
    .option('--provider-physical-network <name>', 'the same as --physical-network (openstack network create spells it so)')
    .option('--no-physical-network', 'no physical network')
    .option('--provider-network-type <type>', 'provider:network_type: flat (the physical network itself), vlan or vxlan; without it, flat when a physical network is given')
    .option('--provider-segment <id>', 'provider:segmentation_id: the VLAN id (1-4094) or VNI (1-16777215); without it, the lowest free one')
    .option('--isolated-metadata <on|off|default>', "leasehold:isolated_metadata: the DHCP agents' metadata proxy and its route for this network on or off whatever their settings, or as their settings say (default)")
    .option('--enable', 'admin state up')
    .option('--disable', 'admin state down');

export function networkCommand(): Command {
  const net = new Command('net').alias('network').description('networks: create, list, show, update, delete');

  withFormatFlags(withConnectionFlags(fieldFlags(net.command('create').argument('[name]', 'network name').description('create a network'))), false).action(
    (name: string | undefined, flags: NetworkFlags) =>
      runWithApi(flags, async ({ client, printRecord }) => {
        const network = await client.networks.create({ ...networkFields(flags), ...(name !== undefined ? { name } : {}) });
        printRecord({ network }, network);
      }),
  );

  withPagingFlags(withFormatFlags(withConnectionFlags(
    net
      .command('list')
      .description('list networks')
      .option('--name <name>', 'only networks with this name')
      .option('--physical-network <name>', 'only networks on this physical network')
      .option('--provider-network-type <type>', 'only networks of this type (flat, vlan, vxlan)')
      .option('--provider-segment <id>', 'only networks with this VLAN id or VNI')
      .option('--enable', 'only networks that are admin state up')
      .option('--disable', 'only networks that are admin state down'),
  ), true)).action((flags: NetworkFlags) =>
    runWithApi(flags, async ({ client, printList }) => {
      const filters: ApiInput<'networkList'> = defined({
        name: flags.name,
        admin_state_up: adminState(flags),
        'provider:physical_network': flags.physicalNetwork || undefined,
        'provider:network_type': networkType(flags.providerNetworkType),
        'provider:segmentation_id': flags.providerSegment === undefined ? undefined : parseInteger('--provider-segment', flags.providerSegment, 1, MAX_SEGMENT),
      });
      const page = await listPages((paging) => client.networks.page({ ...filters, ...paging }), flags);
      printList({ networks: page.items, ...nextMarker(page) }, page.items, networkColumns);
    }),
  );

  withFormatFlags(withConnectionFlags(net.command('show').argument('<network>', 'id or name').description('show a network')), false).action(
    (ref: string, flags: NetworkFlags) =>
      runWithApi(flags, async ({ client, printRecord }) => {
        const network = await client.networks.show(await resolveId(client, 'network', ref, 'network'));
        const [agents, bound] = await Promise.all([client.agents.list(), client.bindings.agentsOnNetwork(network.id)]);
        const dhcp = networkDhcp(network, agents, bound.map((a) => a.id));
        printRecord({ network, dhcp }, networkRecord(network, dhcp));
      }),
  );

  withFormatFlags(withConnectionFlags(
    fieldFlags(
      net
        .command('update')
        .argument('<network>', 'id or name')
        .description('change a network')
        .option('--name <name>', 'new name')
        .option('--revision <n>', 'refuse unless the network is still at this revision_number'),
    ),
  ), false).action((ref: string, flags: NetworkFlags) =>
    runWithApi(flags, async ({ client, printRecord }) => {
      const changes = networkFields(flags);
      if (Object.keys(changes).length === 0) throw badFlag('--name', 'nothing to change: give at least one field flag');
      const revision = flags.revision === undefined ? undefined : parseInteger('--revision', flags.revision, 0);
      const id = await resolveId(client, 'network', ref, 'network');
      const network = await client.networks.update(id, { ...changes, ...(revision !== undefined ? { revision_number: revision } : {}) });
      printRecord({ network }, network);
    }),
  );

  withConnectionFlags(net.command('delete').argument('<network...>', 'ids or names').description('delete networks')).action(
    (refs: string[], flags: NetworkFlags) =>
      runWithApi(flags, async ({ client, print }) => {
        for (const ref of refs) {
          const id = await resolveId(client, 'network', ref, 'network');
          await client.networks.delete(id);
          print({ deleted: id }, () => `deleted network ${id}`);
        }
      }),
  );

  return net;
}
