/**
 * Network boot in `leasehold import-dnsmasq`: dnsmasq's client classes
 * (dhcp-match, dhcp-userclass, dhcp-vendorclass) become the agent's
 * `agent.dhcp_match` ... settings, read by the agent's own parser; options
 * and dhcp-boot lines that test such a class become ports' extra_dhcp_opts
 * with the same `tag:` prefixes, which the agent matches per request as
 * dnsmasq does. Leasehold's options live on ports, so clients without a
 * dhcp-host get none of them: each note says so.
 */
import { ClientClassError, parseClientClassRule, type ClientClassDirective } from '@leasehold/agent';
import type { ConfigItem } from '@leasehold/dns-cache';
import { tryParseIpv4 } from '@leasehold/protocol';
import { takeTags } from './import-dnsmasq-range.js';

/** The parts of the plan these steps read and write (import-dnsmasq-plan.ts). */
interface Port {
  readonly tags: Set<string>;
  readonly extraDhcpOpts: { opt_name: string; opt_value: string }[];
}
type Note = (item: ConfigItem, status: 'created' | 'agent' | 'unmapped' | 'ignored' | 'error', detail: string) => unknown;

const DIRECTIVES: readonly ClientClassDirective[] = ['dhcp-match', 'dhcp-userclass', 'dhcp-vendorclass'];
/** What every Leasehold agent has already (Neutron's agent passes them to every dnsmasq). */
const BUILT_IN = new Map([
  ['dhcp-match', 'set:ipxe,175'],
  ['dhcp-userclass', 'set:ipxe6,iPXE'],
]);

/**
 * The client-class lines: each checked by the agent's parser, kept for
 * leasehold.yaml unless built in. Returns them and the tags they set
 * (Neutron's ipxe and ipxe6 always among them).
 */
export function planClientClasses(items: readonly ConfigItem[], note: Note): { classes: [ClientClassDirective, string][]; classTags: Set<string> } {
  const classes: [ClientClassDirective, string][] = [];
  const classTags = new Set(['ipxe', 'ipxe6']);
  for (const item of items) {
    const directive = DIRECTIVES.find((d) => d === item.name);
    if (directive === undefined) continue;
    const value = (item.value ?? '').trim();
    try {
      const rule = parseClientClassRule(directive, value);
      classTags.add(rule.tag);
      if (BUILT_IN.get(directive) === value.replace(/^(set|net):/, 'set:')) {
        note(item, 'ignored', `built in: every agent tags clients so, as Neutron's DHCP agent tells dnsmasq`);
        continue;
      }
      classes.push([directive, value]);
      note(item, 'agent', `agent.${directive.replace('-', '_')} ${value} (tags clients ${rule.tag})`);
    } catch (error) {
      if (!(error instanceof ClientClassError)) throw error;
      note(item, /no counterpart/.test(error.reason) ? 'unmapped' : 'error', error.reason);
    }
  }
  return { classes, classTags };
}

/**
 * The tag prefixes of a line whose tags test client classes: `tag:ipxe,`
 * and `tag:!ipxe,` kept for the extra_dhcp_opts name, the other tags
 * choosing ports (dhcp-host set:). Undefined when no tag is a class's.
 */
export function classTagged(fields: string[], classTags: ReadonlySet<string>): { prefix: string; portTags: string[]; negatedPortTags: string[]; rest: string[] } | undefined {
  const { tags, negatedTags, rest } = takeTags(fields);
  const classPos = tags.filter((t) => classTags.has(t));
  const classNeg = negatedTags.filter((t) => classTags.has(t));
  if (classPos.length + classNeg.length === 0) return undefined;
  const prefix = [...classPos.map((t) => `tag:${t},`), ...classNeg.map((t) => `tag:!${t},`)].join('');
  return { prefix, portTags: tags.filter((t) => !classTags.has(t)), negatedPortTags: negatedTags.filter((t) => !classTags.has(t)), rest };
}

/** The ports a line's other tags choose: those with one of them, or every port when it names none. */
function portsFor(ports: readonly Port[], portTags: readonly string[]): Port[] {
  return portTags.length === 0 ? [...ports] : ports.filter((p) => portTags.some((t) => p.tags.has(t)));
}

const PER_PORT = 'clients without a dhcp-host get none: Leasehold gives options per port';

/** Puts one class-tagged option on the chosen ports; returns the note's status and detail. */
export function classTaggedOption(ports: readonly Port[], tagged: NonNullable<ReturnType<typeof classTagged>>, name: string, value: string, force: boolean): ['created' | 'unmapped', string] {
  if (tagged.negatedPortTags.length > 0) return ['unmapped', 'a negated tag that is no client class has no counterpart'];
  const targets = portsFor(ports, tagged.portTags);
  if (targets.length === 0) return ['unmapped', `no dhcp-host to put it on (${PER_PORT})`];
  const optName = `${force ? 'force:' : ''}${tagged.prefix}${name}`;
  for (const p of targets) p.extraDhcpOpts.push({ opt_name: optName, opt_value: value });
  return ['created', `extra_dhcp_opts ${optName}=${value} on ${targets.length} port(s); ${PER_PORT}`];
}

/**
 * dhcp-boot=[tag:...,]file[,server-name[,server-address]]: bootfile-name,
 * tftp-server and server-ip-address entries on the ports its tags choose
 * (all of them without tags), with its class tags kept. A server given by
 * name only (dnsmasq resolves it from /etc/hosts) has no counterpart.
 */
export function planDhcpBoot(items: readonly ConfigItem[], ports: readonly Port[], classTags: ReadonlySet<string>, note: Note): void {
  for (const item of items) {
    if (item.name !== 'dhcp-boot') continue;
    const fields = (item.value ?? '').split(',').map((f) => f.trim());
    const tagged = classTagged(fields, classTags) ?? { prefix: '', ...plainTags(fields) };
    const [file, serverName, serverAddress] = tagged.rest;
    if (file === undefined) {
      note(item, 'error', 'bad dhcp-boot: no file name after the tags');
      continue;
    }
    if (file === '') {
      note(item, 'ignored', 'no file name: nothing to boot');
      continue;
    }
    if (serverAddress !== undefined && serverAddress !== '' && tryParseIpv4(serverAddress) === undefined) {
      note(item, 'unmapped', `a TFTP server given by name (${serverAddress}) has no counterpart: give its address`);
      continue;
    }
    if (tagged.negatedPortTags.length > 0) {
      note(item, 'unmapped', 'a negated tag that is no client class has no counterpart');
      continue;
    }
    const targets = portsFor(ports, tagged.portTags);
    if (targets.length === 0) {
      note(item, 'unmapped', `no dhcp-host to put it on (${PER_PORT})`);
      continue;
    }
    const entries: [string, string][] = [[`${tagged.prefix}bootfile-name`, file]];
    if (serverName) entries.push([`${tagged.prefix}tftp-server`, serverName]);
    if (serverAddress) entries.push([`${tagged.prefix}server-ip-address`, serverAddress]);
    for (const p of targets) for (const [opt_name, opt_value] of entries) p.extraDhcpOpts.push({ opt_name, opt_value });
    note(item, 'created', `extra_dhcp_opts ${entries.map(([n, v]) => `${n}=${v}`).join(', ')} on ${targets.length} port(s); ${PER_PORT}`);
  }
}

function plainTags(fields: string[]): { portTags: string[]; negatedPortTags: string[]; rest: string[] } {
  const { tags, negatedTags, rest } = takeTags(fields);
  return { portTags: tags, negatedPortTags: negatedTags, rest };
}
