/**
 * Client classes: the tags a DHCP request earns from what the client says of
 * itself, as dnsmasq sets them (dnsmasq(8) --dhcp-match, --dhcp-userclass,
 * --dhcp-vendorclass; rfc2131.c), so that a port's `tag:ipxe,bootfile-name`
 * extra_dhcp_opt (Ironic's) means here what it means under Neutron's
 * dnsmasq. The rules are written in dnsmasq's own syntax, so lines move
 * from a dnsmasq_config_file unchanged.
 */
import { checkDhcpOption, dhcpOptionBytes, dhcpOptionCode, findOption, type DhcpMessage } from '@leasehold/protocol';

/** Which dnsmasq directive a rule came from. */
export type ClientClassDirective = 'dhcp-match' | 'dhcp-userclass' | 'dhcp-vendorclass';

/** How a rule compares the client's option data (dnsmasq's match_bytes and its vendor/user class loop). */
type Matcher =
  | { readonly kind: 'present' }
  // "01:ff:*:02": the option starts with these bytes, * any byte.
  | { readonly kind: 'prefix'; readonly bytes: Uint8Array; readonly wildcard: readonly boolean[] }
  // Text: found anywhere in the option.
  | { readonly kind: 'substring'; readonly bytes: Uint8Array }
  // A typed value (client-arch 7): one element of the option, read as an array of such values.
  | { readonly kind: 'element'; readonly bytes: Uint8Array };

/** One parsed rule: the tag it sets, and the option and test that set it. */
export interface ClientClassRule {
  readonly tag: string;
  readonly code: number;
  readonly matcher: Matcher;
  /** The rule as written, for messages. */
  readonly source: string;
}

/** A rule dnsmasq would refuse, or one Leasehold cannot honour; names the rule. */
export class ClientClassError extends Error {
  override name = 'ClientClassError';
  constructor(
    readonly directive: ClientClassDirective,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`${directive}=${value}: ${reason}`);
  }
}

/**
 * What Neutron's DHCP agent passes to every dnsmasq it starts
 * (neutron/agent/linux/dhcp.py): iPXE clients, which send option 175, are
 * tagged `ipxe`, and those whose user class says iPXE `ipxe6` (meant for
 * DHCPv6, but dnsmasq sets it for DHCPv4 too). Every agent has these.
 */
const NEUTRON_CLIENT_CLASSES: readonly (readonly [ClientClassDirective, string])[] = [
  ['dhcp-match', 'set:ipxe,175'],
  ['dhcp-userclass', 'set:ipxe6,iPXE'],
];

const OPTION_VENDOR_CLASS = 60;
const OPTION_USER_CLASS = 77;
const HEX = /^(?:[0-9a-f]{1,2}|\*)(?::(?:[0-9a-f]{1,2}|\*))+$/i;
const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);

/**
 * Parses one rule in dnsmasq's syntax (the value after `dhcp-match=` and so
 * on): `[set:]tag,code|option:name[,value]` for dhcp-match,
 * `[set:]tag,text` for the class directives. Throws `ClientClassError` for a
 * rule dnsmasq refuses or one with no counterpart here (vi-encap:,
 * enterprise:, a DHCPv6 option). Pure.
 */
export function parseClientClassRule(directive: ClientClassDirective, value: string): ClientClassRule {
  const fields = value.split(',').map((f) => f.trim());
  const fail = (reason: string): never => {
    throw new ClientClassError(directive, value, reason);
  };
  const tag = (fields.shift() ?? '').replace(/^(set|net):/, '');
  if (tag === '' || tag.startsWith('tag:') || tag.startsWith('!')) fail('wants the tag to set first (set:name)');
  if (directive !== 'dhcp-match') {
    const text = fields.join(',');
    if (/^enterprise:/i.test(text)) fail('enterprise: (RFC 3925 vendor classes) has no counterpart');
    if (text === '') fail(`wants the ${directive === 'dhcp-userclass' ? 'user' : 'vendor'} class to look for`);
    const code = directive === 'dhcp-userclass' ? OPTION_USER_CLASS : OPTION_VENDOR_CLASS;
    return { tag, code, matcher: { kind: 'substring', bytes: latin1(text) }, source: `${directive}=${value}` };
  }
  const spec = fields.shift() ?? '';
  if (/^(vi-encap|option6):/i.test(spec)) fail(`${spec.split(':')[0]}: has no counterpart (DHCPv4 options only)`);
  const code = dhcpOptionCode(spec);
  if (code === undefined) fail(`${JSON.stringify(spec)} is not a DHCP option name or a code in 1..254`);
  const text = fields.join(',');
  return { tag, code: code!, matcher: text === '' ? { kind: 'present' } : valueMatcher(code!, text), source: `${directive}=${value}` };
}

function valueMatcher(code: number, text: string): Matcher {
  if (HEX.test(text)) {
    const parts = text.split(':');
    return { kind: 'prefix', bytes: Uint8Array.from(parts, (p) => (p === '*' ? 0 : parseInt(p, 16))), wildcard: parts.map((p) => p === '*') };
  }
  // The value is read as the option's own type, as dnsmasq reads a dhcp-option value; what does not
  // fit the type is text (dnsmasq accepts set:x,option:client-arch,seven and looks for the letters).
  const checked = checkDhcpOption(String(code), text);
  if ('error' in checked || checked.option === undefined) return { kind: 'substring', bytes: latin1(text) };
  const bytes = dhcpOptionBytes(checked.option);
  // dnsmasq: a value read as text is looked for anywhere; numbers and addresses are elements of an array (option 93 lists architectures).
  const numeric = /^[\d.,\s]+$/.test(text);
  const textOption = !('error' in checkDhcpOption(String(code), 'text'));
  return { kind: numeric && !textOption ? 'element' : 'substring', bytes };
}

/** True when `data` holds `needle` at a step of `step` bytes from its start. */
function holds(data: Uint8Array, needle: Uint8Array, step: number): boolean {
  for (let i = 0; i + needle.length <= data.length; i += step) {
    let j = 0;
    while (j < needle.length && data[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

function matches(matcher: Matcher, data: Uint8Array): boolean {
  switch (matcher.kind) {
    case 'present':
      return true;
    case 'prefix':
      return matcher.bytes.length <= data.length && matcher.bytes.every((b, i) => matcher.wildcard[i] || data[i] === b);
    case 'substring':
      return holds(data, matcher.bytes, 1);
    case 'element':
      return matcher.bytes.length > 0 && holds(data, matcher.bytes, matcher.bytes.length);
  }
}

/**
 * The tags a request earns under `rules`: each rule whose option the client
 * sent, and whose value (if any) it holds. An option the codec cannot turn
 * back into bytes matches nothing. Pure.
 */
export function clientTags(msg: DhcpMessage, rules: readonly ClientClassRule[]): Set<string> {
  const tags = new Set<string>();
  for (const rule of rules) {
    if (tags.has(rule.tag)) continue;
    const option = findOption(msg, rule.code);
    if (option === undefined) continue;
    let data: Uint8Array;
    try {
      data = dhcpOptionBytes(option);
    } catch {
      continue;
    }
    if (matches(rule.matcher, data)) tags.add(rule.tag);
  }
  return tags;
}

/** The agent's rules: Neutron's two, then the configured ones. Throws `ClientClassError` for the first bad one. Pure. */
export function clientClassRules(configured: readonly (readonly [ClientClassDirective, string])[] = []): ClientClassRule[] {
  return [...NEUTRON_CLIENT_CLASSES, ...configured].map(([directive, value]) => parseClientClassRule(directive, value));
}
