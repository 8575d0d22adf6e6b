/**
 * Every packet of the real captures in ../fixtures (see fixtures/README.md,
 * tools/fixtures/capture.sh and capture-dhcp6.sh) through the DHCP, DHCPv6 and DNS codecs, read with the
 * pcap reader. Values pinned here come from the capture script's dnsmasq
 * configuration, never from a particular run: ids, xids, ports and leased
 * addresses change when the fixtures are captured again.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DhcpMessageType } from './dhcp/constants.js';
import { decodeDhcp } from './dhcp/decode.js';
import { encodeDhcp } from './dhcp/encode.js';
import { getOption, messageType, type DhcpMessage } from './dhcp/message.js';
import { Dhcp6MessageType } from './dhcp6/constants.js';
import { decodeDhcp6 } from './dhcp6/decode.js';
import { encodeDhcp6 } from './dhcp6/encode.js';
import { getDhcp6Option, getDhcp6Options, isDhcp6Relay, type Dhcp6ClientServerMessage, type Dhcp6Message } from './dhcp6/message.js';
import { compressDns } from './dns/compress.js';
import { decodeDns } from './dns/decode.js';
import { encodeDns } from './dns/encode.js';
import { DnsRcode, type DnsMessage, type DnsRecord } from './dns/types.js';
import { formatIpv4, parseIpv4 } from './ipv4/address.js';
import { ipv6Text } from './pcap/address.js';
import { readPcap, type PcapRecord } from './pcap/read-pcap.js';

const records = (file: string): PcapRecord[] => readPcap(new Uint8Array(readFileSync(new URL(`../fixtures/${file}`, import.meta.url))));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const { Discover: D, Offer: O, Request: R, Ack: A, Release: X } = DhcpMessageType;

/** Message types in capture order, as the clients and dnsmasq 2.90 send them (fixtures/README.md). */
const DHCP_FIXTURES: Record<string, number[]> = {
  'dhcp-dhclient.pcap': [D, O, R, A, X],
  'dhcp-udhcpc.pcap': [D, O, R, A, X],
  'dhcp-dhcpcd.pcap': [D, O, R, A, X],
  // Each message on both legs of the relay; the RELEASE three times (client, IP-forwarded, relayed by dhcrelay).
  'dhcp-relayed.pcap': [D, D, O, O, R, R, A, A, X, X, X],
};
/** The MACs capture.sh gives the direct and the relayed client. */
const CLIENT_MAC: Record<string, string> = { direct: '0200c6120a02', relayed: '0200c6120b02' };

interface DhcpPacket {
  readonly record: PcapRecord;
  readonly msg: DhcpMessage;
}

function dhcpPackets(file: string): DhcpPacket[] {
  const isDhcpPort = (port: number) => port === 67 || port === 68;
  return records(file)
    .filter((r) => r.proto === 'udp' && isDhcpPort(r.sport) && isDhcpPort(r.dport))
    .map((record) => ({ record, msg: decodeDhcp(record.payload) }));
}

function withoutMarker(msg: DhcpMessage): DhcpMessage {
  const { nonCanonical: _, ...rest } = msg;
  return rest;
}

