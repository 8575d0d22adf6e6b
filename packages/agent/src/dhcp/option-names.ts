/**
 * Neutron's per-port `extra_dhcp_opts` as DHCP options. Neutron hands them to
 * dnsmasq verbatim, so names and value syntax follow dnsmasq 2.90
 * (`dnsmasq --help dhcp`, `--dhcp-option` in dnsmasq(8)): an option by name
 * ("router", "tftp-server") or decimal code ("3", "150"), an optional
 * "option:" prefix, comma-separated values, "0.0.0.0" meaning this server,
 * quotes forcing literal text, and an empty value meaning "do not send" for
 * the options the server fills in itself.
 */
import {
  formatIpv4,
  isNetmask,
  parseCidr,
  tryParseIpv4,
  type ClasslessRoute,
  type DhcpOption,
  type ExtraDhcpOpt,
  type Ipv4,
} from '@leasehold/protocol';

/** How an option's text value is read. */
export type OptionValueKind =
  | 'ip' // one address
  | 'ips' // one or more addresses
  | 'ip-pairs' // address pairs (RFC 2132 options 21 and 33)
  | 'u8'
  | 'u16'
  | 'u32'
  | 'i32' // signed (option 2, time offset)
  | 'time' // seconds, "infinite", or a number with an s/m/h/d/w suffix
  | 'bool' // one byte 0 or 1
  | 'text'
  | 'bytes' // colon-separated hex ("01:a0:ff") or text
  | 'domains' // RFC 3397 search list
  | 'routes' // RFC 3442: "dest/len,router[,dest/len,router...]"
  | 'sip' // RFC 3361: addresses, else domain names
  | 'empty'; // no data (rapid commit)

export interface OptionSpec {
  readonly code: number;
  /** dnsmasq's name, or undefined for a code dnsmasq does not name (249). */
  readonly name: string | undefined;
  readonly kind: OptionValueKind;
  readonly min?: number;
  readonly max?: number;
}

type Row = readonly [code: number, name: string | undefined, kind: OptionValueKind, min?: number, max?: number];

// prettier-ignore
const ROWS: readonly Row[] = [
  [1, 'netmask', 'ip'], [2, 'time-offset', 'i32'], [3, 'router', 'ips'], [6, 'dns-server', 'ips'],
  [7, 'log-server', 'ips'], [9, 'lpr-server', 'ips'], [12, 'hostname', 'text'], [13, 'boot-file-size', 'u16'],
  [15, 'domain-name', 'text'], [16, 'swap-server', 'ip'], [17, 'root-path', 'text'], [18, 'extension-path', 'text'],
  [19, 'ip-forward-enable', 'bool'], [20, 'non-local-source-routing', 'bool'], [21, 'policy-filter', 'ip-pairs'],
  [22, 'max-datagram-reassembly', 'u16', 576], [23, 'default-ttl', 'u8', 1], [26, 'mtu', 'u16', 68],
  [27, 'all-subnets-local', 'bool'], [28, 'broadcast', 'ip'], [31, 'router-discovery', 'bool'],
  [32, 'router-solicitation', 'ip'], [33, 'static-route', 'ip-pairs'], [34, 'trailer-encapsulation', 'bool'],
  [35, 'arp-timeout', 'u32'], [36, 'ethernet-encap', 'bool'], [37, 'tcp-ttl', 'u8', 1], [38, 'tcp-keepalive', 'u32'],
  [40, 'nis-domain', 'text'], [41, 'nis-server', 'ips'], [42, 'ntp-server', 'ips'], [44, 'netbios-ns', 'ips'],
  [45, 'netbios-dd', 'ips'], [46, 'netbios-nodetype', 'u8', 1, 8], [47, 'netbios-scope', 'text'],
  [48, 'x-windows-fs', 'ips'], [49, 'x-windows-dm', 'ips'], [58, 'T1', 'time'], [59, 'T2', 'time'],
  [60, 'vendor-class', 'text'], [64, 'nis+-domain', 'text'], [65, 'nis+-server', 'ips'], [66, 'tftp-server', 'text'],
  [67, 'bootfile-name', 'text'], [68, 'mobile-ip-home', 'ips'], [69, 'smtp-server', 'ips'], [70, 'pop3-server', 'ips'],
  [71, 'nntp-server', 'ips'], [74, 'irc-server', 'ips'], [77, 'user-class', 'bytes'], [80, 'rapid-commit', 'empty'],
  [93, 'client-arch', 'u16'], [94, 'client-interface-id', 'bytes'], [97, 'client-machine-id', 'bytes'],
  [100, 'posix-timezone', 'text'], [101, 'tzdb-timezone', 'text'], [108, 'ipv6-only', 'u32'],
  [119, 'domain-search', 'domains'], [120, 'sip-server', 'sip'], [121, 'classless-static-route', 'routes'],
  [125, 'vendor-id-encap', 'bytes'], [150, 'tftp-server-address', 'ips'], [249, undefined, 'routes'],
];

