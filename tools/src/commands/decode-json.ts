/**
 * Decoded DHCPv4 and DNS messages as JSON a person can read: IPv4 numbers as
 * dotted quads, bytes as hex, option, type, class and code numbers beside (or
 * replaced by) their registered names. For `leasehold decode`; the JSON is a
 * view, not an interchange format (it is not decoded back).
 */
import {
  formatIpv4,
  isBroadcast,
  type DhcpMessage,
  type DhcpOption,
  type DnsMessage,
  type DnsOptRecord,
  type DnsRecord,
} from '@leasehold/protocol';

/** Lowercase hex without separators. Pure. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A hardware address the way `ip link` prints it (colon-separated hex). Pure. */
function hardwareAddress(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

// IANA "BOOTP Vendor Extensions and DHCP Options" (RFC 2132 and later RFCs), in kebab case.
const DHCP_OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'pad', 1: 'subnet-mask', 2: 'time-offset', 3: 'routers', 4: 'time-servers', 5: 'name-servers',
  6: 'domain-name-servers', 7: 'log-servers', 8: 'cookie-servers', 9: 'lpr-servers', 10: 'impress-servers',
  11: 'resource-location-servers', 12: 'host-name', 13: 'boot-file-size', 14: 'merit-dump-file', 15: 'domain-name',
  16: 'swap-server', 17: 'root-path', 18: 'extensions-path', 19: 'ip-forwarding', 20: 'non-local-source-routing',
  21: 'policy-filter', 22: 'max-datagram-reassembly', 23: 'default-ip-ttl', 24: 'path-mtu-aging-timeout',
  25: 'path-mtu-plateau-table', 26: 'interface-mtu', 27: 'all-subnets-local', 28: 'broadcast-address',
  29: 'perform-mask-discovery', 30: 'mask-supplier', 31: 'router-discovery', 32: 'router-solicitation-address',
  33: 'static-routes', 34: 'trailer-encapsulation', 35: 'arp-cache-timeout', 36: 'ethernet-encapsulation',
  37: 'tcp-default-ttl', 38: 'tcp-keepalive-interval', 39: 'tcp-keepalive-garbage', 40: 'nis-domain', 41: 'nis-servers',
  42: 'ntp-servers', 43: 'vendor-specific', 44: 'netbios-name-servers', 45: 'netbios-dd-servers', 46: 'netbios-node-type',
  47: 'netbios-scope', 48: 'x-font-servers', 49: 'x-display-managers', 50: 'requested-ip', 51: 'lease-time',
  52: 'overload', 53: 'message-type', 54: 'server-id', 55: 'parameter-request-list', 56: 'message',
  57: 'max-message-size', 58: 'renewal-time', 59: 'rebinding-time', 60: 'vendor-class-id', 61: 'client-id',
  62: 'netware-domain', 63: 'netware-option', 64: 'nisplus-domain', 65: 'nisplus-servers', 66: 'tftp-server-name',
  67: 'bootfile-name', 68: 'mobile-ip-home-agents', 69: 'smtp-servers', 70: 'pop3-servers', 71: 'nntp-servers',
  72: 'www-servers', 73: 'finger-servers', 74: 'irc-servers', 75: 'streettalk-servers', 76: 'stda-servers',
  77: 'user-class', 78: 'slp-directory-agent', 79: 'slp-service-scope', 80: 'rapid-commit', 81: 'client-fqdn',
  82: 'relay-agent-info', 83: 'isns', 85: 'nds-servers', 86: 'nds-tree-name', 87: 'nds-context',
  88: 'bcmcs-domain-names', 89: 'bcmcs-addresses', 90: 'authentication', 91: 'client-last-transaction-time',
  92: 'associated-ip', 93: 'client-system-arch', 94: 'client-ndi', 95: 'ldap', 97: 'client-uuid', 98: 'user-auth',
  99: 'geoconf-civic', 100: 'pcode', 101: 'tcode', 108: 'ipv6-only-preferred', 112: 'netinfo-address',
  113: 'netinfo-tag', 114: 'captive-portal', 116: 'auto-config', 117: 'name-service-search', 118: 'subnet-selection',
  119: 'domain-search', 120: 'sip-servers', 121: 'classless-static-routes', 122: 'cablelabs-client-config',
  123: 'geoconf', 124: 'vendor-class', 125: 'vendor-specific-info', 145: 'forcerenew-nonce-capable',
  150: 'tftp-server-address', 151: 'status-code', 152: 'base-time', 153: 'start-time-of-state',
  154: 'query-start-time', 155: 'query-end-time', 156: 'dhcp-state', 157: 'data-source', 208: 'pxelinux-magic',
  209: 'configuration-file', 210: 'path-prefix', 211: 'reboot-time', 249: 'ms-classless-static-routes',
  252: 'wpad', 255: 'end',
};

