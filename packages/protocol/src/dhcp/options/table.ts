/**
 * The one DHCPv4 option table: each option a configuration may name, by
 * dnsmasq's name and Neutron's other spellings, with its code and the type
 * of its text value; the options the server sets itself; and the type the
 * codec gives each code's bytes. Neutron hands a port's extra_dhcp_opts to
 * dnsmasq verbatim, so dnsmasq 2.90's names (`dnsmasq --help dhcp`,
 * dnsmasq(8) `--dhcp-option`) are the contract. The codec, the agent's reply
 * builder, the API's validator and the dnsmasq importer all read this table,
 * as Kea's parser, server and config checker read its one option definition
 * table.
 */

/** How an option's text value is read (dnsmasq syntax). */
export type DhcpOptionKind =
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
  | 'empty' // no data (rapid commit)
  | 'auto'; // no declared type: read as dnsmasq reads a bare code (addresses, hex, a decimal or text)

export interface DhcpOptionSpec {
  readonly code: number;
  /** dnsmasq's name, or undefined for a code dnsmasq does not name (249, 210, 252). */
  readonly name: string | undefined;
  /** Other spellings of the option that Neutron accepts; lookups treat them exactly as `name`. */
  readonly aliases: readonly string[];
  readonly kind: DhcpOptionKind;
  readonly min?: number;
  readonly max?: number;
}

type Row = readonly [code: number, name: string | undefined, kind: DhcpOptionKind, min?: number, max?: number];

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
  [125, 'vendor-id-encap', 'bytes'], [150, 'tftp-server-address', 'ips'], [210, undefined, 'auto'],
  [249, undefined, 'routes'], [252, undefined, 'auto'],
];

/**
 * Codes the server sets from the protocol exchange: a configuration cannot
 * give them (dnsmasq's OT_INTERNAL options). 255 is dnsmasq's
 * "server-ip-address", which sets the siaddr header field, not an option.
 */
// prettier-ignore
export const SERVER_SET_DHCP_OPTIONS: ReadonlyMap<number, string> = new Map([
  [0, 'pad'], [50, 'requested-address'], [51, 'lease-time'], [52, 'option-overload'], [53, 'message-type'],
  [54, 'server-identifier'], [55, 'parameter-request'], [56, 'message'], [57, 'max-message-size'], [61, 'client-id'],
  [81, 'FQDN'], [82, 'agent-id'], [255, 'server-ip-address'],
]);

/**
 * Neutron's spellings that dnsmasq lacks: its OVN driver's option names
 * (neutron/common/ovn/constants.py, SUPPORTED_DHCP_OPTS_MAPPING), so a port
 * written for an OVN deployment means the same here. 210 (RFC 5071 path
 * prefix) and 252 (WPAD) keep dnsmasq's reading of a bare code, so "252"
 * means what it meant before these names existed.
 */
// prettier-ignore
const ALIASES: ReadonlyMap<number, readonly string[]> = new Map([
  [54, ['server-id']], [210, ['path-prefix']], [249, ['ms-classless-static-route']], [252, ['wpad']],
]);

/**
 * The options a configuration may give: the names `dnsmasq --help dhcp`
 * lists (dnsmasq 2.90), plus "hostname" (12) and "broadcast" (28), which
 * dnsmasq names internally and lets a configuration override, 249
 * (Microsoft's classless routes), which Neutron sends beside 121, and the
 * codes Neutron's aliases name.
 */
export const DHCP_OPTION_SPECS: readonly DhcpOptionSpec[] = ROWS.map(([code, name, kind, min, max]) => ({
  code,
  name,
  aliases: ALIASES.get(code) ?? [],
  kind,
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
}));

/** How the codec holds a code's data (`option-values.ts`); codes without one stay raw bytes. */
export type DhcpWireType =
  | 'ipv4'
  | 'ipv4-list'
  | 'text' // one character per byte
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u8-list'
  | 'bytes'
  | 'overload' // RFC 2132 section 9.3: 1, 2 or 3
  | 'fqdn' // RFC 4702
  | 'relay-info' // RFC 3046 sub-options
  | 'domain-search' // RFC 3397, compressed
  | 'routes'; // RFC 3442