describe('DHCP fixtures', () => {
  for (const [file, types] of Object.entries(DHCP_FIXTURES)) {
    test(`every DHCP datagram in ${file} decodes, with the message types in capture order`, () => {
      expect(dhcpPackets(file).map(({ msg }) => messageType(msg))).toEqual(types);
    });

    test(`every DHCP datagram in ${file} survives encode then decode, and canonical ones re-encode byte for byte`, () => {
      for (const { record, msg } of dhcpPackets(file)) {
        expect(decodeDhcp(encodeDhcp(msg))).toEqual(withoutMarker(msg));
        if (msg.nonCanonical === undefined) expect(hex(encodeDhcp(msg)), `frame ${record.frame}`).toBe(hex(record.payload));
      }
    });
  }

  test('no captured client or server message needs the non-canonical marker (all 26 re-encode byte for byte)', () => {
    const all = Object.keys(DHCP_FIXTURES).flatMap((file) => dhcpPackets(file).map((p) => ({ file, frame: p.record.frame, msg: p.msg })));
    expect(all).toHaveLength(26);
    expect(all.filter((p) => p.msg.nonCanonical).map((p) => `${p.file}#${p.frame}`)).toEqual([]);
  });

  for (const file of ['dhcp-dhclient.pcap', 'dhcp-udhcpc.pcap', 'dhcp-dhcpcd.pcap']) {
    test(`in ${file} the decoded fields agree with the addresses the packets travelled between`, () => {
      const [discover, offer, request, ack, release] = dhcpPackets(file) as [DhcpPacket, DhcpPacket, DhcpPacket, DhcpPacket, DhcpPacket];
      for (const p of [discover, offer, request, ack, release]) expect(hex(p.msg.chaddr)).toBe(CLIENT_MAC.direct);
      // One transaction from DISCOVER to ACK (RFC 2131 4.4.1).
      for (const p of [offer, request, ack]) expect(p.msg.xid).toBe(discover.msg.xid);
      // dnsmasq unicasts OFFER and ACK to yiaddr from its own address, the server identifier.
      expect(formatIpv4(offer.msg.yiaddr)).toBe(offer.record.dst);
      expect(formatIpv4(ack.msg.yiaddr)).toBe(ack.record.dst);
      expect(formatIpv4(getOption(offer.msg, 54)!)).toBe(offer.record.src);
      expect(getOption(request.msg, 50)).toBe(offer.msg.yiaddr);
      // RELEASE comes from the leased address, names it in ciaddr and goes to the server identifier (RFC 2131 4.4.4).
      expect(formatIpv4(release.msg.ciaddr)).toBe(release.record.src);
      expect(release.msg.ciaddr).toBe(ack.msg.yiaddr);
      expect(formatIpv4(getOption(release.msg, 54)!)).toBe(release.record.dst);
      // capture.sh's dnsmasq: 10 minute leases in 198.18.10.0/24, routers and DNS on 198.18.10.1.
      expect(getOption(ack.msg, 51)).toBe(600);
      expect(getOption(ack.msg, 1)).toBe(parseIpv4('255.255.255.0'));
      expect(getOption(ack.msg, 3)).toEqual([parseIpv4('198.18.10.1')]);
      expect(getOption(ack.msg, 6)).toEqual([parseIpv4('198.18.10.1')]);
    });
  }

  test('in dhcp-relayed.pcap the relay sets giaddr, adds option 82 on the server leg only, and dnsmasq answers to giaddr', () => {
    for (const { record, msg } of dhcpPackets('dhcp-relayed.pcap')) {
      expect(hex(msg.chaddr)).toBe(CLIENT_MAC.relayed);
      const serverLeg = record.sport === 67 && record.dport === 67;
      const type = messageType(msg);
      if (type === X) continue; // the RELEASE is unicast through the relay, see the README
      // Only the client's own broadcasts lack giaddr; the relay keeps it on the replies it passes down.
      expect(formatIpv4(msg.giaddr)).toBe(!serverLeg && msg.op === 1 ? '0.0.0.0' : '198.18.11.1');
      expect(getOption(msg, 82) !== undefined).toBe(serverLeg);
      if (serverLeg && msg.op === 2) expect(record.dst).toBe('198.18.11.1');
      if (serverLeg && msg.op === 1) expect(msg.hops).toBe(1);
    }
  });
});

