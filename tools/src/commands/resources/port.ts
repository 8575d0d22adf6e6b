/** `leasehold port create|list|show|update|delete`: Neutron ports (MAC + fixed IPs + DHCP options). */
import type { ApiClient, ApiInput, PortView } from '@leasehold/api/client';
import { Command } from 'commander';
import { runWithApi, withConnectionFlags, type ConnectionFlags } from './connection.js';
import { badFlag } from './errors.js';
import { adminState, collect, defined, listOf, parseFixedIp, parseInteger, parseKeyValue } from './flags.js';
import { withFormatFlags } from './formats.js';
import { networkNames, withNetworkName } from './names.js';
import type { Column } from './output.js';
import { listPages, nextMarker, withPagingFlags } from './paging.js';
import { resolveId } from './resolve.js';

export interface PortFlags extends ConnectionFlags {
  readonly network?: string;
  readonly name?: string;
  readonly mac?: string;
  readonly fixedIp?: string[] | false;
  readonly dnsName?: string;
  readonly extraDhcpOpt?: string[] | false;
  readonly deviceOwner?: string;
  readonly deviceId?: string;
  readonly enable?: boolean;
  readonly disable?: boolean;
  readonly subnet?: string;
  readonly ip?: string;
  readonly revision?: string;
}

type PortFields = Omit<ApiInput<'portUpdate'>, 'id' | 'revision_number'>;

/** The port fields the flags ask for; `fixed_ips[].subnet_id` may still be a subnet name. Pure. */
export function portFields(flags: PortFlags): PortFields {
  return defined({
    name: flags.name,
    mac_address: flags.mac,
    fixed_ips: listOf(flags.fixedIp, (t) => {
      const { subnet, ip } = parseFixedIp('--fixed-ip', t);
      return defined({ subnet_id: subnet, ip_address: ip });
    }),
    dns_name: flags.dnsName,
    extra_dhcp_opts: listOf(flags.extraDhcpOpt, (t) => {
      const { key, value } = parseKeyValue('--extra-dhcp-opt', t);
      return { opt_name: key, opt_value: value };
    }),
    device_owner: flags.deviceOwner,
    device_id: flags.deviceId,
    admin_state_up: adminState(flags),
  });
}

/** Replaces subnet names in `fixed_ips` by their ids. */
async function withSubnetIds(client: ApiClient, fields: PortFields): Promise<PortFields> {
  if (!fields.fixed_ips) return fields;
  const fixedIps = await Promise.all(
    fields.fixed_ips.map(async (f, i) =>
      f.subnet_id === undefined ? f : { ...f, subnet_id: await resolveId(client, 'subnet', f.subnet_id, `--fixed-ip[${i}] subnet`) },
    ),
  );
  return { ...fields, fixed_ips: fixedIps };
}

export const portColumns: readonly Column<PortView>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'name', value: (p) => p.name },
  { header: 'mac address', value: (p) => p.mac_address },
  { header: 'network', value: (p) => p.network_id },
  { header: 'fixed ips', value: (p) => p.fixed_ips.map((f) => f.ip_address) },
  { header: 'status', value: (p) => p.status },
  { header: 'device owner', value: (p) => p.device_owner },
];

const fieldFlags = (command: Command) =>
  command
    .option('--name <name>', 'port name')
    .option('--mac <mac>', 'MAC address (default: generated, unique in the network)')
    .option('--fixed-ip <subnet=SUBNET,ip=IP>', 'fixed address: a subnet (id or name), an address, or both (repeat)', collect)
    .option('--no-fixed-ip', 'no fixed addresses')
    .option('--dns-name <label>', 'host name for DHCP and DNS')
    .option('--extra-dhcp-opt <name=value>', 'DHCP option by name or number, e.g. domain-search=example.org (repeat)', collect)
    .option('--no-extra-dhcp-opt', 'no extra DHCP options')
    .option('--device-owner <owner>', 'e.g. compute:nova, network:dhcp')
    .option('--device-id <id>', 'the device (instance) the port belongs to')
    .option('--enable', 'admin state up')
    .option('--disable', 'admin state down');