/**
 * The names `dnsmasq --help dhcp` lists (dnsmasq 2.90), plus "hostname"
 * (12) and "broadcast" (28), which dnsmasq names internally and lets a
 * configuration override, and 249 (Microsoft's classless routes), which
 * Neutron sends beside 121.
 */
export const OPTION_SPECS: readonly OptionSpec[] = ROWS.map(([code, name, kind, min, max]) => ({
  code,
  name,
  kind,
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
}));

const BY_CODE = new Map(OPTION_SPECS.map((s) => [s.code, s]));
const BY_NAME = new Map(OPTION_SPECS.filter((s) => s.name !== undefined).map((s) => [s.name!.toLowerCase(), s.code]));

/**
 * Codes the server sets from the protocol exchange: a configuration cannot
 * give them (dnsmasq's OT_INTERNAL options). 255 is dnsmasq's
 * "server-ip-address", which sets the siaddr header field, not an option.
 */
// prettier-ignore
const SERVER_SET = new Map<number, string>([
  [0, 'pad'], [50, 'requested-address'], [51, 'lease-time'], [52, 'option-overload'], [53, 'message-type'],
  [54, 'server-identifier'], [55, 'parameter-request'], [56, 'message'], [57, 'max-message-size'], [61, 'client-id'],
  [81, 'FQDN'], [82, 'agent-id'], [255, 'server-ip-address'],
]);
for (const [code, name] of SERVER_SET) if (code !== 0) BY_NAME.set(name.toLowerCase(), code);

/**
 * Codes whose value the server computes from the subnet or port: an empty
 * value for them means "send nothing" (dnsmasq(8): "--dhcp-option =
 * option:router will result in no router option being sent").
 */
export const SUPPRESSIBLE_CODES: ReadonlySet<number> = new Set([3, 6, 12, 15, 26, 28, 119, 121, 249]);

/** The longest option value accepted; dnsmasq refuses longer ones ("dhcp-option too long"). */
export const MAX_OPTION_VALUE_BYTES = 255;

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

/** One parsed `extra_dhcp_opts` entry. */
export interface ExtraOption {
  readonly code: number;
  /** Given with a "force:" prefix: sent even when the client did not ask for it (dnsmasq's --dhcp-option-force). */
  readonly force: boolean;
  /** The option to send; undefined when an empty value suppresses a computed option (see `SUPPRESSIBLE_CODES`). */
  readonly option: DhcpOption | undefined;
  /** For options 121 and 249: the routes, so the reply can keep them consistent with option 3. */
  readonly routes?: readonly ClasslessRoute[];
}

export interface ParseContext {
  /** Replaces 0.0.0.0 in address values (dnsmasq: "the address of the machine running dnsmasq"). */
  readonly serverId?: Ipv4;
}

/** The spec of a code, if this module knows its type. Pure. */
export function optionSpec(code: number): OptionSpec | undefined {
  return BY_CODE.get(code);
}

/**
 * The code of a dnsmasq option name (case-insensitive, "option:" prefix
 * allowed) or of a decimal code 1..254; undefined otherwise. Pure.
 */
export function optionCode(name: string): number | undefined {
  const bare = name.trim().replace(/^option:/i, '');
  if (/^[0-9]{1,3}$/.test(bare)) {
    const code = Number(bare);
    return code >= 1 && code <= 254 ? code : undefined;
  }
  return BY_NAME.get(bare.toLowerCase());
}

