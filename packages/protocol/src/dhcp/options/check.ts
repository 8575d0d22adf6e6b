/**
 * One Neutron extra_dhcp_opt (`opt_name`, `opt_value`) checked against the
 * option table and turned into the option to send: what the API asks before
 * it accepts a port, and what the agent asks before it answers. Names and
 * value syntax are dnsmasq's (Neutron hands them to dnsmasq verbatim), with a
 * "force:" prefix for dnsmasq's --dhcp-option-force.
 */
import { tryParseIpv4, type Ipv4 } from '../../ipv4/address.js';
import { DhcpEncodeError, DhcpOptionTextError } from '../errors.js';
import type { ClasslessRoute, DhcpOption } from '../message.js';
import { optionValueLength } from '../option-values.js';
import { encodeDhcpOptionText, type DhcpOptionTextContext } from './encode-value.js';
import { dhcpOptionCode, dhcpOptionLabel, dhcpOptionSpec, SERVER_SET_DHCP_OPTIONS, SUPPRESSIBLE_DHCP_OPTIONS } from './table.js';

/** The longest option value accepted; dnsmasq refuses longer ones ("dhcp-option too long"). */
export const MAX_DHCP_OPTION_VALUE = 255;

/** dnsmasq's "server-ip-address": not an option code on the wire (255 is the end option), the siaddr header field. */
const SERVER_IP_ADDRESS = 255;

/** One `tag:` prefix of an entry: the option applies only to clients that carry `tag` (or, negated, that do not). */
export interface DhcpTagTest {
  readonly tag: string;
  /** Written `tag:!name`. */
  readonly negated: boolean;
}

/** An entry that is a valid option. */
export interface DhcpOptionAccepted {
  readonly code: number;
  /**
   * The entry's `tag:` prefixes (Neutron's `tag:ipxe,bootfile-name`, which
   * its agent writes into dnsmasq's opts file as is): every test must hold
   * for the client, as dnsmasq's tag matching. Absent when there are none.
   */
  readonly tags?: readonly DhcpTagTest[];
  /** Given with a "force:" prefix: sent even when the client did not ask for it (dnsmasq's --dhcp-option-force). */
  readonly force: boolean;
  /** The option to send; undefined when an empty value suppresses a computed option (see `SUPPRESSIBLE_DHCP_OPTIONS`), and for `siaddr`. */
  readonly option: DhcpOption | undefined;
  /** For options 121 and 249: the routes, so a reply can keep them consistent with option 3. */
  readonly routes?: readonly ClasslessRoute[];
  /** For dnsmasq's "server-ip-address" (code 255): the next server for PXE, which goes in the siaddr header field, not in an option. */
  readonly siaddr?: Ipv4;
}

/** An entry that is not: which field is wrong, and why. */
export interface DhcpOptionRefused {
  /** The whole message, naming the option: `option 3 (router): "10.0.0" is not a dotted-quad IPv4 address`. */
  readonly error: string;
  /** `opt_name`: unknown, or an option the server sets itself; `opt_value`: malformed for the option's type. */
  readonly field: 'opt_name' | 'opt_value';
  /** The option's code, when the name resolved to one. */
  readonly code?: number;
  /** The problem without the option's name (what the agent's errors carry). */
  readonly reason: string;
}

export type DhcpOptionCheck = DhcpOptionAccepted | DhcpOptionRefused;

/**
 * Checks one extra_dhcp_opt. `name`: a dnsmasq option name or Neutron alias
 * (any letter case), or a decimal code 1..254, optionally after "option:"
 * and, before that, "force:" and any number of `tag:name,` or `tag:!name,`
 * (dnsmasq's dhcp-option tags, which Neutron passes through: Ironic's
 * `tag:!ipxe,bootfile-name`). `value`: dnsmasq's syntax (see
 * `encodeDhcpOptionText`); an empty value suppresses an option the server
 * computes (router, dns-server...) and sends an empty option otherwise where
 * the type allows one. "server-ip-address" is accepted with one address as
 * `siaddr`; the names of other options the server sets are refused.
 * `context.serverId` replaces 0.0.0.0 in address lists; leave it out to only
 * validate. Never throws. Pure.
 */