// RFC 3046 and the sub-option RFCs after it (IANA "DHCP Relay Agent Sub-Option Codes").
const RELAY_SUBOPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'circuit-id', 2: 'remote-id', 4: 'docsis-device-class', 5: 'link-selection', 6: 'subscriber-id',
  7: 'radius-attributes', 8: 'authentication', 9: 'vendor-specific', 10: 'relay-agent-flags',
  11: 'server-id-override', 12: 'relay-id', 151: 'virtual-subnet-selection', 152: 'virtual-subnet-selection-control',
};

// RFC 2132 9.6, RFC 3203, RFC 4388.
const DHCP_MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'DHCPDISCOVER', 2: 'DHCPOFFER', 3: 'DHCPREQUEST', 4: 'DHCPDECLINE', 5: 'DHCPACK', 6: 'DHCPNAK', 7: 'DHCPRELEASE',
  8: 'DHCPINFORM', 9: 'DHCPFORCERENEW', 10: 'DHCPLEASEQUERY', 11: 'DHCPLEASEUNASSIGNED', 12: 'DHCPLEASEUNKNOWN',
  13: 'DHCPLEASEACTIVE',
};

/** The registered name of a DHCP option code, or "unknown". Pure. */
export function dhcpOptionName(code: number): string {
  return DHCP_OPTION_NAMES[code] ?? 'unknown';
}

/** A DHCPv4 message as readable JSON data. Pure. */
export function dhcpJson(m: DhcpMessage): Record<string, unknown> {
  return {
    op: m.op === 1 ? 'BOOTREQUEST' : m.op === 2 ? 'BOOTREPLY' : m.op,
    htype: m.htype,
    hops: m.hops,
    xid: `0x${m.xid.toString(16).padStart(8, '0')}`,
    secs: m.secs,
    flags: m.flags,
    broadcast: isBroadcast(m),
    ciaddr: formatIpv4(m.ciaddr),
    yiaddr: formatIpv4(m.yiaddr),
    siaddr: formatIpv4(m.siaddr),
    giaddr: formatIpv4(m.giaddr),
    chaddr: hardwareAddress(m.chaddr),
    sname: m.sname,
    file: m.file,
    options: m.options.map(dhcpOptionJson),
    ...(m.length !== undefined && { length: m.length }),
    ...(m.nonCanonical && { nonCanonical: true }),
  };
}

function dhcpOptionJson(o: DhcpOption): Record<string, unknown> {
  const head = { code: o.code, name: dhcpOptionName(o.code) };
  const area = o.area === undefined ? {} : { area: o.area };
  if ('raw' in o) return { ...head, raw: hex(o.raw), ...area };
  switch (o.code) {
    case 1:
    case 28:
    case 50:
    case 54:
      return { ...head, value: formatIpv4(o.value), ...area };
    case 3:
    case 6:
    case 42:
      return { ...head, value: o.value.map(formatIpv4), ...area };
    case 53:
      return { ...head, value: DHCP_MESSAGE_TYPE_NAMES[o.value] ?? o.value, ...area };
    case 55:
      return { ...head, value: o.value, names: o.value.map(dhcpOptionName), ...area };
    case 61:
      return { ...head, value: hex(o.value), ...area };
    case 82:
      return {
        ...head,
        value: o.value.map((s) => ({ code: s.code, name: RELAY_SUBOPTION_NAMES[s.code] ?? 'unknown', data: hex(s.data) })),
        ...area,
      };
    case 121:
      return {
        ...head,
        value: o.value.map((r) => ({ destination: `${formatIpv4(r.destination)}/${r.prefix}`, router: formatIpv4(r.router) })),
        ...area,
      };
    default:
      // Numbers, text (one character per byte), option 81's fields and option 119's names are readable as they are.
      return { ...head, value: o.value, ...area };
  }
}