export function portCommand(): Command {
  const port = new Command('port').description('ports: create, list, show, update, delete');

  withFormatFlags(withConnectionFlags(
    fieldFlags(port.command('create').description('create a port').requiredOption('--network <network>', 'network id or name')),
  ), false).action((flags: PortFlags) =>
    runWithApi(flags, async ({ client, printRecord }) => {
      const fields = await withSubnetIds(client, portFields(flags));
      const networkId = await resolveId(client, 'network', flags.network!, '--network');
      const created = await client.ports.create({ ...fields, network_id: networkId });
      printRecord({ port: created }, created);
    }),
  );

  withPagingFlags(withFormatFlags(withConnectionFlags(
    port
      .command('list')
      .description('list ports')
      .option('--network <network>', 'only ports of this network (id or name)')
      .option('--name <name>', 'only ports with this name')
      .option('--mac <mac>', 'only the port with this MAC address')
      .option('--device-owner <owner>', 'only ports with this device owner')
      .option('--device-id <id>', 'only ports of this device')
      .option('--subnet <subnet>', 'only ports with an address in this subnet (id or name)')
      .option('--ip <ip>', 'only ports holding this address'),
  ), true)).action((flags: PortFlags) =>
    runWithApi(flags, async ({ client, printList }) => {
      const networkId = flags.network === undefined ? undefined : await resolveId(client, 'network', flags.network, '--network');
      const subnetId = flags.subnet === undefined ? undefined : await resolveId(client, 'subnet', flags.subnet, '--subnet');
      const filters: ApiInput<'portList'> = defined({
        network_id: networkId,
        subnet_id: subnetId,
        name: flags.name,
        mac_address: flags.mac,
        device_owner: flags.deviceOwner,
        device_id: flags.deviceId,
        ip_address: flags.ip,
      });
      const [page, names] = await Promise.all([listPages((paging) => client.ports.page({ ...filters, ...paging }), flags), networkNames(client)]);
      printList({ ports: page.items, ...nextMarker(page) }, page.items, withNetworkName(portColumns, names, (p) => p.network_id));
    }),
  );

  withFormatFlags(withConnectionFlags(port.command('show').argument('<port>', 'id or name').description('show a port')), false).action(
    (ref: string, flags: PortFlags) =>
      runWithApi(flags, async ({ client, printRecord }) => {
        const shown = await client.ports.show(await resolveId(client, 'port', ref, 'port'));
        printRecord({ port: shown }, shown);
      }),
  );

  withFormatFlags(withConnectionFlags(
    fieldFlags(
      port
        .command('update')
        .argument('<port>', 'id or name')
        .description('change a port')
        .option('--revision <n>', 'refuse unless the port is still at this revision_number'),
    ),
  ), false).action((ref: string, flags: PortFlags) =>
    runWithApi(flags, async ({ client, printRecord }) => {
      const changes = await withSubnetIds(client, portFields(flags));
      if (Object.keys(changes).length === 0) throw badFlag('--name', 'nothing to change: give at least one field flag');
      const revision = flags.revision === undefined ? undefined : parseInteger('--revision', flags.revision, 0);
      const id = await resolveId(client, 'port', ref, 'port');
      const updated = await client.ports.update(id, { ...changes, ...(revision !== undefined ? { revision_number: revision } : {}) });
      printRecord({ port: updated }, updated);
    }),
  );

  withConnectionFlags(port.command('delete').argument('<port...>', 'ids or names').description('delete ports')).action(
    (refs: string[], flags: PortFlags) =>
      runWithApi(flags, async ({ client, print }) => {
        for (const ref of refs) {
          const id = await resolveId(client, 'port', ref, 'port');
          await client.ports.delete(id);
          print({ deleted: id }, () => `deleted port ${id}`);
        }
      }),
  );

  return port;
}