/** What capture.sh's dnsmasq answers for each question (`--local-ttl=300`). */
const DNS_ANSWERS: Record<string, unknown[]> = {
  'host1.lhfx.test A': [{ type: 'A', data: '198.18.10.50' }],
  'host1.lhfx.test AAAA': [{ type: 'AAAA', data: '2001:db8::50' }],
  '50.10.18.198.in-addr.arpa PTR': [{ type: 'PTR', data: 'host1.lhfx.test' }],
  'lhfx.test MX': [{ type: 'MX', data: { preference: 10, exchange: 'mail.lhfx.test' } }],
  'lhfx.test TXT': [{ type: 'TXT', data: [new TextEncoder().encode('v=spf1 -all'), new TextEncoder().encode('leasehold fixture')] }],
  '_sip._udp.lhfx.test SRV': [{ type: 'SRV', data: { priority: 10, weight: 20, port: 5060, target: 'host1.lhfx.test' } }],
  'www.lhfx.test A': [
    { type: 'CNAME', data: 'host1.lhfx.test' },
    { type: 'A', data: '198.18.10.50' },
  ],
  'nope.lhfx.test A': [],
  'wild.lhfx.test A': [{ type: 'A', data: '198.18.10.60' }],
};
const TYPE_NAMES: Record<number, string> = { 1: 'A', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV' };

interface DnsPacket {
  readonly file: string;
  readonly record: PcapRecord;
  readonly msg: DnsMessage;
}

function dnsPackets(file: string): DnsPacket[] {
  return records(file)
    .filter((r) => r.sport === 53 || r.dport === 53)
    .map((record) => ({ file, record, msg: decodeDns(record.payload) }));
}
const ALL_DNS = () => [...dnsPackets('dns-udp.pcap'), ...dnsPackets('dns-tcp.pcap')];
const questionKey = (msg: DnsMessage) => `${msg.questions[0]!.name} ${TYPE_NAMES[msg.questions[0]!.type] ?? msg.questions[0]!.type}`;

/** A name in wire form without compression. */
function wireName(name: string): Uint8Array {
  const labels = name.split('.').filter((l) => l.length > 0);
  return Uint8Array.from([...labels.flatMap((l) => [l.length, ...new TextEncoder().encode(l)]), 0]);
}
function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return hex(haystack).match(/../g)!.join(' ').includes(hex(needle).match(/../g)!.join(' '));
}
/** CNAME/MX rdata names the sender wrote in full although compression could have shortened them. */
function rdataNamesInFull(bytes: Uint8Array, msg: DnsMessage): string[] {
  const target = (r: DnsRecord) => (r.type === 'CNAME' ? r.data : r.type === 'MX' ? r.data.exchange : undefined);
  return msg.answers.map(target).filter((n): n is string => n !== undefined && containsBytes(bytes.subarray(12 + wireName(msg.questions[0]!.name).length), wireName(n)));
}

describe('DNS fixtures', () => {
  test('every DNS message over UDP and TCP decodes, and every response answers the query before it', () => {
    const all = ALL_DNS();
    expect(all).toHaveLength(26);
    for (let i = 0; i < all.length; i += 2) {
      const [query, response] = [all[i]!, all[i + 1]!];
      expect([query.msg.qr, response.msg.qr]).toEqual([false, true]);
      expect(response.msg.id).toBe(query.msg.id);
      expect(response.msg.questions).toEqual(query.msg.questions);
      expect(query.record.dport).toBe(53);
      expect(response.record.sport).toBe(53);
    }
  });

  test('the decoded answers are the records capture.sh configured in dnsmasq, with its 300 s local TTL', () => {
    const responses = ALL_DNS().filter((p) => p.msg.qr);
    expect(new Set(responses.map((p) => questionKey(p.msg)))).toEqual(new Set(Object.keys(DNS_ANSWERS)));
    for (const { msg } of responses) {
      const key = questionKey(msg);
      expect(msg.answers.map((r) => (r.type === 'OPT' ? r : { type: r.type, data: r.data })), key).toEqual(DNS_ANSWERS[key]);
      for (const answer of msg.answers) expect(answer.type !== 'OPT' && answer.ttl).toBe(300);
      const nxdomain = key.startsWith('nope.');
      expect(msg.rcode).toBe(nxdomain ? DnsRcode.NXDOMAIN : DnsRcode.NOERROR);
      // dnsmasq sets AA on the records it holds, not on the NXDOMAIN of a --local domain.
      expect(msg.aa).toBe(!nxdomain);
    }
  });

  test('the EDNS0 queries carry an OPT record with dig’s buffer size, and dnsmasq answers with one', () => {
    const withOpt = ALL_DNS().filter((p) => p.msg.additionals.some((r) => r.type === 'OPT'));
    // +bufsize=1232 +nsid, dig's default EDNS (UDP), and +tcp's default EDNS: each query and its response.
    expect(withOpt).toHaveLength(6);
    for (const { msg } of withOpt.filter((p) => !p.msg.qr)) {
      const opt = msg.additionals.find((r) => r.type === 'OPT');
      expect(opt).toMatchObject({ udpPayloadSize: 1232, version: 0 });
    }
  });

  test('every DNS message survives encodeDns then decodeDns, with and without compressDns', () => {
    for (const { msg } of ALL_DNS()) {
      expect(decodeDns(encodeDns(msg))).toEqual(msg);
      expect(decodeDns(compressDns(encodeDns(msg)))).toEqual(msg);
    }
  });

  test('every query re-encodes byte for byte with encodeDns alone (one name each: nothing to compress)', () => {
    for (const { file, record, msg } of ALL_DNS().filter((p) => !p.msg.qr)) {
      expect(hex(encodeDns(msg)), `${file}#${record.frame}`).toBe(hex(record.payload));
    }
  });

  // dnsmasq 2.90 compresses owner names but writes the names inside CNAME and MX
  // rdata in full; compressDns compresses those too (RFC 1035 4.1.4 allows it),
  // so those responses come out shorter. Everything else is byte for byte.
  test('every response re-encodes byte for byte through compressDns, except where dnsmasq wrote a CNAME or MX target in full', () => {
    const notReproduced: string[] = [];
    for (const { file, record, msg } of ALL_DNS().filter((p) => p.msg.qr)) {
      const ours = compressDns(encodeDns(msg));
      const inFull = rdataNamesInFull(record.payload, msg);
      if (inFull.length === 0) {
        expect(hex(ours), `${file}#${record.frame}`).toBe(hex(record.payload));
      } else {
        expect(ours.length).toBeLessThan(record.payload.length);
        notReproduced.push(`${file.replace('.pcap', '')} ${questionKey(msg)} (${inFull.join(', ')})`);
      }
    }
    expect(notReproduced.sort()).toEqual([
      'dns-tcp lhfx.test MX (mail.lhfx.test)',
      'dns-udp lhfx.test MX (mail.lhfx.test)',
      'dns-udp www.lhfx.test A (host1.lhfx.test)',
      'dns-udp www.lhfx.test A (host1.lhfx.test)',
    ]);
  });
});