/** The codes the codec decodes to typed values (`DhcpOptionTypes` in message.ts is their TypeScript side), with their types. */
// prettier-ignore
export const DHCP_WIRE_TYPES: ReadonlyMap<number, DhcpWireType> = new Map<number, DhcpWireType>([
  [1, 'ipv4'], [28, 'ipv4'], [50, 'ipv4'], [54, 'ipv4'], [3, 'ipv4-list'], [6, 'ipv4-list'], [42, 'ipv4-list'],
  [12, 'text'], [15, 'text'], [60, 'text'], [66, 'text'], [67, 'text'], [26, 'u16'], [57, 'u16'],
  [51, 'u32'], [58, 'u32'], [59, 'u32'], [53, 'u8'], [55, 'u8-list'], [61, 'bytes'], [52, 'overload'],
  [81, 'fqdn'], [82, 'relay-info'], [119, 'domain-search'], [121, 'routes'],
]);

/**
 * Codes whose value the server computes from the subnet or port: an empty
 * value for them means "send nothing" (dnsmasq(8): "--dhcp-option =
 * option:router will result in no router option being sent").
 */
export const SUPPRESSIBLE_DHCP_OPTIONS: ReadonlySet<number> = new Set([3, 6, 12, 15, 26, 28, 119, 121, 249]);

const BY_CODE = new Map(DHCP_OPTION_SPECS.map((s) => [s.code, s]));

/** Every spelling the table knows, as written (names, aliases, names of server-set options), with its code. */
export const DHCP_OPTION_SPELLINGS: readonly (readonly [name: string, code: number])[] = [
  ...DHCP_OPTION_SPECS.flatMap((s) => [...(s.name === undefined ? [] : [s.name]), ...s.aliases].map((name) => [name, s.code] as const)),
  // "pad" (0) is no option a configuration could mean.
  ...[...SERVER_SET_DHCP_OPTIONS].filter(([code]) => code !== 0).flatMap(([code, name]) => [name, ...(ALIASES.get(code) ?? [])].map((n) => [n, code] as const)),
];

/** Lower-cased spelling to code. A spelling given twice is a bug in the rows above, caught when the module loads. */
const BY_NAME: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (const [name, code] of DHCP_OPTION_SPELLINGS) {
    const key = name.toLowerCase();
    if (map.has(key)) throw new Error(`DHCP option table: ${JSON.stringify(name)} names both ${map.get(key)} and ${code}`);
    map.set(key, code);
  }
  return map;
})();

/** The spec of a code, if the table gives it a type. Pure. */
export function dhcpOptionSpec(code: number): DhcpOptionSpec | undefined {
  return BY_CODE.get(code);
}

/**
 * The code of an option name (dnsmasq's or an alias, any letter case,
 * "option:" prefix allowed) or of a decimal code 1..254; undefined
 * otherwise. Names of options the server sets (lease-time, 51) resolve too:
 * see `SERVER_SET_DHCP_OPTIONS`. Pure.
 */
export function dhcpOptionCode(name: string): number | undefined {
  const bare = name.trim().replace(/^option:/i, '');
  if (/^[0-9]{1,3}$/.test(bare)) {
    const code = Number(bare);
    return code >= 1 && code <= 254 ? code : undefined;
  }
  return BY_NAME.get(bare.toLowerCase());
}

/** "3 (router)", or "224" for a code without a name: how messages name an option. Pure. */
export function dhcpOptionLabel(code: number): string {
  const name = BY_CODE.get(code)?.name ?? SERVER_SET_DHCP_OPTIONS.get(code) ?? BY_CODE.get(code)?.aliases[0];
  return name === undefined ? String(code) : `${code} (${name})`;
}
