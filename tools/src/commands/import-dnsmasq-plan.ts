/**
 * What `leasehold import-dnsmasq` would create from a dnsmasq configuration,
 * worked out without touching the API: networks and subnets from dhcp-range
 * (dnsmasq 2.90 syntax, dnsmasq(8)), ports from dhcp-host, subnet and network
 * fields or per-port extra_dhcp_opts from dhcp-option, and the DNS options
 * for leasehold.yaml's dns section, checked by @leasehold/dns-cache's own
 * parser. Every line gets a note: what it became, or why it could not map.
 */
import { applyItems, ConfigError, DEFAULT_CONFIG, OPTIONS, type ConfigItem } from '@leasehold/dns-cache';
import { checkDhcpOption, cidrContains, cidrFirstHost, cidrLastHost, formatCidr, formatIpv4, tryParseIpv4, type Ipv4, type Ipv4Cidr } from '@leasehold/protocol';
import { closestName } from '@leasehold/server';
import { DNSMASQ_OPTION_NAMES } from './import-dnsmasq-names.js';
import type { ClientClassDirective } from '@leasehold/agent';
import { classTagged, classTaggedOption, planClientClasses, planDhcpBoot } from './import-dnsmasq-boot.js';
import { parseDhcpRange, parseLeaseTime, takeTags } from './import-dnsmasq-range.js';
import { planTftp, tftpYaml, type TftpPlan } from './import-dnsmasq-tftp.js';

/** error: a value dnsmasq itself refuses (`dnsmasq --test` fails on it); the import stops before the API. */
export type NoteStatus = 'created' | 'dns' | 'agent' | 'unmapped' | 'ignored' | 'error';
export interface LineNote {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  status: NoteStatus;
  detail: string;
}

type Range = { first: number; last: number };
export interface PlanSubnet {
  readonly cidr: Ipv4Cidr;
  gateway: Ipv4 | null | undefined;
  dynamicPools: Range[];
  dnsNameservers: string[] | undefined;
  hostRoutes: { destination: string; nexthop: string }[] | undefined;
  leaseDuration: number;
  readonly tags: Set<string>;
}
export interface PlanNetwork {
  name: string;
  dnsDomain: string | undefined;
  mtu: number | undefined;
  /** The interface= name a range's tag names, used as the network's physical network (one interface mapping each). */
  physicalNetwork: string | undefined;
  readonly subnet: PlanSubnet;
}
export interface PlanPort {
  readonly note: LineNote;
  readonly mac: string;
  readonly network: PlanNetwork;
  readonly ip: Ipv4 | undefined;
  readonly dnsName: string | undefined;
  readonly tags: Set<string>;
  readonly extraDhcpOpts: { opt_name: string; opt_value: string }[];
}
export interface Plan {
  readonly networks: PlanNetwork[];
  readonly ports: PlanPort[];
  /** dns section entries, in file order (a repeated option is a list). */
  readonly dns: ConfigItem[];
  readonly agent: { interfaces: string[]; dnsPort: number | undefined; classes: [ClientClassDirective, string][]; tftp: TftpPlan | undefined };
  readonly notes: LineNote[];
  /** What would work differently after the import, said before it happens. */
  readonly warnings: string[];
}

/** Removes one address from a set of ranges, splitting the range that holds it. Pure. */
export function carve(ranges: readonly Range[], ip: number): Range[] {
  return ranges.flatMap((r) => (ip < r.first || ip > r.last ? [r] : [...(ip > r.first ? [{ first: r.first, last: ip - 1 }] : []), ...(ip < r.last ? [{ first: ip + 1, last: r.last }] : [])]));
}

/** The hosts of `block` outside the gateway and the dynamic pools: the allocation pools for fixed addresses. Pure. */
export function allocationPools(block: Ipv4Cidr, gateway: number | null, dynamic: readonly Range[]): Range[] {
  let free: Range[] = [{ first: cidrFirstHost(block), last: cidrLastHost(block) }];
  if (gateway !== null) free = carve(free, gateway);
  for (const pool of dynamic) {
    free = free.flatMap((r) => (pool.last < r.first || pool.first > r.last ? [r] : [...(pool.first > r.first ? [{ first: r.first, last: pool.first - 1 }] : []), ...(pool.last < r.last ? [{ first: pool.last + 1, last: r.last }] : [])]));
  }
  return free;
}

