/**
 * Neutron's per-port `extra_dhcp_opts` as DHCP options. Protocol's option
 * table reads each entry (`checkDhcpOption`: dnsmasq 2.90's names and value
 * syntax, Neutron's aliases, "force:"), the same check the API makes; this
 * module turns a refusal into an error naming the entry, reads a port's list
 * without letting one bad entry stop the rest. dnsmasq's "server-ip-address"
 * is an entry of code 255 with `siaddr` and no option (boot-fields.ts puts
 * it in the header); `tag:` prefixes are kept as the entry's `tags`
 * (tag-match.ts).
 */
import {
  checkDhcpOption,
  type DhcpOptionAccepted,
  type DhcpOptionTextContext,
  type ExtraDhcpOpt,
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

/** One parsed `extra_dhcp_opts` entry: code, "force:", tag tests, the option to send (undefined: suppress the computed one), routes of 121/249, or `siaddr` (code 255). */
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
  if (!('error' in checked)) return checked;
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
