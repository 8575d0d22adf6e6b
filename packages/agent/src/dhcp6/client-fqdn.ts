/**
 * The Client FQDN option (39, RFC 4704) the DHCPv6 codec keeps raw: the host
 * name a client wants its AAAA and PTR under, and the option the server
 * answers with. As for DHCPv4's option 81 (dhcp/client-message.ts), only the
 * first label is kept and the name is put under the network's domain, as
 * Neutron's dnsmasq does (its `domain` owns every name it serves); a label
 * that is not a host name (RFC 1123: letters, digits, inner hyphens) is no
 * name at all, so a client cannot put arbitrary bytes into the DNS.
 */
import type { Dhcp6Option } from '@leasehold/protocol';

/** RFC 4704 section 4.1: S (the server does the AAAA update), O (the server overrode the client's S), N (no update). */
const FLAG_S = 0x01;
const FLAG_O = 0x02;
const FLAG_N = 0x04;

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The option 39 data of a message's options, if the client sent one. Pure. */
function fqdnData(options: readonly Dhcp6Option[]): Uint8Array | undefined {
  for (const option of options) if (option.code === 39 && 'raw' in option) return option.raw;
  return undefined;
}

/**
 * The client's host name: the first label of its option 39 name, lower-case,
 * or undefined when it sent none, asked for no update (N), or sent a label
 * that is not a host name. Never throws. Pure.
 */
export function clientHostname(options: readonly Dhcp6Option[]): string | undefined {
  const data = fqdnData(options);
  if (data === undefined || data.length < 2 || (data[0]! & FLAG_N) !== 0) return undefined;
  const length = data[1]!;
  if (length === 0 || 2 + length > data.length) return undefined;
  const label = Buffer.from(data.subarray(2, 2 + length)).toString('latin1').toLowerCase();
  return HOST_LABEL.test(label) ? label : undefined;
}

/**
 * The server's option 39 for a client that sent one (RFC 4704 section 5):
 * S set (this server's DNS answers the name), O set when the client had
 * asked to do the AAAA update itself, and the name the DNS answers: fully
 * qualified under `domain`, or the bare label (a partial name, RFC 4704
 * section 4.2) when the link names no domain (the agent's default domain is
 * its DNS's, not the link's). Undefined when the client sent none or no
 * usable name. Pure.
 */
export function fqdnReply(options: readonly Dhcp6Option[], domain: string | undefined): Dhcp6Option | undefined {
  const hostname = clientHostname(options);
  if (hostname === undefined) return undefined;
  const flags = FLAG_S | ((fqdnData(options)![0]! & FLAG_S) === 0 ? FLAG_O : 0);
  const labels = [hostname, ...(domain ?? '').split('.').filter((l) => l !== '')];
  const name = labels.flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  return { code: 39, raw: Uint8Array.from([flags, ...name, ...(labels.length > 1 ? [0] : [])]) };
}