const { Solicit: S6, Advertise: A6, Request: R6, Reply: Y6, Release: X6, InformationRequest: I6, RelayForw: F6, RelayRepl: B6 } = Dhcp6MessageType;

/** DHCPv6 message types in capture order (fixtures/README.md, tools/fixtures/capture-dhcp6.sh). */
const DHCP6_FIXTURES: Record<string, number[]> = {
  'dhcp6-dhclient.pcap': [S6, A6, R6, Y6, X6, Y6],
  'dhcp6-rapid.pcap': [S6, Y6, X6, Y6],
  'dhcp6-stateless.pcap': [I6, Y6],
  'dhcp6-dhcpcd.pcap': [S6, A6, R6, Y6, X6, Y6],
  // Each exchange on both legs of dhcrelay: client → relay, RELAY-FORW, RELAY-REPL, relay → client.
  'dhcp6-relayed.pcap': [S6, F6, B6, A6, R6, F6, B6, Y6, X6, F6, B6, Y6],
};
/** What capture-dhcp6.sh configures: the clients' MACs, dnsmasq's DUID-EN, its options and ranges. */
const V6 = {
  clientMac: '0200db080102',
  relayedClientMac: '0200db080202',
  serverDuid: { kind: 'en', enterpriseNumber: 32473, identifier: Uint8Array.from(Buffer.from('lhfx6')) },
  dnsServers: ['2001:db8:1::53', '2001:db8:1::54'],
  domains: ['lhfx.test.', 'sub.lhfx.test.'],
  /** 10 minute leases; dnsmasq sets T1 and T2 to 1/2 and 7/8 of them. */
  lease: { t1: 300, t2: 525, lifetime: 600 },
} as const;

type S = Dhcp6ClientServerMessage;

interface Dhcp6Packet {
  readonly record: PcapRecord;
  readonly msg: Dhcp6Message;
}

function dhcp6Packets(file: string): Dhcp6Packet[] {
  const isDhcp6Port = (port: number) => port === 546 || port === 547;
  return records(file)
    .filter((r) => r.proto === 'udp' && isDhcp6Port(r.sport) && isDhcp6Port(r.dport))
    .map((record) => ({ record, msg: decodeDhcp6(record.payload) }));
}

const v6 = (bytes: Uint8Array) => ipv6Text(bytes, 0);
/** The addresses of every IA_NA's IAADDRs, as text. */
const iaNaAddresses = (msg: Dhcp6Message) => getDhcp6Options(msg, 3).flatMap((ia) => getDhcp6Options(ia, 5).map((a) => v6(a.address)));
const inRange = (prefix: string) => (text: string) => text.startsWith(prefix) && /::1[0-9a-f]{2}$/.test(text);