/**
 * Parses one Neutron `extra_dhcp_opts` entry. Known codes get the value type
 * of their dnsmasq option; codes the protocol codec types (1, 3, 6, 12, 15,
 * 26, 28, 42, 58, 59, 60, 66, 67, 119, 121) come back typed, others as raw
 * bytes. A code without a known type takes, like dnsmasq: quoted text as
 * text; a list of dotted quads as addresses; colon-separated hex as bytes; a
 * decimal as the smallest of 1, 2 or 4 bytes (or forced by a b/s/i suffix);
 * anything else as text. Text is sent as its UTF-8 bytes. Throws an
 * `ExtraDhcpOptError` naming the entry. Pure.
 */
export function parseExtraDhcpOpt(opt: ExtraDhcpOpt, context: ParseContext = {}): ExtraOption {
  let name = opt.optName.trim();
  const force = /^force:/i.test(name);
  if (force) name = name.slice('force:'.length);
  const code = optionCode(name);
  if (code === undefined) throw new UnknownDhcpOptionError(opt.optName, opt.optValue, 'not a dnsmasq option name or a code in 1..254');
  const internal = SERVER_SET.get(code);
  if (internal !== undefined) {
    throw new UnknownDhcpOptionError(opt.optName, opt.optValue, `option ${code} (${internal}) is set by the server, not by configuration`);
  }
  const value = opt.optValue.trim();
  const bad = (reason: string): never => {
    throw new InvalidDhcpOptionValueError(opt.optName, opt.optValue, code, reason);
  };
  const known = BY_CODE.get(code);
  if (value === '') {
    if (SUPPRESSIBLE_CODES.has(code)) return { code, force, option: undefined };
    if (known === undefined || known.kind === 'empty' || known.kind === 'bytes' || code === 68) {
      return { code, force, option: { code, raw: new Uint8Array(0) } };
    }
    return bad('needs a value');
  }
  const parsed = known ? parseKnown(known, value, context, bad) : parseUntyped(code, value, context, bad);
  const length = 'raw' in parsed.option ? parsed.option.raw.length : valueLength(parsed.option);
  if (length > MAX_OPTION_VALUE_BYTES) bad(`value is ${length} bytes; at most ${MAX_OPTION_VALUE_BYTES} fit in one option`);
  return { code, force, ...parsed };
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
    if (optionCode(opt.optName.trim().replace(/^force:/i, '')) !== 255) continue;
    found = tryParseIpv4(opt.optValue.trim());
    if (found === undefined) throw new InvalidDhcpOptionValueError(opt.optName, opt.optValue, 255, 'not one IPv4 address');
  }
  return found;
}

/** RFC 3442 section 3 encoding of classless routes (options 121 and 249). Pure. */
export function encodeClasslessRoutes(routes: readonly ClasslessRoute[]): Uint8Array {
  let n = 0;
  for (const r of routes) n += 5 + ((r.prefix + 7) >> 3);
  const out = new Uint8Array(n);
  let pos = 0;
  for (const r of routes) {
    out[pos++] = r.prefix;
    for (let i = 0; i < (r.prefix + 7) >> 3; i++) out[pos++] = r.destination >>> (24 - 8 * i);
    for (let i = 0; i < 4; i++) out[pos++] = r.router >>> (24 - 8 * i);
  }
  return out;
}

type Bad = (reason: string) => never;
type Parsed = { option: DhcpOption; routes?: readonly ClasslessRoute[] };

/** Codes the protocol codec gives typed values, with the kinds this module reads them as. */
const TYPED = new Set([1, 3, 6, 12, 15, 26, 28, 42, 58, 59, 60, 66, 67, 119, 121]);

