import { BootOp, DhcpMessageType as T, DhcpOptionCode, decodeDhcp, encodeDhcp, parseIpv4, type DhcpMessage, type NetworkState, type SubnetState } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { AgentModel } from '../state/agent-model.js';
import { clientPacket } from '../testing/packets.js';
import { DhcpServer } from './server.js';
import { DhcpTransactionLog, type DhcpTransaction } from './transaction-log.js';

const mac = '02:00:00:00:00:05';
const network = { id: 'net-1', name: 'demo' } as NetworkState;
const subnets = [{ id: 'sub-1', cidr: { address: parseIpv4('198.18.0.0'), prefix: 24 } }] as unknown as SubnetState[];

/** A log that keeps its lines. */
function collecting(networks: true | readonly string[] = true) {
  const lines: { message: string; tx: Readonly<Record<string, unknown>> }[] = [];
  const log = new DhcpTransactionLog({ networks, sink: (message, fields) => lines.push({ message, tx: fields.tx }) });
  return { log, lines, messages: () => lines.map((l) => l.message) };
}

/** The server's reply bytes for `msg`: only yiaddr is read from them. */
function reply(msg: DhcpMessage, type: number, yiaddr: string): Uint8Array {
  return encodeDhcp({ ...msg, op: BootOp.Reply, yiaddr: parseIpv4(yiaddr), options: [{ code: DhcpOptionCode.MessageType, value: type }] });
}

const tx = (packet: Uint8Array): DhcpTransaction => ({ msg: decodeDhcp(packet), network, subnets });

describe('log-dhcp lines', () => {
  test('a DORA reads as dnsmasq writes it: DISCOVER, OFFER, REQUEST, ACK with the host name', () => {
    const { log, messages, lines } = collecting();
    const discover = clientPacket({ type: T.Discover, mac });
    log.record(tx(discover), 'eth1', 'offer', reply(decodeDhcp(discover), T.Offer, '198.18.0.5'));
    const request = clientPacket({ type: T.Request, mac, requestedIp: parseIpv4('198.18.0.5'), hostname: 'vm1' });
    log.record(tx(request), 'eth1', 'ack', reply(decodeDhcp(request), T.Ack, '198.18.0.5'));
    expect(messages()).toEqual([
      `DHCPDISCOVER(eth1) ${mac}`,
      `DHCPOFFER(eth1) 198.18.0.5 ${mac}`,
      `DHCPREQUEST(eth1) 198.18.0.5 ${mac}`,
      `DHCPACK(eth1) 198.18.0.5 ${mac} vm1`,
    ]);
    expect(lines[3]!.tx).toMatchObject({ type: 'DHCPACK', interface: 'eth1', mac, ip: '198.18.0.5', hostname: 'vm1', network: 'demo', outcome: 'ack' });
  });

  test('a NAK says why (wrong network, address not available), and a packet left unanswered says why too', () => {
    const { log, messages } = collecting();
    const elsewhere = clientPacket({ type: T.Request, mac, requestedIp: parseIpv4('198.19.0.9') });
    log.record(tx(elsewhere), 'eth1', 'nak', reply(decodeDhcp(elsewhere), T.Nak, '0.0.0.0'));
    const taken = clientPacket({ type: T.Request, mac, requestedIp: parseIpv4('198.18.0.9') });
    log.record(tx(taken), 'eth1', 'nak', reply(decodeDhcp(taken), T.Nak, '0.0.0.0'));
    log.record(tx(clientPacket({ type: T.Discover, mac })), 'eth1', 'no-address', undefined);
    log.record(tx(clientPacket({ type: T.Discover, mac })), 'eth1', 'rate-limited-mac', undefined);
    expect(messages()).toEqual([
      `DHCPREQUEST(eth1) 198.19.0.9 ${mac}`,
      `DHCPNAK(eth1) 198.19.0.9 ${mac} wrong network`,
      `DHCPREQUEST(eth1) 198.18.0.9 ${mac}`,
      `DHCPNAK(eth1) 198.18.0.9 ${mac} address not available`,
      `DHCPDISCOVER(eth1) ${mac}`,
      `DHCPDISCOVER(eth1) ${mac} no address available`,
      `DHCPDISCOVER(eth1) ${mac}`,
      `DHCPDISCOVER(eth1) ${mac} dropped: rate limit of this MAC (agent.dhcp_limits.mac_rate)`,
    ]);
  });

  test("an OFFER or ACK that says what to boot is followed by dnsmasq's tags, next server, server name and bootfile name lines", () => {
    const { log, messages, lines } = collecting();
    const discover = clientPacket({ type: T.Discover, mac, xid: 77 });
    const msg = decodeDhcp(discover);
    const boot = encodeDhcp({
      ...msg,
      op: BootOp.Reply,
      yiaddr: parseIpv4('198.18.0.5'),
      siaddr: parseIpv4('198.18.0.3'),
      file: 'undionly.kpxe',
      options: [{ code: DhcpOptionCode.MessageType, value: T.Offer }, { code: DhcpOptionCode.TftpServerName, value: 'boot\0' }],
    });
    log.record({ ...tx(discover), tags: ['pxe', 'efi64'] }, 'eth1', 'offer', boot);
    expect(messages()).toEqual([`DHCPDISCOVER(eth1) ${mac}`, `DHCPOFFER(eth1) 198.18.0.5 ${mac}`, '77 tags: pxe, efi64', '77 next server: 198.18.0.3', '77 server name: boot', '77 bootfile name: undionly.kpxe']);
    expect(lines[5]!.tx).toMatchObject({ bootfile: 'undionly.kpxe', mac });
    // A reply with nothing to boot and a client without tags: the two lines alone.
    const plain = collecting();
    plain.log.record({ ...tx(discover), tags: [] }, 'eth1', 'offer', reply(msg, T.Offer, '198.18.0.5'));
    expect(plain.messages()).toHaveLength(2);
  });

  test('switched on for some networks, it logs theirs (by name or id) and no other', () => {
    const { log, messages } = collecting(['lab', 'net-1']);
    log.record(tx(clientPacket({ type: T.Discover, mac })), 'eth1', 'no-address', undefined);
    log.record({ ...tx(clientPacket({ type: T.Discover, mac })), network: { id: 'net-2', name: 'other' } as NetworkState }, 'eth2', 'no-address', undefined);
    log.record({ msg: decodeDhcp(clientPacket({ type: T.Discover, mac })) }, 'eth3', 'no-network', undefined);
    expect(messages()).toEqual([`DHCPDISCOVER(eth1) ${mac}`, `DHCPDISCOVER(eth1) ${mac} no address available`]);
  });
});

describe('the server with log-dhcp on', () => {
  test('every packet is logged with its outcome, a malformed one and one of no network included', async () => {
    const { log, messages } = collecting();
    const server = new DhcpServer({ agentId: 'a', model: new AgentModel(), writer: { append: () => Promise.reject(new Error('unused')) }, served: () => [], liveAgents: () => [], transactions: log });
    await server.handle(clientPacket({ type: T.Discover, mac }), { ifname: 'eth9', ifaddr: undefined });
    await server.handle(new Uint8Array(10), { ifname: 'eth9', ifaddr: undefined });
    expect(messages()).toEqual([`DHCPDISCOVER(eth9) ${mac}`, `DHCPDISCOVER(eth9) ${mac} no address range available for DHCP request via eth9`, 'DHCP(eth9) malformed packet dropped']);
    expect(server.stats.counts['no-network']).toBe(1);
    expect(server.stats.counts.malformed).toBe(1);
  });
});
