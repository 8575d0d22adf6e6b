/**
 * `npm run bench:codec`: operations per second of the protocol codecs on
 * typical packets — dhcpcd's DHCPREQUEST and dnsmasq's DHCPACK from the
 * fixture capture, dhclient's DHCPv6 SOLICIT, dnsmasq's REPLY and a RELAY-REPL
 * around one from the DHCPv6 captures, and a compressed DNS response with 4
 * answers — with
 * dns-packet's own full decode/encode of the same response and the cache's
 * fast-path id/TTL rewrite in the same run. Every case is warmed up first,
 * then timed in several interleaved rounds (the best round counts: the machine
 * is shared), each bounded in iterations and time.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import dnsPacket from 'dns-packet';
import {
  DhcpMessageType,
  DnsClass,
  DnsType,
  compressDns,
  decodeDhcp,
  decodeDhcp6,
  decodeDns,
  dnsCacheKey,
  encodeDhcp,
  encodeDhcp6,
  encodeDns,
  getOption,
  messageType,
  readPcap,
  readQuestion,
  rewriteId,
  rewriteTtls,
  type Dhcp6Message,
  type DhcpMessage,
  type DnsMessage,
} from '@leasehold/protocol';
import { benchSink, bestOfRounds, machineLine, printTable, rate, timeLoop } from './harness.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2_000_000);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5_000);
const WARMUP_MS = 300;

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../packages/protocol/fixtures/${name}`, import.meta.url)));

function dhcpcdPacket(type: number): Uint8Array {
  const record = readPcap(fixture('dhcp-dhcpcd.pcap')).find((r) => messageType(decodeDhcp(r.payload)) === type);
  if (record === undefined) throw new Error(`dhcp-dhcpcd.pcap has no message of type ${type}`);
  return Uint8Array.from(record.payload);
}

const requestBytes = dhcpcdPacket(DhcpMessageType.Request);
const ackBytes = dhcpcdPacket(DhcpMessageType.Ack);
const request: DhcpMessage = decodeDhcp(requestBytes);
/** DHCPv6 payloads of a fixture capture, in capture order. */
const dhcp6Packets = (name: string) => readPcap(fixture(name)).map((r) => Uint8Array.from(r.payload));
// dhclient -6's SOLICIT, dnsmasq's REPLY to its REQUEST (IA_NA, IA_TA, status, DNS servers, domain list), and the relay leg's RELAY-REPL around a REPLY.
const [solicit6Bytes, , , reply6Bytes] = dhcp6Packets('dhcp6-dhclient.pcap') as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
const relayRepl6Bytes = dhcp6Packets('dhcp6-relayed.pcap')[6]!;
const [solicit6, reply6, relayRepl6] = [solicit6Bytes, reply6Bytes, relayRepl6Bytes].map(decodeDhcp6) as [Dhcp6Message, Dhcp6Message, Dhcp6Message];
const ack: DhcpMessage = decodeDhcp(ackBytes);
// What a server passes when it answers this client: its size limit and request list (RFC 2132 9.8, 9.10).
const ackOptions = { maxSize: getOption(request, 57), requested: getOption(request, 55) };

// A CDN-style answer: a CNAME and three A records, EDNS0, compressed as a resolver sends it.
// (dns-udp.pcap has no response with 4 answers.)
const response: DnsMessage = {
  id: 0x4c1f, qr: true, opcode: 0, aa: false, tc: false, rd: true, ra: true, z: false, ad: false, cd: false, rcode: 0,
  questions: [{ name: 'www.lhfx.test', type: DnsType.A, class: DnsClass.IN }],
  answers: [
    { name: 'www.lhfx.test', type: 'CNAME', class: DnsClass.IN, ttl: 300, data: 'edge.cdn.lhfx.test' },
    { name: 'edge.cdn.lhfx.test', type: 'A', class: DnsClass.IN, ttl: 60, data: '198.18.10.50' },
    { name: 'edge.cdn.lhfx.test', type: 'A', class: DnsClass.IN, ttl: 60, data: '198.18.10.51' },
    { name: 'edge.cdn.lhfx.test', type: 'A', class: DnsClass.IN, ttl: 60, data: '198.18.10.52' },
  ],
  authorities: [],
  additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, z: 0, options: [] }],
};
const responseBytes = compressDns(encodeDns(response));
const responseBuffer = Buffer.from(responseBytes);
const libraryPacket = dnsPacket.decode(responseBuffer);