// IANA "Resource Record (RR) TYPEs"; others print as TYPE<n> (RFC 3597 5).
const DNS_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL', 11: 'WKS',
  12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB', 24: 'SIG', 25: 'KEY', 28: 'AAAA',
  29: 'LOC', 33: 'SRV', 35: 'NAPTR', 36: 'KX', 37: 'CERT', 39: 'DNAME', 41: 'OPT', 42: 'APL', 43: 'DS', 44: 'SSHFP',
  45: 'IPSECKEY', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA',
  53: 'SMIMEA', 55: 'HIP', 59: 'CDS', 60: 'CDNSKEY', 61: 'OPENPGPKEY', 62: 'CSYNC', 63: 'ZONEMD', 64: 'SVCB',
  65: 'HTTPS', 99: 'SPF', 249: 'TKEY', 250: 'TSIG', 251: 'IXFR', 252: 'AXFR', 255: 'ANY', 256: 'URI', 257: 'CAA',
};
const DNS_CLASS_NAMES: Readonly<Record<number, string>> = { 1: 'IN', 3: 'CH', 4: 'HS', 254: 'NONE', 255: 'ANY' };
const DNS_OPCODE_NAMES: Readonly<Record<number, string>> = { 0: 'QUERY', 1: 'IQUERY', 2: 'STATUS', 4: 'NOTIFY', 5: 'UPDATE', 6: 'DSO' };
// RFC 1035 4.1.1, RFC 2136, RFC 6891 (BADVERS), RFC 7873 (BADCOOKIE).
const DNS_RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN', 7: 'YXRRSET',
  8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 11: 'DSOTYPENI', 16: 'BADVERS', 23: 'BADCOOKIE',
};
// IANA "DNS EDNS0 Option Codes (OPT)".
const EDNS_OPTION_NAMES: Readonly<Record<number, string>> = {
  3: 'nsid', 5: 'dau', 6: 'dhu', 7: 'n3u', 8: 'client-subnet', 9: 'expire', 10: 'cookie', 11: 'tcp-keepalive',
  12: 'padding', 13: 'chain', 14: 'key-tag', 15: 'extended-error', 18: 'report-channel', 19: 'zoneversion',
};

/** The mnemonic of a DNS type code, or TYPE<n> (RFC 3597 5). Pure. */
export function dnsTypeName(code: number): string {
  return DNS_TYPE_NAMES[code] ?? `TYPE${code}`;
}

function dnsClassName(code: number): string {
  return DNS_CLASS_NAMES[code] ?? `CLASS${code}`;
}

/** A DNS message as readable JSON data: header flags listed as dig prints them, names for numbers. Pure. */
export function dnsJson(m: DnsMessage): Record<string, unknown> {
  const opt = m.additionals.find((r): r is DnsOptRecord => r.type === 'OPT');
  // With EDNS0 the RCODE is 12 bits: the OPT record holds the upper 8 (RFC 6891 6.1.3).
  const rcode = opt === undefined ? m.rcode : (opt.extendedRcode << 4) | m.rcode;
  const flagBits: [string, boolean][] = [['qr', m.qr], ['aa', m.aa], ['tc', m.tc], ['rd', m.rd], ['ra', m.ra], ['z', m.z], ['ad', m.ad], ['cd', m.cd]];
  return {
    id: m.id,
    opcode: DNS_OPCODE_NAMES[m.opcode] ?? m.opcode,
    flags: flagBits.filter(([, on]) => on).map(([name]) => name),
    rcode: DNS_RCODE_NAMES[rcode] ?? `RCODE${rcode}`,
    questions: m.questions.map((q) => ({ name: q.name, type: dnsTypeName(q.type), class: dnsClassName(q.class) })),
    answers: m.answers.map(dnsRecordJson),
    authorities: m.authorities.map(dnsRecordJson),
    additionals: m.additionals.map(dnsRecordJson),
  };
}

function dnsRecordJson(r: DnsRecord): Record<string, unknown> {
  if (r.type === 'OPT') {
    const { options, ...rest } = r;
    return { ...rest, options: options.map((o) => ({ code: o.code, name: EDNS_OPTION_NAMES[o.code] ?? 'unknown', data: hex(o.data) })) };
  }
  const head = { name: r.name, type: r.type === 'UNKNOWN' ? dnsTypeName(r.code) : r.type, class: dnsClassName(r.class), ttl: r.ttl };
  switch (r.type) {
    case 'UNKNOWN':
      return { ...head, code: r.code, data: hex(r.data) };
    case 'TXT':
      // Character-strings as text, one character per byte: JSON escapes whatever is not printable.
      return { ...head, data: r.data.map((s) => Buffer.from(s).toString('latin1')) };
    default:
      return { ...head, data: r.data };
  }
}
