/** `leasehold subnet create|list|show|update|delete`: IPv4 and IPv6 subnets of a network. */
import type { ApiInput, SubnetView } from '@leasehold/api/client';
import { Command } from 'commander';
import { runWithApi, withConnectionFlags, type ConnectionFlags } from './connection.js';
import { badFlag } from './errors.js';
import { collect, defined, listOf, parseHostRoute, parseInteger, parseRange } from './flags.js';
import { withFormatFlags } from './formats.js';
import { networkNames, withNetworkName } from './names.js';
import type { Column } from './output.js';
import { listPages, nextMarker, withPagingFlags } from './paging.js';
import { resolveId } from './resolve.js';

export interface SubnetFlags extends ConnectionFlags {
  readonly network?: string;
  readonly cidr?: string;
  readonly name?: string;
  readonly gateway?: string | false;
  readonly pool?: string[] | false;
  readonly dynamicPool?: string[] | false;
  readonly dnsServer?: string[] | false;
  readonly hostRoute?: string[] | false;
  readonly dhcp?: boolean;
  readonly leaseDuration?: string;
  readonly revision?: string;
  readonly ipVersion?: string;
  readonly ipv6AddressMode?: string;
  readonly ipv6RaMode?: string;
}

const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'] as const;
type Ipv6Mode = (typeof IPV6_MODES)[number];

/** `--ip-version`: 4 or 6. Pure. */
function parseIpVersion(text: string | undefined): 4 | 6 | undefined {
  if (text === undefined) return undefined;
  if (text === '4' || text === '6') return Number(text) as 4 | 6;
  throw badFlag('--ip-version', `--ip-version is 4 or 6, not ${JSON.stringify(text)}`);
}

/** `--ipv6-address-mode` / `--ipv6-ra-mode`: Neutron's three modes. Pure. */
function parseIpv6Mode(flag: string, text: string | undefined): Ipv6Mode | undefined {
  if (text === undefined) return undefined;
  if ((IPV6_MODES as readonly string[]).includes(text)) return text as Ipv6Mode;
  throw badFlag(flag, `${flag} is one of ${IPV6_MODES.join(', ')}; not ${JSON.stringify(text)}`);
}

/** The IP version and IPv6 modes of a create (the API checks them together, as Neutron). Pure. */
export function subnetVersionFields(flags: SubnetFlags): Pick<ApiInput<'subnetCreate'>, 'ip_version' | 'ipv6_address_mode' | 'ipv6_ra_mode'> {
  return defined({
    ip_version: parseIpVersion(flags.ipVersion),
    ipv6_address_mode: parseIpv6Mode('--ipv6-address-mode', flags.ipv6AddressMode),
    ipv6_ra_mode: parseIpv6Mode('--ipv6-ra-mode', flags.ipv6RaMode),
  });
}

type SubnetFields = Omit<ApiInput<'subnetUpdate'>, 'id' | 'revision_number'>;

const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * `--lease-duration`: seconds, or with dnsmasq's units (`45m`, `12h`, `1d`,
 * `1w`), or `infinite` (Neutron's -1); never 0, which would hand out leases
 * that expire as they are granted. Pure.
 */
export function parseLeaseDuration(text: string): number {
  const flag = '--lease-duration';
  if (text.trim() === 'infinite' || text.trim() === '-1') return -1;
  const match = /^(\d+)([smhdw]?)$/i.exec(text.trim());
  if (!match) throw badFlag(flag, `${flag} wants seconds or a duration like 45m, 12h, 1d, 1w, or "infinite"; not ${JSON.stringify(text)}`);
  const seconds = Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]!;
  if (seconds === 0) throw badFlag(flag, `${flag} must be at least 1 second (or "infinite"), not 0`);
  if (seconds > 2 ** 31 - 1) throw badFlag(flag, `${flag} must be at most ${2 ** 31 - 1} seconds (about 68 years), or "infinite"`);
  return seconds;
}

/** The subnet fields the flags ask for (everything but network and CIDR); absent flags send nothing. Pure. */
export function subnetFields(flags: SubnetFlags): SubnetFields {
  return defined({
    name: flags.name,
    gateway_ip: flags.gateway === false ? null : flags.gateway,
    allocation_pools: listOf(flags.pool, (t) => parseRange('--pool', t)),
    dynamic_pools: listOf(flags.dynamicPool, (t) => parseRange('--dynamic-pool', t)),
    dns_nameservers: listOf(flags.dnsServer, (t) => t),
    host_routes: listOf(flags.hostRoute, (t) => parseHostRoute('--host-route', t)),
    enable_dhcp: flags.dhcp,
    lease_duration: flags.leaseDuration === undefined ? undefined : parseLeaseDuration(flags.leaseDuration),
  });
}

const range = (p: { start: string; end: string }) => `${p.start}-${p.end}`;

export const subnetColumns: readonly Column<SubnetView>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'name', value: (s) => s.name },
  { header: 'network', value: (s) => s.network_id },
  { header: 'cidr', value: (s) => s.cidr },
  { header: 'ipv6 mode', value: (s) => (s.ip_version === 6 ? (s.ipv6_address_mode ?? s.ipv6_ra_mode ?? 'none') : '') },
  { header: 'gateway', value: (s) => s.gateway_ip ?? 'none' },
  { header: 'dhcp', value: (s) => (s.enable_dhcp ? 'on' : 'off') },
  { header: 'allocation pools', value: (s) => s.allocation_pools.map(range) },
];

