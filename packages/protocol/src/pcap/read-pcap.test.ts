import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { PcapDecodeError, PcapLinkTypeError } from './errors.js';
import { LinkType } from './frame.js';
import { readPcapFile } from './pcap-file.js';
import { readPcap } from './read-pcap.js';
import { buildPcap, concatBytes, ip, lengthPrefixed, link, tcp, udp } from './testing.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url)));
const client = { src: '198.18.13.2', dst: '198.18.13.1', sport: 40000, dport: 53 };
const server = { src: client.dst, dst: client.src, sport: 53, dport: 40000 };
const web = { ...client, dport: 8080 };
const bytes = (...values: number[]) => Uint8Array.from(values);

describe('readPcap on a capture built in the test', () => {
  test.prop([fc.boolean(), fc.constantFrom('micro' as const, 'nano' as const), fc.constantFrom(LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.RAW)])(
    'it yields UDP datagrams, reassembled DNS-over-TCP messages and other TCP payloads, skipping what is neither',
    (littleEndian, precision, linkType) => {
      const q1 = bytes(0x12, 0x34, 1, 0, 0, 1);
      const r1 = bytes(0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1);
      const r2 = bytes(0x56, 0x78, 0x81, 0x83);
      const tcpStream = concatBytes(lengthPrefixed(r1), lengthPrefixed(r2));
      const ts = (n: number) => ({ seconds: 1_700_000_000 + n, nanos: n * 1_000_001 });
      const frame = (n: number, data: Uint8Array, originalLength?: number) => ({ ...ts(n), data, ...(originalLength === undefined ? {} : { originalLength }) });
      const arp = link(LinkType.ETHERNET, ip(client, 17, udp(client, new Uint8Array(0))));
      arp.set([0x08, 0x06], 12);
      const frames = [
        frame(1, link(linkType, ip(client, 17, udp(client, q1)))),
        // Cut by the snaplen: skipped, since its payload is incomplete.
        frame(2, link(linkType, ip(client, 17, udp(client, q1))).subarray(0, 30), 200),
        frame(3, link(linkType, ip(server, 6, tcp(server, { seq: 999, syn: true }, new Uint8Array(0))))),
        // Two messages over three segments: [len r1, r1[0..3]], [r1 rest, len r2], [r2].
        frame(4, link(linkType, ip(server, 6, tcp(server, { seq: 1000 }, tcpStream.subarray(0, 5))))),
        frame(5, link(linkType, ip(server, 6, tcp(server, { seq: 1005 }, tcpStream.subarray(5, 12))))),
        frame(6, link(linkType, ip(server, 6, tcp(server, { seq: 1012 }, tcpStream.subarray(12))))),
        frame(7, link(linkType, ip(web, 6, tcp(web, { seq: 1 }, bytes(9, 9))))),
        ...(linkType === LinkType.ETHERNET ? [frame(8, arp)] : []),
      ];
      const records = readPcap(buildPcap({ littleEndian, precision, linkType, frames }));
      const micro = (n: number) => (precision === 'nano' ? ts(n).nanos : Math.floor(ts(n).nanos / 1000) * 1000);
      expect(records.map((r) => [r.frame, r.ts.seconds, r.ts.nanos, r.proto, r.src, r.sport, r.dst, r.dport, Array.from(r.payload)])).toEqual([
        [1, ts(1).seconds, micro(1), 'udp', client.src, 40000, client.dst, 53, Array.from(q1)],
        [5, ts(5).seconds, micro(5), 'tcp', server.src, 53, server.dst, 40000, Array.from(r1)],
        [6, ts(6).seconds, micro(6), 'tcp', server.src, 53, server.dst, 40000, Array.from(r2)],
        [7, ts(7).seconds, micro(7), 'tcp', client.src, 40000, client.dst, 8080, [9, 9]],
      ]);
    },
  );

  test('it reassembles TCP on the ports it is told carry DNS', () => {
    const ep = { ...client, dport: 5353 };
    const frames = [{ seconds: 1, nanos: 0, data: ip(ep, 6, tcp(ep, { seq: 7 }, lengthPrefixed(bytes(1, 2)))) }];
    const pcap = buildPcap({ linkType: LinkType.RAW, frames });
    expect(readPcap(pcap)[0]?.payload).toEqual(lengthPrefixed(bytes(1, 2)));
    expect(readPcap(pcap, { dnsTcpPorts: [5353] })[0]?.payload).toEqual(bytes(1, 2));
  });

  test('it refuses a link type it cannot parse before reading any frame', () => {
    expect(() => readPcap(buildPcap({ linkType: 127, frames: [] }))).toThrow(PcapLinkTypeError);
  });

  test('its errors carry the file offset of the bad header inside the frame', () => {
    const packet = ip(client, 17, udp(client, bytes(1, 2, 3, 4)));
    packet[25] = 99; // UDP length
    const pcap = buildPcap({ linkType: LinkType.RAW, frames: [{ seconds: 1, nanos: 0, data: packet }] });
    expect(() => readPcap(pcap)).toThrow(expect.objectContaining({ name: 'PcapDecodeError', offset: 24 + 16 + 24 }));
  });

  test.prop([fc.uint8Array({ maxLength: 300 }), fc.constantFrom(LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.RAW)], { numRuns: 3000 })(
    'on arbitrary frame bytes it only ever returns records or throws PcapDecodeError',
    (data, linkType) => {
      try {
        readPcap(buildPcap({ linkType, frames: [{ seconds: 0, nanos: 0, data }] }));
      } catch (e) {
        expect(e).toBeInstanceOf(PcapDecodeError);
      }
    },
  );
});