const DEFAULT_LEASE = 3600; // dnsmasq's default lease time (dnsmasq(8), --dhcp-range)
const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
/** dnsmasq options that concern listening, which the agent decides from its DHCP ports. */
const LISTENING = new Set(['listen-address', 'bind-interfaces', 'bind-dynamic', 'except-interface', 'no-dhcp-interface']);

/** The plan for a configuration's items. Pure. */
export function planImport(items: readonly ConfigItem[], networkName: string): Plan {
  const notes: LineNote[] = items.map((i) => ({ file: i.file, line: i.line, text: i.value === undefined ? i.name : `${i.name}=${i.value}`, status: 'unmapped', detail: 'not a setting Leasehold has' }));
  const noteOf = new Map(items.map((item, i) => [item, notes[i]!]));
  const set = (item: ConfigItem, status: NoteStatus, detail: string) => Object.assign(noteOf.get(item)!, { status, detail });
  const subnets: PlanSubnet[] = [];
  const networks: PlanNetwork[] = [];
  const ports: PlanPort[] = [];
  const dns: ConfigItem[] = [];
  const agent: Plan['agent'] = { interfaces: [], dnsPort: undefined, classes: [], tftp: undefined };
  const by = (name: string) => items.filter((i) => i.name === name);

  // dhcp-range: a subnet per CIDR (several ranges of one CIDR are several dynamic pools).
  for (const item of by('dhcp-range')) {
    const r = parseDhcpRange(item.value ?? '');
    if (r.kind !== 'range') {
      set(item, r.kind, r.reason);
      continue;
    }
    const { block, pool } = r;
    let subnet = subnets.find((s) => s.cidr.address === block.address && s.cidr.prefix === block.prefix);
    if (!subnet) {
      subnet = { cidr: block, gateway: undefined, dynamicPools: [], dnsNameservers: undefined, hostRoutes: undefined, leaseDuration: DEFAULT_LEASE, tags: new Set() };
      subnets.push(subnet);
      networks.push({ name: '', dnsDomain: undefined, mtu: undefined, physicalNetwork: undefined, subnet });
    }
    for (const t of r.tags) subnet.tags.add(t);
    if (pool !== undefined) subnet.dynamicPools.push(pool);
    if (r.lease !== undefined) subnet.leaseDuration = r.lease;
    const parts = [`subnet ${formatCidr(block)}`, pool !== undefined ? `dynamic pool ${formatIpv4(pool.first)}-${formatIpv4(pool.last)}` : 'fixed addresses only (static)', `lease ${subnet.leaseDuration === -1 ? 'infinite' : `${subnet.leaseDuration} s`}`];
    if (!r.maskGiven) parts.push('no netmask given: assumed /24 (dnsmasq takes it from the interface)');
    set(item, 'created', parts.join(', '));
  }
  for (const n of networks) {
    const tag = [...n.subnet.tags][0];
    n.name = networks.length === 1 ? networkName : `${networkName}-${tag ?? formatCidr(n.subnet.cidr).replace('/', '-')}`;
  }
  const networkOf = (ip: number) => networks.find((n) => cidrContains(n.subnet.cidr, ip as Ipv4));

  // dhcp-host: a port with a MAC, a fixed address and a DNS name.
  for (const item of by('dhcp-host')) {
    const fields = (item.value ?? '').split(',').map((f) => f.trim());
    let mac: string | undefined;
    let ip: Ipv4 | undefined;
    let name: string | undefined;
    const tags = new Set<string>();
    const skipped: string[] = [];
    let refuse: string | undefined;
    let malformed: string | undefined;
    for (const f of fields) {
      // A MAC-shaped field with a non-hex digit: dnsmasq stops with "bad hex constant".
      if (/^([^:,*]{1,2}:){5}[^:,*]{1,2}$/.test(f) && !MAC.test(f)) malformed = `bad hex constant: ${f} is not a MAC address`;
      else if (MAC.test(f)) mac = f.toLowerCase().replaceAll('-', ':');
      else if (f.startsWith('set:')) tags.add(f.slice(4));
      else if (f === 'ignore') refuse = 'ignore (deny a client) has no counterpart';
      else if (f.startsWith('id:')) refuse = 'matching by client id has no counterpart (ports match by MAC)';
      else if (f.includes('*')) refuse = 'wildcard MACs have no counterpart';
      else if (tryParseIpv4(f) !== undefined) ip = tryParseIpv4(f);
      else if (parseLeaseTime(f) !== undefined) skipped.push(`lease ${f} (per-host lease times are the subnet's)`);
      else if (f.startsWith('[') || f.startsWith('tag:')) skipped.push(f);
      else if (name === undefined) name = f;
    }
    if (!refuse && mac === undefined) refuse = 'no MAC address (ports are matched by MAC)';
    const network = ip !== undefined ? networkOf(ip) : networks.length === 1 ? networks[0] : undefined;
    if (!refuse && !network) refuse = ip !== undefined ? `${formatIpv4(ip)} is in no imported dhcp-range` : 'no address and more than one network';
    const label = name?.split('.')[0]?.toLowerCase();
    if (!refuse && label !== undefined && !LABEL.test(label)) refuse = `${name} is not a DNS name`;
    if (malformed || refuse) {
      set(item, malformed ? 'error' : 'unmapped', malformed ?? refuse!);
      continue;
    }
    const note = set(item, 'created', '');
    ports.push({ note, mac: mac!, network: network!, ip, dnsName: label, tags, extraDhcpOpts: [] });
    note.detail = [`port ${mac}`, ip !== undefined ? `fixed IP ${formatIpv4(ip)}` : 'an address from the allocation pools', label ? `dns_name ${label}` : '', ...skipped.map((s) => `ignored: ${s}`)].filter(Boolean).join(', ');
  }

  // Client classes (agent settings), whose tags stay on the options that test them (import-dnsmasq-boot.ts).
  const { classes, classTags } = planClientClasses(items, set);
  agent.classes.push(...classes);
  // TFTP (agent settings: import-dnsmasq-tftp.ts).
  agent.tftp = planTftp(items, set);

  // dhcp-option: subnet/network fields, or extra_dhcp_opts of the ports a tag selects.
  for (const item of [...by('dhcp-option'), ...by('dhcp-option-force')]) {
    const byClass = classTagged((item.value ?? '').split(',').map((f) => f.trim()), classTags);
    if (byClass) {
      const name = (byClass.rest[0] ?? '').replace(/^option:/, '');
      const value = byClass.rest.slice(1).join(',');
      const checked = checkDhcpOption(name, value);
      if ('error' in checked) {
        set(item, checked.field === 'opt_name' || /IPv4 address/.test(checked.error) ? 'error' : 'unmapped', `bad dhcp-option: ${checked.error}`);
        continue;
      }
      set(item, ...classTaggedOption(ports, byClass, name, value, item.name === 'dhcp-option-force'));
      continue;
    }
    const { tags, negated, rest } = takeTags((item.value ?? '').split(',').map((f) => f.trim()));
    const spec = (rest[0] ?? '').replace(/^option:/, '');
    if (negated || /^(option6|encap|vi-encap|vendor):/.test(rest[0] ?? '') || spec === '') {
      set(item, 'unmapped', 'negated tags, vendor/encapsulated and DHCPv6 options have no counterpart');
      continue;
    }
    const values = rest.slice(1);
    // Names, aliases and values as protocol's option table reads a port's extra_dhcp_opts (the agent does; the API's port check is to).
    const checked = checkDhcpOption(spec, values.join(','));
    // dnsmasq refuses an unknown name or one the server sets ("bad dhcp-option") and a bad address in an address option.
    if ('error' in checked && (checked.field === 'opt_name' || /IPv4 address/.test(checked.error))) {
      set(item, 'error', `bad dhcp-option: ${checked.error}`);
      continue;
    }
    const code = checked.code;
    const tagged = tags.length > 0;
    const portTargets = ports.filter((p) => tags.some((t) => p.tags.has(t)));
    const subnetTargets = tagged ? networks.filter((n) => tags.some((t) => n.subnet.tags.has(t))) : networks;
    if (portTargets.length > 0 && 'error' in checked) {
      set(item, 'unmapped', checked.error);
      continue;
    }
    if (portTargets.length > 0) {
      for (const p of portTargets) p.extraDhcpOpts.push({ opt_name: spec, opt_value: values.join(',') });
      set(item, 'created', `extra_dhcp_opts ${spec}=${values.join(',')} on ${portTargets.length} port(s) tagged ${tags.join(',')}`);
      continue;
    }
    if (subnetTargets.length === 0) {
      set(item, 'unmapped', tagged ? `tag ${tags.join(',')} is set by no imported dhcp-range or dhcp-host` : 'no dhcp-range to apply it to');
      continue;
    }
    const ips = values.map((v) => tryParseIpv4(v));
    const names = subnetTargets.map((n) => n.name).join(', ');
    if (code === 3) {
      const gw = ips[0];
      if (values.length === 0 || values[0] === '') subnetTargets.forEach((n) => (n.subnet.gateway = null));
      else if (gw === undefined || subnetTargets.some((n) => !cidrContains(n.subnet.cidr, gw))) {
        set(item, 'unmapped', `router ${values[0]} is not an address inside ${subnetTargets.map((n) => formatCidr(n.subnet.cidr)).join(', ')}`);
        continue;
      } else subnetTargets.forEach((n) => (n.subnet.gateway = gw));
      set(item, 'created', `gateway_ip ${values[0] || 'none'} of ${names}`);
    } else if (code === 6) {
      if (ips.some((ip) => ip === undefined)) {
        set(item, 'unmapped', 'dns-server wants IPv4 addresses');
        continue;
      }
      // 0.0.0.0 is dnsmasq's "this server": the agent hands out its own address when the list is empty.
      const servers = values.filter((v) => v !== '0.0.0.0');
      subnetTargets.forEach((n) => (n.subnet.dnsNameservers = servers));
      set(item, 'created', `dns_nameservers [${servers.join(', ')}] of ${names}${servers.length < values.length ? ' (0.0.0.0: the agent answers itself)' : ''}`);
    } else if (code === 26) {
      const mtu = Number(values[0]);
      if (values.length !== 1 || !Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
        set(item, 'unmapped', `interface-mtu wants one number in 68..65535 (the network's mtu), not ${JSON.stringify(values.join(','))}`);
        continue;
      }
      subnetTargets.forEach((n) => (n.mtu = mtu));
      set(item, 'created', `mtu ${mtu} of ${names}`);
    } else if (code === 15) {
      subnetTargets.forEach((n) => (n.dnsDomain = values[0]));
      set(item, 'created', `dns_domain ${values[0]} of ${names}`);
    } else if (code === 121) {
      const routes: { destination: string; nexthop: string }[] = [];
      for (let i = 0; i + 1 < values.length; i += 2) routes.push({ destination: values[i]!, nexthop: values[i + 1]! });
      if (routes.length === 0 || values.length % 2 !== 0) {
        set(item, 'unmapped', 'classless-static-route wants destination/len,router pairs');
        continue;
      }
      subnetTargets.forEach((n) => (n.subnet.hostRoutes = [...(n.subnet.hostRoutes ?? []), ...routes]));
      set(item, 'created', `host_routes ${routes.map((r) => `${r.destination}=${r.nexthop}`).join(' ')} of ${names}`);
    } else {
      const fix = 'error' in checked ? `, and the API would refuse its value (${checked.error})` : `; give it to ports with --extra-dhcp-opt ${spec}=${values.join(',')}`;
      set(item, 'unmapped', `option ${spec} has no subnet-wide field${fix}`);
    }
  }

  planDhcpBoot(items, ports, classTags, set);

  // Fixed addresses and gateways leave the dynamic pools (the API keeps them apart; dnsmasq does not need to).
  for (const n of networks) {
    const gw = n.subnet.gateway === undefined ? cidrFirstHost(n.subnet.cidr) : n.subnet.gateway;
    if (gw !== null) n.subnet.dynamicPools = carve(n.subnet.dynamicPools, gw);
  }
  for (const p of [...ports]) {
    if (p.ip === undefined) continue;
    const { subnet } = p.network;
    if (p.ip === (subnet.gateway === undefined ? cidrFirstHost(subnet.cidr) : subnet.gateway)) {
      Object.assign(p.note, { status: 'unmapped', detail: `${formatIpv4(p.ip)} is the subnet's gateway` });
      ports.splice(ports.indexOf(p), 1);
      continue;
    }
    const before = subnet.dynamicPools.length;
    const inside = subnet.dynamicPools.some((r) => p.ip! >= r.first && p.ip! <= r.last);
    subnet.dynamicPools = carve(subnet.dynamicPools, p.ip);
    if (inside) p.note.detail += `; ${formatIpv4(p.ip)} taken out of the dynamic pool${subnet.dynamicPools.length > before ? ' (split in two)' : ''}`;
  }

  // domain=name[,range]: network dns_domain, and the cache's own domain.
  for (const item of by('domain')) {
    const [domain, scope] = (item.value ?? '').split(',').map((f) => f.trim());
    const block = scope?.includes('/') ? scope : undefined;
    const targets = networks.filter((n) => (block ? formatCidr(n.subnet.cidr) === block : scope === undefined || scope === 'local') && n.dnsDomain === undefined);
    targets.forEach((n) => (n.dnsDomain = domain));
    if (!scope) dns.push(item);
    set(item, targets.length || !scope ? 'created' : 'unmapped', targets.length ? `dns_domain ${domain} of ${targets.map((n) => n.name).join(', ')}${scope ? '' : '; dns.domain'}` : scope ? `no imported subnet matches ${scope}` : `dns.domain ${domain}`);
  }

  // DNS options, each checked by the DNS cache's parser.
  const optionLines = new Map<string, ConfigItem[]>();
  for (const item of items) {
    // TFTP is the agent's (planTftp above), whatever the DNS cache's parser makes of its options.
    if (item.name === 'domain' || item.name.startsWith('dhcp-') || item.name === 'enable-tftp' || item.name.startsWith('tftp-')) continue;
    if (item.name === 'interface') {
      const names = (item.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      agent.interfaces.push(...names.filter((n) => !agent.interfaces.includes(n)));
      set(item, 'agent', `agent.interface_mappings ${names.map((n) => `${n}: ${n}`).join(', ')} (the physical network ${names.join(', ')} is served on that interface)`);
    } else if (item.name === 'port') {
      agent.dnsPort = Number(item.value);
      set(item, 'agent', `agent.dns.port ${item.value}`);
    } else if (LISTENING.has(item.name)) {
      set(item, 'ignored', "the agent's DNS listens on its DHCP port addresses");
    } else if (OPTIONS[item.name]) {
      const earlier = optionLines.get(item.name) ?? [];
      try {
        // dnsmasq refuses an option it takes once given twice (illegal repeated keyword) and a cname alias named twice:
        // each line is checked with the earlier good line(s) of its name, not with the whole file (a blocklist has thousands).
        applyItems(item.name === 'cname' ? [...earlier, item] : [...earlier.slice(-1), item]);
        optionLines.set(item.name, [...(item.name === 'cname' ? earlier : []), item]);
        // Options the cache accepts but has no use for (log-facility, user, ...) change nothing.
        if (JSON.stringify(applyItems([item])) === JSON.stringify(DEFAULT_CONFIG)) {
          set(item, 'ignored', 'no effect on the DNS cache (not used, or the default)');
          continue;
        }
        dns.push(item);
        set(item, 'dns', `dns.${item.name}`);
      } catch (error) {
        // What the cache refuses as malformed dnsmasq refuses too; what it does not support dnsmasq accepts.
        const reason = error instanceof ConfigError ? error.reason : String(error);
        set(item, /support/.test(reason) ? 'unmapped' : 'error', reason);
      }
    }
  }
  if (networks.length === 0) for (const n of notes) if (n.status === 'unmapped' && n.text.startsWith('dhcp-')) n.detail ||= 'no dhcp-range';
  // A name dnsmasq does not know is its "bad option" (a typo such as dhcp-rnage would otherwise go unnoticed).
  for (const [item, note] of noteOf) {
    if (DNSMASQ_OPTION_NAMES.has(item.name) || OPTIONS[item.name]) continue;
    const near = closestName(item.name, DNSMASQ_OPTION_NAMES);
    Object.assign(note, { status: 'error', detail: `bad option: dnsmasq has no option ${item.name}${near ? ` (did you mean ${near}?)` : ''}` });
  }
  const warnings = [...servedOn(networks, agent.interfaces), ...deafDnsServers(networks, by('listen-address'))];
  return { networks, ports, dns, agent, notes, warnings };
}

/**
 * With several interface= lines each is a physical network of its own name:
 * a network whose range tag names one is served there; the others go to the
 * first ("*"), said as a warning. Sets physicalNetwork; returns the warnings.
 */
function servedOn(networks: PlanNetwork[], interfaces: readonly string[]): string[] {
  if (interfaces.length < 2) return [];
  const warnings: string[] = [];
  for (const n of networks) {
    n.physicalNetwork = interfaces.find((i) => n.subnet.tags.has(i));
    if (n.physicalNetwork === undefined) warnings.push(`network ${n.name}: no tag of its dhcp-range names one of the interfaces ${interfaces.join(', ')}; it is served on ${interfaces[0]} ("*"); set --physical-network on it to move it`);
  }
  return warnings;
}

/**
 * dnsmasq answered DNS on the router address (or its listen-address); after
 * the import the agent answers on its own DHCP port address and nothing
 * listens there, so clients told to use it would get no answers. Pure.
 */
function deafDnsServers(networks: readonly PlanNetwork[], listen: readonly ConfigItem[]): string[] {
  const listened = new Set(listen.flatMap((i) => (i.value ?? '').split(',').map((a) => a.trim())));
  return networks.flatMap((n) => {
    const gw = n.subnet.gateway === undefined ? cidrFirstHost(n.subnet.cidr) : n.subnet.gateway;
    const deaf = (n.subnet.dnsNameservers ?? []).filter((a) => listened.has(a) || (gw !== null && a === formatIpv4(gw)));
    return deaf.map((a) => `network ${n.name}: clients would be given DNS server ${a}, where dnsmasq answered (${listened.has(a) ? 'its listen-address' : 'the router address'}); after the import nothing listens there: the agent answers DNS on its own DHCP port address, which clients get when dhcp-option=6 leaves ${a} out (or names 0.0.0.0)`);
  });
}

/** The leasehold.yaml text for the plan's DNS settings and agent hints. Pure. */
export function dnsYaml(plan: Plan): string {
  const lines: string[] = ['# Written by leasehold import-dnsmasq: the DNS settings of the imported configuration.'];
  if (plan.agent.interfaces.length || plan.agent.dnsPort !== undefined || plan.agent.classes.length || plan.agent.tftp) {
    lines.push('agent:');
    if (plan.agent.interfaces.length) {
      lines.push('  interface_mappings:');
      // One mapping per interface= name (the networks name it as their physical network); "*" for the others.
      if (plan.agent.interfaces.length > 1) for (const i of plan.agent.interfaces) lines.push(`    ${i}: ${i}`);
      lines.push(`    "*": ${plan.agent.interfaces[0]}`);
    }
    if (plan.agent.dnsPort !== undefined) lines.push('  dns:', `    port: ${plan.agent.dnsPort}`);
    for (const directive of ['dhcp-match', 'dhcp-userclass', 'dhcp-vendorclass'] as const) {
      const values = plan.agent.classes.filter(([d]) => d === directive).map(([, v]) => `    - ${JSON.stringify(v)}`);
      if (values.length) lines.push(`  ${directive.replace('-', '_')}:`, ...values);
    }
    if (plan.agent.tftp) lines.push(...tftpYaml(plan.agent.tftp));
  }
  const grouped = new Map<string, ConfigItem[]>();
  for (const item of plan.dns) grouped.set(item.name, [...(grouped.get(item.name) ?? []), item]);
  lines.push(grouped.size ? 'dns:' : 'dns: {}');
  const quote = (v: string) => (/^\d+$/.test(v) ? v : JSON.stringify(v));
  for (const [name, list] of grouped) {
    const takesValue = OPTIONS[name]?.value ?? true;
    if (!takesValue) lines.push(`  ${name}: true`);
    else if (list.length === 1 && name !== 'server' && name !== 'local' && name !== 'address' && name !== 'host-record') lines.push(`  ${name}: ${quote(list[0]!.value ?? '')}`);
    else lines.push(`  ${name}:`, ...list.map((i) => `    - ${quote(i.value ?? '')}`));
  }
  return `${lines.join('\n')}\n`;
}