const fieldFlags = (command: Command) =>
  command
    .option('--name <name>', 'subnet name')
    .option('--gateway <ip>', 'gateway address (default: the first host)')
    .option('--no-gateway', 'no gateway')
    .option('--pool <start-end>', 'allocation pool for fixed addresses (repeat for several)', collect)
    .option('--no-pool', 'no allocation pools')
    .option('--dynamic-pool <start-end>', "dynamic pool served to unknown clients, dnsmasq's dhcp-range (repeat)", collect)
    .option('--no-dynamic-pool', 'no dynamic pools')
    .option('--dns-server <ip>', 'DNS name server handed out (repeat)', collect)
    .option('--no-dns-server', 'no DNS name servers')
    .option('--host-route <dest=nexthop>', 'static route handed out, e.g. 198.19.0.0/16=198.18.0.1 (repeat)', collect)
    .option('--no-host-route', 'no host routes')
    .option('--dhcp', 'serve DHCP on this subnet')
    .option('--no-dhcp', 'do not serve DHCP on this subnet')
    .option('--lease-duration <time>', 'lease time: seconds, or 45m, 12h, 1d, 1w as dnsmasq writes it, or "infinite" (never 0)');

export function subnetCommand(): Command {
  const subnet = new Command('subnet').description('subnets: create, list, show, update, delete');

  withFormatFlags(withConnectionFlags(
    fieldFlags(
      subnet
        .command('create')
        .description('create a subnet')
        .requiredOption('--network <network>', 'network id or name')
        .requiredOption('--cidr <cidr>', 'IPv4 or IPv6 CIDR, e.g. 198.18.0.0/24 or 2001:db8:1::/64')
        .option('--ip-version <4|6>', "IP version (default: the CIDR's)")
        .option('--ipv6-address-mode <mode>', `how IPv6 ports get addresses: ${IPV6_MODES.join(', ')} (slaac and dhcpv6-stateless need a /64)`)
        .option('--ipv6-ra-mode <mode>', `the router advertisements' mode: ${IPV6_MODES.join(', ')} (the same as the address mode when both are given)`),
    ),
  ), false).action((flags: SubnetFlags) =>
    runWithApi(flags, async ({ client, printRecord }) => {
      const fields = subnetFields(flags);
      const networkId = await resolveId(client, 'network', flags.network!, '--network');
      const created = await client.subnets.create({ ...fields, ...subnetVersionFields(flags), network_id: networkId, cidr: flags.cidr! });
      printRecord({ subnet: created }, created);
    }),
  );

  withPagingFlags(withFormatFlags(withConnectionFlags(
    subnet
      .command('list')
      .description('list subnets')
      .option('--network <network>', 'only subnets of this network (id or name)')
      .option('--name <name>', 'only subnets with this name')
      .option('--cidr <cidr>', 'only subnets with this CIDR')
      .option('--ip-version <4|6>', 'only subnets of this IP version')
      .option('--dhcp', 'only subnets serving DHCP')
      .option('--no-dhcp', 'only subnets not serving DHCP'),
  ), true)).action((flags: SubnetFlags) =>
    runWithApi(flags, async ({ client, printList }) => {
      const networkId = flags.network === undefined ? undefined : await resolveId(client, 'network', flags.network, '--network');
      const filters: ApiInput<'subnetList'> = defined({ network_id: networkId, name: flags.name, cidr: flags.cidr, enable_dhcp: flags.dhcp, ip_version: parseIpVersion(flags.ipVersion) });
      const [page, names] = await Promise.all([listPages((paging) => client.subnets.page({ ...filters, ...paging }), flags), networkNames(client)]);
      printList({ subnets: page.items, ...nextMarker(page) }, page.items, withNetworkName(subnetColumns, names, (s) => s.network_id));
    }),
  );

  withFormatFlags(withConnectionFlags(subnet.command('show').argument('<subnet>', 'id or name').description('show a subnet')), false).action(
    (ref: string, flags: SubnetFlags) =>
      runWithApi(flags, async ({ client, printRecord }) => {
        const shown = await client.subnets.show(await resolveId(client, 'subnet', ref, 'subnet'));
        printRecord({ subnet: shown }, shown);
      }),
  );

  withFormatFlags(withConnectionFlags(
    fieldFlags(
      subnet
        .command('update')
        .argument('<subnet>', 'id or name')
        .description('change a subnet')
        .option('--revision <n>', "refuse unless the subnet's network is still at this revision_number"),
    ),
  ), false).action((ref: string, flags: SubnetFlags) =>
    runWithApi(flags, async ({ client, printRecord }) => {
      const changes = subnetFields(flags);
      if (Object.keys(changes).length === 0) throw badFlag('--name', 'nothing to change: give at least one field flag');
      const revision = flags.revision === undefined ? undefined : parseInteger('--revision', flags.revision, 0);
      const id = await resolveId(client, 'subnet', ref, 'subnet');
      const updated = await client.subnets.update(id, { ...changes, ...(revision !== undefined ? { revision_number: revision } : {}) });
      printRecord({ subnet: updated }, updated);
    }),
  );

  withConnectionFlags(subnet.command('delete').argument('<subnet...>', 'ids or names').description('delete subnets')).action(
    (refs: string[], flags: SubnetFlags) =>
      runWithApi(flags, async ({ client, print }) => {
        for (const ref of refs) {
          const id = await resolveId(client, 'subnet', ref, 'subnet');
          await client.subnets.delete(id);
          print({ deleted: id }, () => `deleted subnet ${id}`);
        }
      }),
  );

  return subnet;
}
