/**
 * dnsmasq's log-dhcp for the agent: every packet the server handled, as the
 * line dnsmasq would write (`DHCPDISCOVER(eth1) 02:..`, `DHCPOFFER(eth1)
 * 198.18.0.5 02:..`, `DHCPACK(eth1) 198.18.0.5 02:.. vm1`, `DHCPNAK(eth1)
 * 198.18.0.9 02:.. address not available`) followed by the reason when the
 * packet went unanswered. The same facts go out as fields (`tx`) for JSON
 * logs. Off (no `DhcpTransactionLog` given to the server), a packet pays one
 * check; on, formatting happens after the outcome is counted, and the sink
 * (the server's rate-limited logger) may drop lines in a flood.
 */
import { cidrContains, decodeDhcp, DhcpMessageType, DhcpOptionCode, formatIpv4, getOption, messageType, type DhcpMessage, type NetworkState, type SubnetState } from '@leasehold/protocol';
import { formatMac, hostnameOf } from './client-message.js';
import type { DhcpOutcome } from './stats.js';

/** Where transaction lines go: the dnsmasq-style text and the same facts as fields. */
export type TransactionSink = (message: string, fields: { readonly tx: Readonly<Record<string, unknown>> }) => void;

/** What the server learnt of a packet on its way, filled only while logging is on. */
export interface DhcpTransaction {
  msg?: DhcpMessage;
  network?: NetworkState;
  /** The subnets the client may get an address from (the relay's, or the link's). */
  subnets?: readonly SubnetState[];
  /** The client's tags (client classes), as dnsmasq's log-dhcp lists them. */
  tags?: readonly string[];
}

export interface DhcpTransactionLogOptions {
  /** true: every network; else the names or ids of the networks whose packets are logged (packets of no network only with true). */
  readonly networks: true | readonly string[];
  readonly sink: TransactionSink;
}

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [DhcpMessageType.Discover]: 'DHCPDISCOVER',
  [DhcpMessageType.Request]: 'DHCPREQUEST',
  [DhcpMessageType.Decline]: 'DHCPDECLINE',
  [DhcpMessageType.Release]: 'DHCPRELEASE',
  [DhcpMessageType.Inform]: 'DHCPINFORM',
};

/** Why a packet got no reply (or a NAK), in dnsmasq's words where dnsmasq has them. */
const REASONS: Partial<Record<DhcpOutcome, string>> = {
  'no-address': 'no address available',
  'not-ours': 'ignored: another agent of the network answers this client (RFC 3074 split)',
  'other-server': 'ignored: the client chose another server',
  'rate-limited-mac': 'dropped: rate limit of this MAC (agent.dhcp_limits.mac_rate)',
  'rate-limited-relay': 'dropped: rate limit of this relay (agent.dhcp_limits.relay_rate)',
  'lease-cap': 'refused: this MAC holds its cap of addresses under other client ids (agent.dhcp_limits.leases_per_mac)',
  'lease-max': 'no address available: the network is at agent.dhcp_limits.lease_max',
  conflict: 'dropped: the lease changed meanwhile (version conflict); the client will retry',
  'not-permitted': 'dropped: the network is not bound to this agent',
  'journal-error': 'dropped: the journal write failed',
  'not-a-request': 'ignored: not a BOOTREQUEST',
  'unsupported-type': 'ignored: unsupported message type',
  ignored: 'ignored',
};

export class DhcpTransactionLog {
  readonly #networks: ReadonlySet<string> | undefined;

  constructor(private readonly options: DhcpTransactionLogOptions) {
    this.#networks = options.networks === true ? undefined : new Set(options.networks);
  }