/** The same id and TTL change through dns-packet: what the cache would do without the fast path. */
function libraryRewrite(bytes: Buffer, id: number, age: number): Buffer {
  const packet = dnsPacket.decode(bytes);
  packet.id = id;
  for (const section of [packet.answers, packet.authorities, packet.additionals]) {
    for (const record of section ?? []) {
      if (record.type !== 'OPT' && record.ttl !== undefined) record.ttl = Math.max(0, record.ttl - age);
    }
  }
  return dnsPacket.encode(packet);
}

// Each case is checked once before it is timed, so every figure measures a correct operation.
function check(what: string, ok: boolean): void {
  if (!ok) throw new Error(`bench:codec: ${what}`);
}
check('the DHCPREQUEST re-encodes byte for byte', Buffer.from(encodeDhcp(request)).equals(requestBytes));
check('the DHCPACK re-encodes byte for byte within the client limits', Buffer.from(encodeDhcp(ack, ackOptions)).equals(ackBytes));
for (const [what, bytes, msg] of [['SOLICIT', solicit6Bytes, solicit6], ['REPLY', reply6Bytes, reply6], ['RELAY-REPL', relayRepl6Bytes, relayRepl6]] as const) {
  check(`the DHCPv6 ${what} re-encodes byte for byte`, Buffer.from(encodeDhcp6(msg)).equals(bytes));
}
check('the DHCPv6 messages are the ones named', solicit6.msgType === 1 && reply6.msgType === 7 && relayRepl6.msgType === 13);
check('the DNS response decodes to what was built', isDeepStrictEqual(decodeDns(responseBytes), response));
check('dns-packet reads the same 4 answers', libraryPacket.answers?.length === 4);
{
  const fast = Uint8Array.from(responseBytes);
  rewriteId(fast, 0x1234);
  rewriteTtls(fast, 7);
  const viaLibrary = decodeDns(libraryRewrite(responseBuffer, 0x1234, 7));
  const viaFastPath = decodeDns(fast);
  check('the fast path and dns-packet rewrite the same id and TTLs', isDeepStrictEqual(viaFastPath, viaLibrary));
  check('TTLs went down by 7', viaFastPath.answers.every((r, i) => r.type !== 'OPT' && r.ttl === (response.answers[i] as { ttl: number }).ttl - 7));
}

// Results go here so no call can be optimised away.
const inPlace = Uint8Array.from(responseBytes);
let nextId = 0;

