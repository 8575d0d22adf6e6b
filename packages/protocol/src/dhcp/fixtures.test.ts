import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { formatIpv4, parseIpv4 } from '../ipv4/address.js';
import { DhcpMessageType } from './constants.js';
import { decodeDhcp } from './decode.js';
import { encodeDhcp } from './encode.js';
import { findOption, getOption, getRawOption, messageType, type DhcpMessage } from './message.js';

/**
 * UDP payloads on ports 67/68 of a classic pcap (Ethernet or Linux cooked v2),
 * read with a few lines of our own so that these tests depend on nothing else.
 */
function dhcpPayloads(file: string): Uint8Array[] {
  const bytes = new Uint8Array(readFileSync(new URL(`../../fixtures/${file}`, import.meta.url)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = view.getUint32(0, true) === 0xa1b2c3d4 || view.getUint32(0, true) === 0xa1b23c4d;
  const linkType = view.getUint32(20, little) & 0xffff;
  const out: Uint8Array[] = [];
  for (let at = 24; at + 16 <= bytes.length; ) {
    const captured = view.getUint32(at + 8, little);
    const frame = bytes.subarray(at + 16, at + 16 + captured);
    at += 16 + captured;
    const [ethertype, ip] = linkType === 1 ? [(frame[12]! << 8) | frame[13]!, 14] : [(frame[0]! << 8) | frame[1]!, 20];
    if (ethertype !== 0x0800 || frame[ip + 9] !== 17) continue;
    const udp = ip + (frame[ip]! & 0x0f) * 4;
    const ports = [(frame[udp]! << 8) | frame[udp + 1]!, (frame[udp + 2]! << 8) | frame[udp + 3]!];
    if (!ports.every((p) => p === 67 || p === 68)) continue;
    const length = (frame[udp + 4]! << 8) | frame[udp + 5]!;
    out.push(frame.slice(udp + 8, udp + length));
  }
  return out;
}

const FILES = ['dhcp-dhclient.pcap', 'dhcp-udhcpc.pcap', 'dhcp-dhcpcd.pcap', 'dhcp-relayed.pcap'];
const { Discover, Offer, Request, Ack, Release } = DhcpMessageType;

function decodeAll(file: string): { bytes: Uint8Array; msg: DhcpMessage }[] {
  return dhcpPayloads(file).map((bytes) => ({ bytes, msg: decodeDhcp(bytes) }));
}

describe('real DHCP captures (fixtures/, dnsmasq 2.90 against real clients)', () => {
  test.each(FILES)('every message in %s decodes and re-encodes byte for byte', (file) => {
    const all = decodeAll(file);
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const { bytes, msg } of all) {
      expect(msg.nonCanonical).toBeUndefined();
      expect(encodeDhcp(msg)).toEqual(bytes);
    }
  });

  test('dhclient sends DISCOVER, REQUEST and RELEASE with its host name and request list; dnsmasq answers with the lease', () => {
    const all = decodeAll('dhcp-dhclient.pcap').map(({ msg }) => msg);
    expect(all.map(messageType)).toEqual([Discover, Offer, Request, Ack, Release]);
    const [discover, offer, request, ack] = all as [DhcpMessage, DhcpMessage, DhcpMessage, DhcpMessage];
    expect(discover.chaddr.length).toBe(6);
    expect(getOption(discover, 55)).toEqual(expect.arrayContaining([1, 3, 6, 15]));
    expect(typeof getOption(discover, 12)).toBe('string');
    expect(offer.xid).toBe(discover.xid);
    expect(formatIpv4(offer.yiaddr)).toMatch(/^198\.18\.10\.(1[0-4][0-9]|150)$/);
    expect(getOption(request, 50)).toBe(offer.yiaddr);
    expect(getOption(request, 54)).toBe(getOption(offer, 54));
    expect(getOption(ack, 51)).toBe(600);
    expect(getOption(ack, 1)).toBe(parseIpv4('255.255.255.0'));
  });

  test('the udhcpc OFFER carries option 119 with a compression pointer and option 121 routes', () => {
    const offer = decodeAll('dhcp-udhcpc.pcap').find(({ msg }) => messageType(msg) === Offer)!;
    expect(getOption(offer.msg, 119)).toEqual(['lhfx.test.', 'sub.lhfx.test.']);
    const at = offer.bytes.findIndex((b, i) => i >= 240 && b === 119 && offer.bytes[i + 1]! > 0);
    expect(Array.from(offer.bytes.subarray(at + 2, at + 2 + offer.bytes[at + 1]!))).toContain(0xc0);
    expect(getOption(offer.msg, 121)).toEqual([
      { destination: parseIpv4('198.18.20.0'), prefix: 24, router: expect.any(Number) },
      { destination: 0, prefix: 0, router: parseIpv4('198.18.10.1') },
    ]);
  });

  test('dhcpcd sends a client id, vendor class, maximum size and an unknown option 145 that survives raw', () => {
    const discover = decodeAll('dhcp-dhcpcd.pcap')[0]!.msg;
    expect(messageType(discover)).toBe(Discover);
    expect(getOption(discover, 61)?.length).toBeGreaterThan(1);
    expect(typeof getOption(discover, 60)).toBe('string');
    expect(getOption(discover, 57)).toBeGreaterThanOrEqual(576);
    expect(getRawOption(discover, 145)).toBeInstanceOf(Uint8Array);
  });

  test('behind a relay, giaddr and option 82 are set on the relayed leg and dnsmasq echoes option 82 unchanged', () => {
    const all = decodeAll('dhcp-relayed.pcap').map(({ msg }) => msg);
    const relayed = all.filter((m) => m.giaddr === parseIpv4('198.18.11.1') && findOption(m, 82) !== undefined);
    const requests = relayed.filter((m) => m.op === 1);
    const replies = relayed.filter((m) => m.op === 2);
    expect(requests.length).toBeGreaterThan(0);
    expect(replies.length).toBeGreaterThan(0);
    for (const m of requests) expect(m.hops).toBe(1);
    const sent = getOption(requests[0]!, 82)!;
    expect(sent.some((sub) => sub.code === 1)).toBe(true);
    for (const reply of replies) expect(getOption(reply, 82)).toEqual(sent);
  });
});