  /** Logs one handled packet: the client's message, then the server's answer or why there was none. */
  record(tx: DhcpTransaction, ifname: string | undefined, outcome: DhcpOutcome, reply: Uint8Array | undefined): void {
    const network = tx.network;
    if (this.#networks !== undefined && (network === undefined || !(this.#networks.has(network.name) || this.#networks.has(network.id)))) return;
    const msg = tx.msg;
    const where = ifname ?? (msg && msg.giaddr !== 0 ? `relay ${formatIpv4(msg.giaddr)}` : 'relay');
    if (msg === undefined) {
      this.#write(`DHCP(${where}) ${outcome === 'malformed' ? 'malformed packet dropped' : REASONS[outcome] ?? outcome}`, { interface: where, outcome });
      return;
    }
    const mac = formatMac(msg.chaddr);
    const type = messageType(msg);
    const name = (type !== undefined && TYPE_NAMES[type]) || `DHCP(type ${type ?? 'none'})`;
    const asked = type === DhcpMessageType.Release || type === DhcpMessageType.Inform ? msg.ciaddr : (getOption(msg, DhcpOptionCode.RequestedIpAddress) ?? msg.ciaddr);
    const hostname = hostnameOf(msg);
    const base = { interface: where, mac, xid: msg.xid, ...(network ? { network: network.name } : {}), ...(hostname ? { hostname } : {}) };
    this.#write(`${name}(${where}) ${asked ? `${formatIpv4(asked)} ` : ''}${mac}`, { ...base, type: name, ...(asked ? { ip: formatIpv4(asked) } : {}) });

    const yiaddr = reply && reply.length >= 20 ? formatIpv4(((reply[16]! << 24) | (reply[17]! << 16) | (reply[18]! << 8) | reply[19]!) >>> 0) : undefined;
    switch (outcome) {
      case 'offer':
        this.#write(`DHCPOFFER(${where}) ${yiaddr} ${mac}`, { ...base, type: 'DHCPOFFER', ip: yiaddr, outcome });
        return this.#boot(msg.xid, tx.tags, reply, base);
      case 'ack':
      case 'inform': {
        const ip = outcome === 'ack' ? yiaddr : formatIpv4(msg.ciaddr);
        this.#write(`DHCPACK(${where}) ${ip} ${mac}${hostname ? ` ${hostname}` : ''}`, { ...base, type: 'DHCPACK', ip, outcome });
        return this.#boot(msg.xid, tx.tags, reply, base);
      }
      case 'release':
      case 'decline':
        return; // dnsmasq writes the client's line only; the event is in the journal
      default:
        break;
    }
    const ip = asked ? formatIpv4(asked) : undefined;
    if (reply !== undefined) {
      const reason = outcome === 'nak' ? nakReason(tx.subnets, asked) : REASONS[outcome] ?? outcome;
      return this.#write(`DHCPNAK(${where}) ${ip ? `${ip} ` : ''}${mac} ${reason}`, { ...base, type: 'DHCPNAK', ...(ip ? { ip } : {}), outcome, reason });
    }
    const reason = outcome === 'no-network' ? `no address range available for DHCP request via ${where}` : REASONS[outcome] ?? outcome;
    this.#write(`${name}(${where}) ${ip ? `${ip} ` : ''}${mac} ${reason}`, { ...base, type: name, ...(ip ? { ip } : {}), outcome, reason });
  }

  /**
   * dnsmasq's log-dhcp lines after an OFFER or ACK: the client's tags when it
   * has any, then what it should boot, when the reply says: the next server,
   * the TFTP server name and the boot file, from the header fields or options
   * 66/67 (`<xid> tags: ipxe, pxe`, `<xid> next server: 198.18.0.3`,
   * `<xid> bootfile name: undionly.kpxe`).
   */
  #boot(xid: number, tags: readonly string[] | undefined, reply: Uint8Array | undefined, base: Record<string, unknown>): void {
    if (tags !== undefined && tags.length > 0) this.#write(`${xid} tags: ${tags.join(', ')}`, { ...base, tags });
    let out: DhcpMessage;
    try {
      if (reply === undefined) return;
      out = decodeDhcp(reply);
    } catch {
      return;
    }
    const text = (code: 66 | 67, field: string) => (field || getOption(out, code)) ?? '';
    const file = text(DhcpOptionCode.BootfileName, out.file).replace(/\0+$/, '');
    const sname = text(DhcpOptionCode.TftpServerName, out.sname).replace(/\0+$/, '');
    if (out.siaddr !== 0) this.#write(`${xid} next server: ${formatIpv4(out.siaddr)}`, { ...base, nextServer: formatIpv4(out.siaddr) });
    if (sname !== '') this.#write(`${xid} server name: ${sname}`, { ...base, serverName: sname });
    if (file !== '') this.#write(`${xid} bootfile name: ${file}`, { ...base, bootfile: file });
  }

  #write(message: string, tx: Record<string, unknown>): void {
    this.options.sink(message, { tx });
  }
}

/** dnsmasq's two NAK reasons: the address is on none of the link's subnets, or not the client's to have. */
function nakReason(subnets: readonly SubnetState[] | undefined, asked: number | undefined): string {
  if (!asked || !subnets?.some((s) => cidrContains(s.cidr, asked))) return 'wrong network';
  return 'address not available';
}