describe('readPcap on the captured fixtures', () => {
  const dhcpFiles = ['dhcp-dhclient.pcap', 'dhcp-udhcpc.pcap', 'dhcp-dhcpcd.pcap'];
  for (const name of dhcpFiles) {
    test(`${name} holds one client's five DHCP datagrams over Ethernet, the last unicast from the leased address`, () => {
      expect(readPcapFile(fixture(name)).linkType).toBe(LinkType.ETHERNET);
      const records = readPcap(fixture(name));
      expect(records.map((r) => `${r.proto} ${r.sport}>${r.dport}`)).toEqual(['udp 68>67', 'udp 67>68', 'udp 68>67', 'udp 67>68', 'udp 68>67']);
      expect(records[0]).toMatchObject({ src: '0.0.0.0', dst: '255.255.255.255' });
      expect(records[4]?.src).toMatch(/^198\.18\.10\.\d+$/);
      expect(records[4]?.dst).toBe('198.18.10.1');
      // A BOOTP message is at least 236 bytes plus the magic cookie.
      for (const r of records) expect(r.payload.length).toBeGreaterThanOrEqual(240);
    });
  }

  test('dhcp-relayed.pcap is Linux cooked v2 and shows both legs of the relay', () => {
    expect(readPcapFile(fixture('dhcp-relayed.pcap')).linkType).toBe(LinkType.LINUX_SLL2);
    const records = readPcap(fixture('dhcp-relayed.pcap'));
    const relayLeg = records.filter((r) => r.sport === 67 && r.dport === 67);
    expect(relayLeg.some((r) => r.src === '198.18.12.2' && r.dst === '198.18.12.1')).toBe(true);
    expect(relayLeg.some((r) => r.src === '198.18.12.1' && r.dst === '198.18.11.1')).toBe(true);
    expect(records.filter((r) => r.sport === 68 && r.src === '0.0.0.0')).toHaveLength(2);
  });

  test('dns-udp.pcap has nanosecond timestamps and pairs every query with a response from port 53', () => {
    const file = readPcapFile(fixture('dns-udp.pcap'));
    expect(file.precision).toBe('nano');
    expect(file.frames.some((f) => f.ts.nanos % 1000 !== 0)).toBe(true);
    const records = readPcap(fixture('dns-udp.pcap'));
    expect(records).toHaveLength(22);
    for (let i = 0; i < records.length; i += 2) {
      const [query, response] = [records[i]!, records[i + 1]!];
      expect([query.proto, query.dport, response.sport, response.dport]).toEqual(['udp', 53, 53, query.sport]);
      expect(response.payload.subarray(0, 2)).toEqual(query.payload.subarray(0, 2)); // same DNS id
    }
  });

  test('dns-tcp.pcap is Linux cooked v1 and reassembles to two queries and their responses', () => {
    expect(readPcapFile(fixture('dns-tcp.pcap')).linkType).toBe(LinkType.LINUX_SLL);
    const records = readPcap(fixture('dns-tcp.pcap'));
    expect(records.map((r) => `${r.proto} ${r.dport === 53 ? 'query' : 'response'}`)).toEqual(['tcp query', 'tcp response', 'tcp query', 'tcp response']);
    expect(records[1]?.payload.subarray(0, 2)).toEqual(records[0]?.payload.subarray(0, 2));
    expect(records[3]?.payload.subarray(0, 2)).toEqual(records[2]?.payload.subarray(0, 2));
    // QR bit clear on queries, set on responses.
    expect(records.map((r) => r.payload[2]! >> 7)).toEqual([0, 1, 0, 1]);
  });
});
