/**
 * Policies on upstream answers, before they are cached or passed on:
 * dnsmasq's stop-dns-rebind (with rebind-localhost-ok and rebind-domain-ok)
 * and bogus-nxdomain. Both decode the answer, so they cost only on the miss
 * path and only when configured. Pure functions.
 *
 * As dnsmasq 2.90 answers (checked side by side in answer-policy.test.ts): a
 * rebinding answer becomes NOERROR with no records (AA as upstream had it);
 * an answer holding a bogus-nxdomain address becomes NXDOMAIN without AA.
 * Neither is cached, so the next question asks again.
 */
import { decodeDns, DnsRcode, type DnsRecord } from '@leasehold/protocol';
import { expandIpv6, isAtOrBelow, isIPv4 } from './names.js';
import { headerReply, type QueryEdns } from './reply.js';

const TYPE_A = 1;
const TYPE_AAAA = 28;

/** An address block: IPv4 as a 32-bit number, IPv6 as 32 hex digits; `prefix` in bits. */
export interface AddressBlock {
  readonly family: 4 | 6;
  readonly bits: string;
  readonly prefix: number;
}

export interface AnswerPolicy {
  readonly stopDnsRebind: boolean;
  readonly rebindLocalhostOk: boolean;
  /** rebind-domain-ok: canonical domains whose answers are never checked for rebinding. */
  readonly rebindDomainOk: readonly string[];
  readonly bogusNxdomain: readonly AddressBlock[];
}

/** An address as a bit string (32 or 128 characters of 0 and 1). Pure; the address must be valid. */
function addressBits(ip: string): string {
  if (isIPv4(ip)) return ip.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  return expandIpv6(ip).replaceAll(':', '').split('').map((h) => parseInt(h, 16).toString(2).padStart(4, '0')).join('');
}

/** `ip[/prefix]` as a block (no prefix: the single address). Pure; undefined when it is not one. */
export function parseAddressBlock(text: string): AddressBlock | undefined {
  const [ip = '', prefixText] = text.split('/');
  const family = isIPv4(ip) ? 4 : ip.includes(':') && /^[0-9a-fA-F:.]+$/.test(ip) ? 6 : undefined;
  if (family === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (prefixText !== undefined && (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max)) return undefined;
  try {
    return { family, bits: addressBits(ip), prefix: prefixText === undefined ? max : Number(prefixText) };
  } catch {
    return undefined;
  }
}

const inBlock = (bits: string, block: AddressBlock) => bits.length === block.bits.length && bits.slice(0, block.prefix) === block.bits.slice(0, block.prefix);

const blocks = (list: string[]) => list.map((b) => parseAddressBlock(b)!);
/** dnsmasq's private_net(): RFC 1918, CG-NAT, link-local, the three TEST-NETs, broadcast; 0/8 and 127/8 unless rebind-localhost-ok. */
const PRIVATE_V4 = blocks(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '255.255.255.255/32']);
const LOCALHOST_V4 = blocks(['0.0.0.0/8', '127.0.0.0/8']);
/** dnsmasq's private_net6(): link-local, site-local, fd00::/8, documentation (RFC 6303); :: and ::1 unless rebind-localhost-ok. */
const PRIVATE_V6 = blocks(['fe80::/10', 'fec0::/10', 'fd00::/8', '2001:db8::/32']);
const LOCALHOST_V6 = blocks(['::/128', '::1/128']);
const V4_MAPPED = parseAddressBlock('::ffff:0:0/96')!;

/** Whether stop-dns-rebind refuses this address. Pure. */
export function isRebindAddress(ip: string, localhostOk: boolean): boolean {
  const bits = addressBits(ip);
  if (bits.length === 128 && inBlock(bits, V4_MAPPED)) return isRebindAddress(bits.slice(96).match(/.{8}/g)!.map((b) => parseInt(b, 2)).join('.'), localhostOk);
  const [list, localhost] = bits.length === 32 ? [PRIVATE_V4, LOCALHOST_V4] : [PRIVATE_V6, LOCALHOST_V6];
  return list.some((b) => inBlock(bits, b)) || (!localhostOk && localhost.some((b) => inBlock(bits, b)));
}

/** Whether any policy is configured (the resolver skips the decode otherwise). Pure. */
function hasAnswerPolicy(policy: AnswerPolicy): boolean {
  return policy.stopDnsRebind || policy.bogusNxdomain.length > 0;
}

/**
 * What the policies make of an upstream answer to (name, type): 'ok',
 * 'rebind' (stop-dns-rebind: an A or AAAA question answered with a private
 * address, outside rebind-domain-ok) or 'bogus' (an A or AAAA record in a
 * bogus-nxdomain block). Pure; an answer that cannot be decoded is 'ok' (the
 * cache's own checks deal with it).
 */
export function answerVerdict(answer: Uint8Array, question: { readonly nameLower: string; readonly type: number }, policy: AnswerPolicy): 'ok' | 'rebind' | 'bogus' {
  let records: DnsRecord[];
  try {
    records = decodeDns(answer).answers;
  } catch {
    return 'ok';
  }
  const addresses = records.flatMap((r) => (r.type === 'A' || r.type === 'AAAA' ? [r.data] : []));
  if (addresses.length === 0) return 'ok';
  if (policy.bogusNxdomain.length > 0) {
    for (const ip of addresses) {
      const bits = addressBits(ip);
      if (policy.bogusNxdomain.some((b) => inBlock(bits, b))) return 'bogus';
    }
  }
  // dnsmasq checks the addresses of A and AAAA questions only (an ANY answer passes).
  if (policy.stopDnsRebind && (question.type === TYPE_A || question.type === TYPE_AAAA) && !policy.rebindDomainOk.some((d) => isAtOrBelow(question.nameLower, d))) {
    if (addresses.some((ip) => isRebindAddress(ip, policy.rebindLocalhostOk))) return 'rebind';
  }
  return 'ok';
}

/**
 * The reply a client gets instead of an answer the policies refused: for
 * 'rebind' NOERROR with no records and upstream's AA bit, for 'bogus'
 * NXDOMAIN (dnsmasq 2.90's replies). Pure.
 */
export function policyReply(query: Uint8Array, questionEnd: number, edns: QueryEdns | undefined, verdict: 'rebind' | 'bogus', answer: Uint8Array, advertise: number): Uint8Array {
  const reply = headerReply(query, verdict === 'bogus' ? DnsRcode.NXDOMAIN : DnsRcode.NOERROR, questionEnd, edns, advertise);
  if (verdict === 'rebind') reply[2]! |= answer[2]! & 0x04;
  return reply;
}

/** The config's answer policies, or undefined when none is on (the resolver then pays one check). Pure. */
export function answerPolicyOf(config: { readonly stopDnsRebind: boolean; readonly rebindLocalhostOk: boolean; readonly rebindDomainOk: readonly string[]; readonly bogusNxdomain: readonly string[] }): AnswerPolicy | undefined {
  const policy: AnswerPolicy = {
    stopDnsRebind: config.stopDnsRebind,
    rebindLocalhostOk: config.rebindLocalhostOk,
    rebindDomainOk: config.rebindDomainOk,
    bogusNxdomain: config.bogusNxdomain.map((b) => parseAddressBlock(b)).filter((b): b is AddressBlock => b !== undefined),
  };
  return hasAnswerPolicy(policy) ? policy : undefined;
}