describe('DHCPv6 fixtures', () => {
  for (const [file, types] of Object.entries(DHCP6_FIXTURES)) {
    test(`every DHCPv6 datagram in ${file} decodes, with the message types in capture order, and re-encodes byte for byte`, () => {
      const packets = dhcp6Packets(file);
      expect(packets.map(({ msg }) => msg.msgType)).toEqual(types);
      for (const { record, msg } of packets) expect(hex(encodeDhcp6(msg)), `frame ${record.frame}`).toBe(hex(record.payload));
    });
  }

  for (const file of ['dhcp6-dhclient.pcap', 'dhcp6-rapid.pcap', 'dhcp6-dhcpcd.pcap']) {
    test(`in ${file} the client keeps one DUID, dnsmasq answers with its DUID-EN, an IA_NA address from the range, DNS servers and domain list`, () => {
      const packets = dhcp6Packets(file);
      const clientId = getDhcp6Option(packets[0]!.msg, 1)!;
      for (const { record, msg } of packets) {
        expect(getDhcp6Option(msg, 1)).toStrictEqual(clientId);
        // Clients send from their link-local address to All_DHCP_Relay_Agents_and_Servers (RFC 8415 7.1).
        if (record.dport === 547) expect(record.dst).toBe('ff02::1:2');
        if (record.dport === 547) expect(record.src).toMatch(/^fe80::/);
      }
      const replies = packets.filter(({ msg }) => msg.msgType === A6 || msg.msgType === Y6).map(({ msg }) => msg);
      for (const reply of replies) expect(getDhcp6Option(reply, 2)).toStrictEqual(V6.serverDuid);
      const granting = replies.filter((m) => getDhcp6Options(m, 3).length > 0);
      expect(granting.length).toBeGreaterThan(0);
      for (const reply of granting) {
        const [ia] = getDhcp6Options(reply, 3);
        expect(ia).toMatchObject({ t1: V6.lease.t1, t2: V6.lease.t2 });
        expect(getDhcp6Options(ia!, 5).map((a) => [a.preferredLifetime, a.validLifetime])).toEqual([[V6.lease.lifetime, V6.lease.lifetime]]);
        expect(iaNaAddresses(reply).every(inRange('2001:db8:1::'))).toBe(true);
        expect(getDhcp6Option(reply, 23)!.map(v6)).toEqual(V6.dnsServers);
        expect(getDhcp6Option(reply, 24)).toEqual(V6.domains);
        expect(getDhcp6Option(reply, 13)).toMatchObject({ status: 0 });
      }
      // The IA the client asked for is the one granted, and the address it releases is the one it was given.
      const solicitIa = getDhcp6Options(packets[0]!.msg, 3)[0]!;
      expect(getDhcp6Options(granting[0]!, 3)[0]!.iaid).toBe(solicitIa.iaid);
      const release = packets.find(({ msg }) => msg.msgType === X6)!.msg;
      expect(iaNaAddresses(release)).toEqual(iaNaAddresses(granting.at(-1)!));
      expect(getDhcp6Option(release, 2)).toStrictEqual(V6.serverDuid);
    });
  }

  test('dhclient -6 sends a DUID-LLT of its MAC, asks for DNS servers and domain list, and gets an IA_TA address too', () => {
    const [solicit, advertise, request, reply] = dhcp6Packets('dhcp6-dhclient.pcap').map((p) => p.msg) as Dhcp6ClientServerMessage[] as [S, S, S, S];
    expect(getDhcp6Option(solicit, 1)).toMatchObject({ kind: 'llt', hardwareType: 1, linkLayerAddress: Uint8Array.from(Buffer.from(V6.clientMac, 'hex')) });
    expect(getDhcp6Option(solicit, 6)).toEqual(expect.arrayContaining([23, 24]));
    expect(advertise.transactionId).toBe(solicit.transactionId);
    expect(reply.transactionId).toBe(request.transactionId);
    expect(getDhcp6Option(request, 2)).toStrictEqual(getDhcp6Option(advertise, 2));
    expect(iaNaAddresses(request)).toEqual(iaNaAddresses(advertise));
    const ta = getDhcp6Option(reply, 4)!;
    expect(getDhcp6Options(ta, 5).map((a) => v6(a.address)).every(inRange('2001:db8:1::'))).toBe(true);
  });

  test('with rapid commit, dnsmasq answers the SOLICIT with a REPLY that carries rapid commit; the client uses a DUID-LL', () => {
    const [solicit, reply] = dhcp6Packets('dhcp6-rapid.pcap').map((p) => p.msg) as [Dhcp6Message, Dhcp6Message];
    expect(getDhcp6Option(solicit, 14)).toBe(true);
    expect(getDhcp6Option(reply, 14)).toBe(true);
    expect(getDhcp6Option(solicit, 1)).toStrictEqual({ kind: 'll', hardwareType: 1, linkLayerAddress: Uint8Array.from(Buffer.from(V6.clientMac, 'hex')) });
  });

  test('dhcpcd sends its configured DUID-UUID, IAID 1 and a vendor class, and asks for SOL_MAX_RT', () => {
    const solicit = dhcp6Packets('dhcp6-dhcpcd.pcap')[0]!.msg;
    expect(getDhcp6Option(solicit, 1)).toStrictEqual({ kind: 'uuid', uuid: Uint8Array.from(Buffer.from('6c6866783600400080000000db080102', 'hex')) });
    expect(getDhcp6Option(solicit, 3)!.iaid).toBe(1);
    expect(getDhcp6Option(solicit, 16)!.data.length).toBeGreaterThan(0);
    expect(getDhcp6Option(solicit, 6)).toContain(82);
  });

  test('a stateless INFORMATION-REQUEST asks for no address and gets DNS servers, domain list and a refresh time', () => {
    const [request, reply] = dhcp6Packets('dhcp6-stateless.pcap').map((p) => p.msg) as [Dhcp6Message, Dhcp6Message];
    expect(getDhcp6Options(request, 3)).toEqual([]);
    expect(getDhcp6Option(request, 1)).toMatchObject({ kind: 'll' });
    expect(getDhcp6Options(reply, 3)).toEqual([]);
    expect(getDhcp6Option(reply, 23)!.map(v6)).toEqual(V6.dnsServers);
    expect(getDhcp6Option(reply, 24)).toEqual(V6.domains);
    // dnsmasq sends the range's lease time as the information refresh time.
    expect(getDhcp6Option(reply, 32)).toBe(V6.lease.lifetime);
  });

  test('behind dhcrelay -6 -I, each message travels unchanged inside RELAY-FORW/RELAY-REPL with the relay link and the client as peer', () => {
    const packets = dhcp6Packets('dhcp6-relayed.pcap');
    for (let i = 0; i < packets.length; i += 4) {
      const [fromClient, forw, repl, toClient] = packets.slice(i, i + 4) as [Dhcp6Packet, Dhcp6Packet, Dhcp6Packet, Dhcp6Packet];
      for (const relay of [forw.msg, repl.msg]) {
        if (!isDhcp6Relay(relay)) throw new Error('expected a relay message');
        expect(relay.hopCount).toBe(0);
        expect(v6(relay.linkAddress)).toBe('2001:db8:2::1');
        expect(v6(relay.peerAddress)).toBe(fromClient.record.src);
        expect(getDhcp6Option(relay, 18)!.length).toBeGreaterThan(0);
      }
      // RFC 8415 19.1.1 / 18.3.10: the server echoes the interface id; the relay passes the inner messages on unchanged.
      expect(getDhcp6Option(repl.msg, 18)).toEqual(getDhcp6Option(forw.msg, 18));
      expect(getDhcp6Option(forw.msg, 9)).toStrictEqual(fromClient.msg);
      expect(getDhcp6Option(repl.msg, 9)).toStrictEqual(toClient.msg);
      expect(getDhcp6Option(toClient.msg, 1)).toMatchObject({ kind: 'llt', linkLayerAddress: Uint8Array.from(Buffer.from(V6.relayedClientMac, 'hex')) });
    }
    const granted = packets.filter(({ msg }) => msg.msgType === A6 || (msg.msgType === Y6 && getDhcp6Options(msg, 3).length > 0));
    expect(granted).toHaveLength(2);
    for (const { msg } of granted) expect(iaNaAddresses(msg).every(inRange('2001:db8:2::'))).toBe(true);
  });
});