const utf8 = new TextEncoder();

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function valueLength(option: DhcpOption & { value: unknown }): number {
  const v: unknown = option.value;
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number') return option.code === 26 ? 2 : 4;
  if (option.code === 119) return (v as string[]).reduce((n, name) => n + name.length + 1, 0);
  if (option.code === 121) return encodeClasslessRoutes(v as ClasslessRoute[]).length;
  return (v as unknown[]).length * 4;
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** `thisServer`: 0.0.0.0 means the server (not in a netmask or an address/mask pair). */
function addresses(value: string, thisServer: boolean, context: ParseContext, bad: Bad): Ipv4[] {
  return splitList(value).map((item) => {
    const ip = tryParseIpv4(item);
    if (ip === undefined) return bad(`${JSON.stringify(item)} is not a dotted-quad IPv4 address`);
    return ip === 0 && thisServer && context.serverId !== undefined ? context.serverId : ip;
  });
}

function integer(text: string, min: number, max: number, bad: Bad): number {
  if (!/^-?[0-9]{1,10}$/.test(text)) bad(`${JSON.stringify(text)} is not a decimal integer`);
  const n = Number(text);
  if (n < min || n > max) bad(`${n} is not in ${min}..${max}`);
  return n;
}

function u32Bytes(n: number): Uint8Array {
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

const TIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

function seconds(text: string, bad: Bad): number {
  if (/^infinite$/i.test(text)) return 0xffffffff;
  const m = /^([0-9]{1,10})([smhdw]?)$/i.exec(text);
  if (!m) return bad(`${JSON.stringify(text)} is not a time (seconds, "infinite", or a number with s/m/h/d/w)`);
  const n = Number(m[1]) * TIME_UNITS[(m[2] || 's').toLowerCase()]!;
  if (n > 0xffffffff) bad(`${text} is over 4294967295 seconds`);
  return n;
}

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Validates a host-style domain name; returns it fully qualified, in the form the codec's option 119 uses. */
function domainName(text: string, bad: Bad): string {
  const bare = text.endsWith('.') ? text.slice(0, -1) : text;
  const labels = bare.split('.');
  for (const label of labels) if (!LABEL.test(label)) bad(`${JSON.stringify(text)} is not a domain name (label ${JSON.stringify(label)})`);
  if (bare.length + 2 > 255) bad(`${JSON.stringify(text)} is longer than 255 bytes`);
  return `${bare}.`;
}

function domainWire(name: string): number[] {
  const out: number[] = [];
  for (const label of name.slice(0, -1).split('.')) out.push(label.length, ...utf8.encode(label));
  out.push(0);
  return out;
}

function hexBytes(text: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{1,2}(?::[0-9a-f]{1,2})+$/i.test(text)) return undefined;
  return new Uint8Array(text.split(':').map((h) => parseInt(h, 16)));
}

function parseKnown(s: OptionSpec, value: string, context: ParseContext, bad: Bad): Parsed {
  const typed = TYPED.has(s.code);
  const code = s.code;
  const raw = (bytes: Uint8Array | number[]): Parsed => ({ option: { code, raw: Uint8Array.from(bytes) } });
  const number = (n: number, size: 1 | 2 | 4): Parsed => {
    if (typed) return { option: { code, value: n } as DhcpOption };
    return raw(size === 4 ? u32Bytes(n >>> 0) : size === 2 ? [n >> 8, n & 255] : [n]);
  };
  switch (s.kind) {
    case 'ip': {
      const list = addresses(value, code !== 1, context, bad);
      if (list.length !== 1) bad(`expected one address, got ${list.length}`);
      const ip = list[0]!;
      if (code === 1 && !isNetmask(ip)) bad(`${formatIpv4(ip)} is not a netmask`);
      return typed ? { option: { code, value: ip } as DhcpOption } : raw(u32Bytes(ip));
    }
    case 'ips':
    case 'ip-pairs': {
      const list = addresses(value, s.kind === 'ips', context, bad);
      if (s.kind === 'ip-pairs') {
        if (list.length % 2 !== 0) bad('expected address pairs, got an odd number of addresses');
        // RFC 2132 section 5.8: the default route is an illegal destination for a static route.
        if (code === 33 && list.some((ip, i) => i % 2 === 0 && ip === 0)) bad('0.0.0.0 is not a valid static route destination');
      }
      if (typed) return { option: { code, value: list } as DhcpOption };
      return raw(list.flatMap((ip) => [...u32Bytes(ip)]));
    }
    case 'u8':
    case 'u16':
    case 'u32': {
      const size = s.kind === 'u8' ? 1 : s.kind === 'u16' ? 2 : 4;
      const n = integer(value, s.min ?? 0, s.max ?? 2 ** (8 * size) - 1, bad);
      // RFC 2132 section 8.7: one of the four node types.
      if (code === 46 && ![1, 2, 4, 8].includes(n)) bad(`${n} is not a NetBIOS node type (1, 2, 4 or 8)`);
      return number(n, size);
    }
    case 'i32':
      return raw(u32Bytes(integer(value, -(2 ** 31), 2 ** 31 - 1, bad) >>> 0));
    case 'time':
      return number(seconds(value, bad), 4);
    case 'bool': {
      const m = /^(?:(1|true|yes|on)|(0|false|no|off))$/i.exec(value);
      if (!m) bad(`${JSON.stringify(value)} is not a boolean (0/1, true/false, yes/no, on/off)`);
      return raw([m![1] ? 1 : 0]);
    }
    case 'text': {
      const bytes = utf8.encode(unquote(value));
      return typed ? { option: { code, value: latin1(bytes) } as DhcpOption } : raw(bytes);
    }
    case 'bytes':
      return raw(hexBytes(value) ?? utf8.encode(unquote(value)));
    case 'domains': {
      const names = splitList(value).map((n) => domainName(n, bad));
      return { option: { code: 119, value: names } };
    }
    case 'routes': {
      const items = splitList(value);
      if (items.length % 2 !== 0) bad('expected "destination/prefix,router" pairs');
      const routes: ClasslessRoute[] = [];
      for (let i = 0; i < items.length; i += 2) {
        let destination: { address: Ipv4; prefix: number };
        try {
          destination = parseCidr(items[i]!);
        } catch (error) {
          return bad(`${JSON.stringify(items[i])} is not a destination: ${(error as Error).message}`);
        }
        const router = tryParseIpv4(items[i + 1]!);
        if (router === undefined) bad(`${JSON.stringify(items[i + 1])} is not a router address`);
        routes.push({ destination: destination.address, prefix: destination.prefix, router: router! });
      }
      return code === 121 ? { option: { code: 121, value: routes }, routes } : { ...raw(encodeClasslessRoutes(routes)), routes };
    }
    case 'sip': {
      const items = splitList(value);
      const ips = items.map(tryParseIpv4);
      // RFC 3361 section 3: encoding byte 1 for addresses, 0 for domain names.
      if (ips.every((ip) => ip !== undefined)) return raw([1, ...addresses(value, true, context, bad).flatMap((ip) => [...u32Bytes(ip)])]);
      return raw([0, ...items.flatMap((n) => domainWire(domainName(unquote(n), bad)))]);
    }
    case 'empty':
      return bad('takes no value');
  }
}

function parseUntyped(code: number, value: string, context: ParseContext, bad: Bad): Parsed {
  const raw = (bytes: Uint8Array | number[]): Parsed => ({ option: { code, raw: Uint8Array.from(bytes) } });
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) return raw(utf8.encode(unquote(value)));
  const items = splitList(value);
  if (items.every((item) => tryParseIpv4(item) !== undefined)) {
    return raw(addresses(value, true, context, bad).flatMap((ip) => [...u32Bytes(ip)]));
  }
  const hex = hexBytes(value);
  if (hex) return raw(hex);
  const dec = /^([0-9]{1,10})([bsi]?)$/.exec(value);
  if (dec && Number(dec[1]) <= 0xffffffff) {
    const n = Number(dec[1]);
    const size = dec[2] === 'b' ? 1 : dec[2] === 's' ? 2 : dec[2] === 'i' ? 4 : n > 0xffff ? 4 : n > 0xff ? 2 : 1;
    if (n >= 2 ** (8 * size)) bad(`${n} does not fit in ${size} byte${size > 1 ? 's' : ''}`);
    return raw(size === 4 ? u32Bytes(n) : size === 2 ? [n >> 8, n & 255] : [n]);
  }
  return raw(utf8.encode(value));
}