export function checkDhcpOption(name: string, value: string, context: DhcpOptionTextContext = {}): DhcpOptionCheck {
  let bare = name.trim();
  const force = /^force:/i.test(bare);
  if (force) bare = bare.slice('force:'.length);
  const tagged = takeTagTests(bare);
  if (typeof tagged === 'string') return refuseName(name, tagged);
  bare = tagged.rest;
  const tags = tagged.tags.length > 0 ? { tags: tagged.tags } : {};
  const code = dhcpOptionCode(bare);
  if (code === undefined) return refuseName(name, 'not a dnsmasq option name or a code in 1..254');
  const checked = checkUntagged(code, name, value, force, context);
  return 'error' in checked ? checked : { ...checked, ...tags };
}

function checkUntagged(code: number, name: string, value: string, force: boolean, context: DhcpOptionTextContext): DhcpOptionCheck {
  // Neutron passes server-ip-address to dnsmasq like any option and Ironic relies on it for PXE.
  if (code === SERVER_IP_ADDRESS) return nextServer(value, force);
  const internal = SERVER_SET_DHCP_OPTIONS.get(code);
  if (internal !== undefined) return refuseName(name, `option ${code} (${internal}) is set by the server, not by configuration`, code);

  const text = value.trim();
  const spec = dhcpOptionSpec(code);
  if (text === '') {
    if (SUPPRESSIBLE_DHCP_OPTIONS.has(code)) return { code, force, option: undefined };
    if (spec === undefined || spec.kind === 'auto' || spec.kind === 'empty' || spec.kind === 'bytes' || code === 68) {
      return { code, force, option: { code, raw: new Uint8Array(0) } };
    }
    return refuseValue(code, 'needs a value');
  }
  try {
    const encoded = encodeDhcpOptionText(code, text, context);
    const length = optionValueLength(encoded.option);
    if (length > MAX_DHCP_OPTION_VALUE) return refuseValue(code, `value is ${length} bytes; at most ${MAX_DHCP_OPTION_VALUE} fit in one option`);
    return { code, force, ...encoded };
  } catch (error) {
    if (error instanceof DhcpOptionTextError) return refuseValue(code, error.reason);
    // A value the parser let through but the codec cannot write is still the caller's value at fault.
    if (error instanceof DhcpEncodeError) return refuseValue(code, error.message);
    throw error;
  }
}

const TAG = /^tag:(!?)([^,]*),/i;

/** Splits the leading `tag:` fields off a name; a message for an empty tag name. Pure. */
function takeTagTests(name: string): { tags: DhcpTagTest[]; rest: string } | string {
  const tags: DhcpTagTest[] = [];
  let rest = name;
  for (let m = TAG.exec(rest); m !== null; m = TAG.exec(rest)) {
    const tag = m[2]!.trim();
    if (tag === '') return `"${m[0]}" names no tag`;
    tags.push({ tag, negated: m[1] === '!' });
    rest = rest.slice(m[0].length).trim();
  }
  return { tags, rest };
}

function nextServer(value: string, force: boolean): DhcpOptionCheck {
  const siaddr = tryParseIpv4(value.trim());
  if (siaddr === undefined) return refuseValue(SERVER_IP_ADDRESS, `${JSON.stringify(value.trim())} is not one IPv4 address`);
  return { code: SERVER_IP_ADDRESS, force, option: undefined, siaddr };
}

function refuseName(name: string, reason: string, code?: number): DhcpOptionRefused {
  return { error: `${JSON.stringify(name)}: ${reason}`, field: 'opt_name', ...(code === undefined ? {} : { code }), reason };
}

function refuseValue(code: number, reason: string): DhcpOptionRefused {
  return { error: `option ${dhcpOptionLabel(code)}: ${reason}`, field: 'opt_value', code, reason };
}
