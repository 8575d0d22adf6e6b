import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { PcapDecodeError, PcapLinkTypeError } from './errors.js';
import { LinkType, parseFrame } from './frame.js';
import { concatBytes, ip, link, tcp, udp } from './testing.js';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const port = fc.integer({ min: 0, max: 65535 });
const endpoints = fc.oneof(
  fc.record({ src: ipv4, dst: ipv4, sport: port, dport: port }),
  fc.record({ src: ipv6, dst: ipv6, sport: port, dport: port }),
);
const linkTypes = [LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.RAW];
const canonical = (text: string) => (text.includes(':') ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text);

describe('parseFrame', () => {
  test.prop([endpoints, fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...linkTypes), fc.array(fc.nat(4095), { maxLength: 2 })])(
    'it gives back the UDP payload and 5-tuple on every link type, past VLAN tags and Ethernet padding',
    (ep, payload, linkType, vlans) => {
      const frame = link(linkType, ip(ep, 17, udp(ep, payload)), vlans);
      const segment = parseFrame(linkType, frame, 0);
      expect(segment).toEqual({ proto: 'udp', src: canonical(ep.src), dst: canonical(ep.dst), sport: ep.sport, dport: ep.dport, payload });
    },
  );

  test.prop([endpoints, fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...linkTypes), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), fc.boolean()])(
    'it gives back the TCP payload, sequence number and flags, after TCP options',
    (ep, payload, linkType, seq, syn, fin) => {
      const options = Uint8Array.of(2, 4, 0x05, 0xb4, 1, 1, 4, 2); // MSS, NOP, NOP, SACK permitted
      const segment = parseFrame(linkType, link(linkType, ip(ep, 6, tcp(ep, { seq, syn, fin, options }, payload))), 0);
      expect(segment).toEqual({ proto: 'tcp', src: canonical(ep.src), dst: canonical(ep.dst), sport: ep.sport, dport: ep.dport, payload, seq, syn, fin, rst: false });
    },
  );

  const v4 = { src: '198.18.10.2', dst: '198.18.10.1', sport: 68, dport: 67 };
  const v6 = { src: '2001:db8::2', dst: '2001:db8::1', sport: 546, dport: 547 };

  test('it skips IPv6 hop-by-hop and destination options headers to reach UDP', () => {
    const datagram = udp(v6, Uint8Array.of(9, 9));
    const hopByHop = Uint8Array.of(60, 0, 1, 4, 0, 0, 0, 0); // next: destination options
    const destOpts = Uint8Array.of(17, 0, 1, 4, 0, 0, 0, 0); // next: UDP
    const packet = ip(v6, 0, concatBytes(hopByHop, destOpts, datagram));
    expect(parseFrame(LinkType.RAW, packet, 0)).toMatchObject({ proto: 'udp', sport: 546, payload: Uint8Array.of(9, 9) });
  });

  test('it returns nothing for IPv4 fragments, IPv6 fragments, ICMP and ARP', () => {
    const fragment = ip(v4, 17, udp(v4, new Uint8Array(8)));
    fragment[6] = 0x20; // more fragments
    expect(parseFrame(LinkType.RAW, fragment, 0)).toBeUndefined();
    const later = ip(v4, 17, udp(v4, new Uint8Array(8)));
    later[7] = 0x10; // fragment offset 16
    expect(parseFrame(LinkType.RAW, later, 0)).toBeUndefined();
    expect(parseFrame(LinkType.RAW, ip(v6, 44, new Uint8Array(16)), 0)).toBeUndefined();
    expect(parseFrame(LinkType.RAW, ip(v4, 1, new Uint8Array(8)), 0)).toBeUndefined();
    const arp = link(LinkType.ETHERNET, ip(v4, 17, udp(v4, new Uint8Array(0))));
    arp.set([0x08, 0x06], 12);
    expect(parseFrame(LinkType.ETHERNET, arp, 0)).toBeUndefined();
  });

  const malformed: [string, number, () => Uint8Array, RegExp, number][] = [
    ['an Ethernet header cut short', LinkType.ETHERNET, () => new Uint8Array(10), /Ethernet header cut short/, 0],
    ['an IPv4 header length below 20', LinkType.ETHERNET, () => {
      const p = ip(v4, 17, udp(v4, new Uint8Array(4)));
      p[0] = 0x44;
      return link(LinkType.ETHERNET, p);
    }, /IPv4 header length 16 is below 20/, 14],
    ['an IPv4 total length past the frame', LinkType.RAW, () => {
      const p = ip(v4, 17, udp(v4, new Uint8Array(4)));
      p[3] = 200;
      return p;
    }, /IPv4 packet cut short/, 0],
    ['a UDP length past the IP packet', LinkType.RAW, () => {
      const p = ip(v4, 17, udp(v4, new Uint8Array(4)));
      p[25] = 40;
      return p;
    }, /UDP length 40 does not fit the 12 bytes/, 24],
    ['a TCP data offset past the segment', LinkType.RAW, () => {
      const p = ip(v4, 6, tcp(v4, { seq: 1 }, new Uint8Array(0)));
      p[32] = 0xf0;
      return p;
    }, /TCP data offset 60 does not fit the 20-byte segment/, 32],
    ['a raw frame that is not IP', LinkType.RAW, () => Uint8Array.of(0x50, 0), /raw IP frame has IP version 5/, 0],
  ];
  for (const [what, linkType, make, message, offset] of malformed) {
    test(`it throws a PcapDecodeError at the right file offset for ${what}`, () => {
      let error: unknown;
      try {
        parseFrame(linkType, make(), 1000);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PcapDecodeError);
      expect((error as PcapDecodeError).message).toMatch(message);
      expect((error as PcapDecodeError).offset).toBe(1000 + offset);
    });
  }

  test('it refuses a link type it does not read with a PcapLinkTypeError', () => {
    expect(() => parseFrame(105, new Uint8Array(40), 0)).toThrow(PcapLinkTypeError);
  });

  test.prop([fc.constantFrom(...linkTypes), fc.uint8Array({ maxLength: 120 })], { numRuns: 5000 })(
    'on arbitrary bytes it only ever returns a segment, nothing, or a PcapDecodeError',
    (linkType, bytes) => {
      try {
        const segment = parseFrame(linkType, bytes, 0);
        if (segment) expect(segment.payload.length).toBeLessThanOrEqual(bytes.length);
      } catch (e) {
        expect(e).toBeInstanceOf(PcapDecodeError);
      }
    },
  );
});
