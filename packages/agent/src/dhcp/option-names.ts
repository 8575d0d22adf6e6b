/**
 * Neutron's per-port `extra_dhcp_opts` as DHCP options. Protocol's option
 * table reads each entry (`checkDhcpOption`: dnsmasq 2.90's names and value
 * syntax, Neutron's aliases, "force:"), the same check the API makes; this
 * module turns a refusal into an error naming the entry, reads a port's list
 * without letting one bad entry stop the rest, and finds dnsmasq's
 * "server-ip-address" (siaddr, not an option).
 */
import {
  checkDhcpOption,
  type DhcpOptionAccepted,
  type DhcpOptionTextContext,
  type ExtraDhcpOpt,
  type Ipv4,
} from '@leasehold/protocol';

/** Base of the errors of one `extra_dhcp_opts` entry; names the entry. The agent logs it and skips the entry. */
export class ExtraDhcpOptError extends Error {
  override name = 'ExtraDhcpOptError';
  constructor(
    readonly optName: string,
    readonly optValue: string,
    readonly reason: string,
  ) {
    super(`extra_dhcp_opt ${JSON.stringify(optName)} = ${JSON.stringify(optValue)}: ${reason}`);
  }
}

/** The name is neither a dnsmasq option name nor a code in 1..254, or names an option the server sets itself. */
export class UnknownDhcpOptionError extends ExtraDhcpOptError {
  override name = 'UnknownDhcpOptionError';
}

/** The value does not fit the option's type. */
export class InvalidDhcpOptionValueError extends ExtraDhcpOptError {
  override name = 'InvalidDhcpOptionValueError';
  constructor(
    optName: string,
    optValue: string,
    readonly code: number,
    reason: string,
  ) {
    super(optName, optValue, `option ${code}: ${reason}`);
  }
}

/** One parsed `extra_dhcp_opts` entry: code, "force:", the option to send (undefined: suppress the computed one), routes of 121/249. Never `siaddr`: see `nextServerAddress`. */
export type ExtraOption = DhcpOptionAccepted;

/** `serverId` replaces 0.0.0.0 in address values (dnsmasq: "the address of the machine running dnsmasq"). */
export type ParseContext = DhcpOptionTextContext;

/**
 * Parses one Neutron `extra_dhcp_opts` entry with protocol's
 * `checkDhcpOption`. Throws `UnknownDhcpOptionError` for a name it refuses,
 * `InvalidDhcpOptionValueError` for a value, each naming the entry. Pure.
 */
export function parseExtraDhcpOpt(opt: ExtraDhcpOpt, context: ParseContext = {}): ExtraOption {
  const checked = checkDhcpOption(opt.optName, opt.optValue, context);
  if (!('error' in checked)) {
    if (checked.siaddr !== undefined) throw new UnknownDhcpOptionError(opt.optName, opt.optValue, 'server-ip-address sets siaddr, not an option (nextServerAddress reads it)');
    return checked;
  }
  if (checked.field === 'opt_name' || checked.code === undefined) throw new UnknownDhcpOptionError(opt.optName, opt.optValue, checked.reason);
  throw new InvalidDhcpOptionValueError(opt.optName, opt.optValue, checked.code, checked.reason);
}

/** Parses every entry; entries that fail are returned as errors (in input order), never thrown. Pure. */
export function parseExtraDhcpOpts(
  opts: readonly ExtraDhcpOpt[],
  context: ParseContext = {},
): { readonly options: ExtraOption[]; readonly errors: ExtraDhcpOptError[] } {
  const options: ExtraOption[] = [];
  const errors: ExtraDhcpOptError[] = [];
  for (const opt of opts) {
    try {
      options.push(parseExtraDhcpOpt(opt, context));
    } catch (error) {
      if (!(error instanceof ExtraDhcpOptError)) throw error;
      errors.push(error);
    }
  }
  return { options, errors };
}

/**
 * The address dnsmasq's "server-ip-address" entry gives (it sets siaddr, the
 * next server for PXE, not an option), or undefined. Throws
 * `InvalidDhcpOptionValueError` for a value that is not one address. Pure.
 */
export function nextServerAddress(opts: readonly ExtraDhcpOpt[]): Ipv4 | undefined {
  let found: Ipv4 | undefined;
  for (const opt of opts) {
    const checked = checkDhcpOption(opt.optName, opt.optValue);
    if (checked.code !== 255) continue;
    if ('error' in checked) throw new InvalidDhcpOptionValueError(opt.optName, opt.optValue, 255, checked.reason);
    found = checked.siaddr;
  }
  return found;
}
