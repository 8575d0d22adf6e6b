/**
 * Who gets recursion and which names are never forwarded: dnsmasq's
 * local-service, domain-needed, bogus-priv and filterwin2k. Pure functions.
 */
import { cidr, cidrContains, parseCidr, parseIpv4, type Ipv4Cidr } from '@leasehold/protocol';
import { networkInterfaces } from 'node:os';
import { ipv4FromReverse } from './names.js';

/**
 * Private and special-use IPv4 blocks whose reverse names bogus-priv answers
 * NXDOMAIN for instead of forwarding (dnsmasq's list: RFC 1918, RFC 6303
 * locally served zones, shared address space RFC 6598).
 */
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10', '0.0.0.0/8'].map((c) => parseCidr(c));

/** Whether a reverse name is under a private or special-use range (bogus-priv). Pure. */
export function isPrivateReverse(nameLower: string): boolean {
  if (!nameLower.endsWith('.in-addr.arpa')) return false;
  const ip = ipv4FromReverse(nameLower);
  if (ip !== undefined) return PRIVATE_V4.some((block) => cidrContains(block, parseIpv4(ip)));
  // A partial reverse name (a zone cut such as 168.192.in-addr.arpa) lies inside a private block if its prefix does.
  const labels = nameLower.slice(0, -'.in-addr.arpa'.length).split('.').reverse();
  if (labels.length === 0 || labels.length > 4 || !labels.every((l) => /^\d{1,3}$/.test(l) && Number(l) < 256)) return false;
  const prefix = labels.length * 8;
  const ip4 = [...labels, '0', '0', '0'].slice(0, 4).join('.');
  return PRIVATE_V4.some((block) => block.prefix <= prefix && cidrContains(block, parseIpv4(ip4)));
}

/** A plain name: one label, no dots (domain-needed never forwards these). Pure. */
export function isPlainName(nameLower: string): boolean {
  return nameLower !== '.' && !nameLower.includes('.');
}

/** Networks local-service treats as local, as IPv4 CIDRs; IPv6 clients are matched by the listener's subnet flag. */
export interface LocalNetworks {
  readonly v4: readonly Ipv4Cidr[];
  readonly loopback: boolean;
}

/**
 * The local networks: the configured ones if any, else loopback plus the
 * subnets of the interfaces that carry a listen address (or all interfaces
 * when listening on the wildcard). Reads the host's interfaces.
 */
export function localNetworks(configured: readonly string[], listenAddresses: readonly string[]): LocalNetworks {
  if (configured.length > 0) return { v4: configured.map((c) => parseCidr(c)), loopback: false };
  const v4: Ipv4Cidr[] = [];
  const wildcard = listenAddresses.length === 0 || listenAddresses.includes('0.0.0.0');
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family !== 'IPv4' || !info.cidr) continue;
      if (wildcard || listenAddresses.includes(info.address)) v4.push(cidr(parseIpv4(info.address), Number(info.cidr.split('/')[1])));
    }
  }
  return { v4, loopback: true };
}

/** Whether local-service lets this client have recursion. Pure. */
export function isLocalClient(address: string, networks: LocalNetworks): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (networks.loopback && (v4.startsWith('127.') || address === '::1')) return true;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return false;
  const ip = parseIpv4(v4);
  return networks.v4.some((block) => cidrContains(block, ip));
}

const TYPE_SOA = 6;
const TYPE_SRV = 33;
const TYPE_ANY = 255;

/**
 * filterwin2k: the questions dnsmasq 2.90 answers NOERROR with no records
 * instead of forwarding: every SOA and SRV question (_kerberos and _ldap
 * too), and ANY for a name holding '_' (Windows' LDAP lookups). Local data
 * is answered before this check, as dnsmasq does. Pure.
 */
export function isWin2kNoise(type: number, nameLower: string): boolean {
  return type === TYPE_SOA || type === TYPE_SRV || (type === TYPE_ANY && nameLower.includes('_'));
}