interface Case {
  readonly name: string;
  readonly op: () => unknown;
}
const cases: Case[] = [
  { name: `dhcp decode DHCPREQUEST (dhcpcd, ${requestBytes.length} B, ${request.options.length} options)`, op: () => decodeDhcp(requestBytes) },
  { name: 'dhcp encode DHCPREQUEST', op: () => encodeDhcp(request) },
  { name: `dhcp decode DHCPACK (dnsmasq, ${ackBytes.length} B, ${ack.options.length} options)`, op: () => decodeDhcp(ackBytes) },
  { name: 'dhcp encode DHCPACK (maxSize + request list)', op: () => encodeDhcp(ack, ackOptions) },
  { name: `dhcp6 decode SOLICIT (dhclient -6, ${solicit6Bytes.length} B)`, op: () => decodeDhcp6(solicit6Bytes) },
  { name: 'dhcp6 encode SOLICIT', op: () => encodeDhcp6(solicit6) },
  { name: `dhcp6 decode REPLY (dnsmasq, ${reply6Bytes.length} B: IA_NA, IA_TA, status, DNS, domains)`, op: () => decodeDhcp6(reply6Bytes) },
  { name: 'dhcp6 encode REPLY', op: () => encodeDhcp6(reply6) },
  { name: `dhcp6 decode RELAY-REPL around a REPLY (${relayRepl6Bytes.length} B)`, op: () => decodeDhcp6(relayRepl6Bytes) },
  { name: 'dhcp6 encode RELAY-REPL', op: () => encodeDhcp6(relayRepl6) },
  { name: `dns decode, ours: decodeDns (${responseBytes.length} B, 4 answers)`, op: () => decodeDns(responseBytes) },
  { name: 'dns decode, dns-packet', op: () => dnsPacket.decode(responseBuffer) },
  { name: 'dns encode, ours: encodeDns (names in full)', op: () => encodeDns(response) },
  { name: 'dns encode, ours: compressDns(encodeDns)', op: () => compressDns(encodeDns(response)) },
  { name: 'dns encode, dns-packet (names in full)', op: () => dnsPacket.encode(libraryPacket) },
  {
    name: 'fast path: rewriteId + rewriteTtls in place',
    op: () => {
      rewriteId(inPlace, (nextId = (nextId + 1) & 0xffff));
      return rewriteTtls(inPlace, 1);
    },
  },
  {
    // Buffer.from copies into Node's 8 KiB pool (about 40 ns here); slice() or Uint8Array.from
    // allocate a fresh ArrayBuffer each (about 200-400 ns), several times the rewrite itself.
    name: 'fast path: copy + rewriteId + rewriteTtls (cache hit)',
    op: () => {
      const reply = Buffer.from(responseBytes);
      rewriteId(reply, (nextId = (nextId + 1) & 0xffff));
      rewriteTtls(reply, 7);
      return reply;
    },
  },
  { name: 'fast path: readQuestion + dnsCacheKey', op: () => dnsCacheKey(readQuestion(responseBytes)) },
  { name: 'dns-packet: decode + set id/TTLs + encode', op: () => libraryRewrite(responseBuffer, (nextId = (nextId + 1) & 0xffff), 7) },
];


console.log(machineLine(`dns-packet ${readDnsPacketVersion()}`));
console.log(
  `bounds: warm-up ${WARMUP} calls or ${WARMUP_MS} ms per case, then ${ROUNDS} interleaved rounds of at most ${ITERATIONS} calls or ${ROUND_MS} ms; best round shown`,
);
for (const c of cases) timeLoop(c.name, c.op, WARMUP, WARMUP_MS);
const figures = bestOfRounds(cases, ROUNDS, ITERATIONS, ROUND_MS);
check('every case produced a result', benchSink !== undefined);
console.log('');
printTable(figures);

const byName = (prefix: string) => rate(figures.find((f) => f.name.startsWith(prefix))!);
const ns = (prefix: string) => `${(1e9 / byName(prefix)).toFixed(0)} ns`;
console.log('');
console.log(`dns decode: ours ${ns('dns decode, ours')} vs dns-packet ${ns('dns decode, dns-packet')} (ours validates first and builds typed records)`);
console.log(`dns encode: ours ${ns('dns encode, ours: encodeDns')} vs dns-packet ${ns('dns encode, dns-packet')}; with compression ${ns('dns encode, ours: compressDns')}`);
console.log(
  `id+TTL rewrite: fast path ${ns('fast path: rewriteId + rewriteTtls in place')} in place, ${ns('fast path: copy')} with the copy, ` +
    `vs ${ns('dns-packet: decode')} through dns-packet: ${(byName('fast path: copy') / byName('dns-packet: decode')).toFixed(0)}x faster`,
);

function readDnsPacketVersion(): string {
  try {
    const path = fileURLToPath(import.meta.resolve('dns-packet/package.json'));
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return '(version unknown)';
  }
}
