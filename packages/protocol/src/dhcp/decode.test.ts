import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DecodeError } from '../errors.js';
import { parseIpv4 } from '../ipv4/address.js';
import { DhcpMessageType } from './constants.js';
import { decodeDhcp } from './decode.js';
import { encodeDhcp } from './encode.js';
import {
  DhcpDecodeError,
  DhcpDomainNameError,
  DhcpHeaderError,
  DhcpMagicCookieError,
  DhcpOptionOverrunError,
  DhcpOptionValueError,
  DhcpOverloadError,
  DhcpTruncatedError,
} from './errors.js';
import { getOption, isBroadcast, messageType } from './message.js';

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** A BOOTREQUEST with hlen 6, chaddr 00:0c:29:8b:4a:1c and xid 0x3903f326, then `options`, zero-padded to `size`. */
function packet(options: readonly number[], size = 300, patch: (b: Uint8Array) => void = () => {}): Uint8Array {
  const b = new Uint8Array(Math.max(size, 240 + options.length));
  b.set([1, 1, 6, 0, 0x39, 0x03, 0xf3, 0x26]);
  b.set([0x00, 0x0c, 0x29, 0x8b, 0x4a, 0x1c], 28);
  b.set([99, 130, 83, 99], 236);
  b.set(options, 240);
  patch(b);
  return b;
}

function decodeError(bytes: Uint8Array): DhcpDecodeError {
  try {
    decodeDhcp(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DhcpDecodeError;
  }
  throw new Error('decoded without error');
}

// A DHCPDISCOVER shaped like dhclient's: 53 first, requested address, host name, request list, end, padding to 300.
const DISCOVER = packet([
  53, 1, 1,
  50, 4, 198, 18, 1, 100,
  12, 6, ...ascii('myhost'),
  55, 13, 1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42,
  255,
]);

describe('decoding DHCPv4', () => {
  test('a dhclient-style DISCOVER decodes to its fields and re-encodes byte for byte', () => {
    const msg = decodeDhcp(DISCOVER);
    expect(msg).toMatchObject({ op: 1, htype: 1, hops: 0, xid: 0x3903f326, secs: 0, flags: 0, ciaddr: 0, sname: '', file: '' });
    expect(Array.from(msg.chaddr)).toEqual([0x00, 0x0c, 0x29, 0x8b, 0x4a, 0x1c]);
    expect(messageType(msg)).toBe(DhcpMessageType.Discover);
    expect(getOption(msg, 50)).toBe(parseIpv4('198.18.1.100'));
    expect(getOption(msg, 12)).toBe('myhost');
    expect(getOption(msg, 55)).toEqual([1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42]);
    expect(isBroadcast(msg)).toBe(false);
    expect(msg.length).toBeUndefined();
    expect(msg.nonCanonical).toBeUndefined();
    expect(encodeDhcp(msg)).toEqual(DISCOVER);
  });

  test('a busybox-style request padded to 548 bytes keeps its length through a round trip', () => {
    const bytes = packet([53, 1, 3, 61, 7, 1, 0x00, 0x0c, 0x29, 0x8b, 0x4a, 0x1c, 57, 2, 0x02, 0x40, 255], 548, (b) => (b[10] = 0x80));
    const msg = decodeDhcp(bytes);
    expect(msg.length).toBe(548);
    expect(isBroadcast(msg)).toBe(true);
    expect(getOption(msg, 57)).toBe(576);
    expect(Array.from(getOption(msg, 61)!)).toEqual([1, 0x00, 0x0c, 0x29, 0x8b, 0x4a, 0x1c]);
    expect(encodeDhcp(msg)).toEqual(bytes);
  });

  test('RFC 3442 destination descriptors decode to the documented subnets and encode to the documented bytes', () => {
    const table: [string, number, number[]][] = [
      ['0.0.0.0', 0, [0]],
      ['10.0.0.0', 8, [8, 10]],
      ['10.0.0.0', 24, [24, 10, 0, 0]],
      ['10.17.0.0', 16, [16, 10, 17]],
      ['10.27.129.0', 24, [24, 10, 27, 129]],
      ['10.229.0.128', 25, [25, 10, 229, 0, 128]],
      ['10.198.122.47', 32, [32, 10, 198, 122, 47]],
    ];
    const router = [198, 18, 0, 1];
    const data = table.flatMap(([, , d]) => [...d, ...router]);
    const bytes = packet([53, 1, 2, 121, data.length, ...data, 255]);
    const msg = decodeDhcp(bytes);
    expect(getOption(msg, 121)).toEqual(table.map(([net, prefix]) => ({ destination: parseIpv4(net), prefix, router: parseIpv4('198.18.0.1') })));
    expect(encodeDhcp(msg)).toEqual(bytes);
  });

  test('the RFC 3397 example decodes to eng.apple.com. and marketing.apple.com. and encodes to the RFC bytes', () => {
    // RFC 3397 section 4: the compressed list, split into three instances of 9 bytes.
    const data = [3, ...ascii('eng'), 5, ...ascii('apple'), 3, ...ascii('com'), 0, 9, ...ascii('marketing'), 0xc0, 0x04];
    const split = [119, 9, ...data.slice(0, 9), 119, 9, ...data.slice(9, 18), 119, 9, ...data.slice(18)];
    const msg = decodeDhcp(packet([53, 1, 5, ...split, 255]));
    expect(getOption(msg, 119)).toEqual(['eng.apple.com.', 'marketing.apple.com.']);
    // Our encoder writes the same 27 bytes as one instance, so the RFC's three-way split is not canonical for us.
    expect(msg.nonCanonical).toBe(true);
    const single = packet([53, 1, 5, 119, 27, ...data, 255]);
    expect(encodeDhcp(msg)).toEqual(single);
    expect(decodeDhcp(single).nonCanonical).toBeUndefined();
  });

  test('an overloaded packet reads options from file, then sname, after the options field', () => {
    const bytes = packet([53, 1, 2, 52, 1, 3, 255], 300, (b) => {
      b.set([67, 4, ...ascii('boot'), 255], 108);
      b.set([66, 3, ...ascii('srv'), 255], 44);
    });
    const msg = decodeDhcp(bytes);
    expect(msg.options).toEqual([
      { code: 53, value: 2 },
      { code: 52, value: 3 },
      { code: 67, value: 'boot', area: 'file' },
      { code: 66, value: 'srv', area: 'sname' },
    ]);
    expect([msg.sname, msg.file, msg.nonCanonical]).toEqual(['', '', undefined]);
    expect(encodeDhcp(msg)).toEqual(bytes);
  });

  test('an option split over consecutive instances is joined (RFC 3396) and written back the same way', () => {
    const host = 'h'.repeat(300);
    const bytes = packet([53, 1, 1, 12, 255, ...ascii(host.slice(0, 255)), 12, 45, ...ascii(host.slice(255)), 255]);
    const msg = decodeDhcp(bytes);
    expect(getOption(msg, 12)).toBe(host);
    expect(msg.nonCanonical).toBeUndefined();
    expect(encodeDhcp(msg)).toEqual(bytes);
  });

  test.each([
    ['pad options between options', packet([53, 1, 1, 0, 0, 12, 1, 0x61, 255])],
    ['a missing end option', packet([53, 1, 1, 12, 1, 0x61], 246)],
    ['non-zero bytes after the end option', packet([53, 1, 1, 255, 0, 7])],
    ['chaddr bytes past hlen', packet([53, 1, 1, 255], 300, (b) => (b[40] = 9))],
    ['option 53 after another option in a reply', packet([12, 1, 0x61, 53, 1, 1, 255], 300, (b) => (b[0] = 2))],
    ['instances of one option that are not consecutive', packet([53, 1, 1, 12, 1, 0x61, 15, 1, 0x62, 12, 1, 0x63, 255])],
  ])('a packet with %s decodes but is flagged non-canonical', (_, bytes) => {
    const msg = decodeDhcp(bytes);
    expect(msg.nonCanonical).toBe(true);
    expect(messageType(msg)).toBe(1);
    expect(decodeDhcp(encodeDhcp(msg)).nonCanonical).toBeUndefined();
  });

  test('a request with option 50 before option 53, as dhcpcd sends it, keeps that order when re-encoded', () => {
    const bytes = packet([50, 4, 198, 18, 10, 147, 53, 1, 3, 255]);
    const msg = decodeDhcp(bytes);
    expect(msg.options.map((o) => o.code)).toEqual([50, 53]);
    expect(msg.nonCanonical).toBeUndefined();
    expect(encodeDhcp(msg)).toEqual(bytes);
  });

  test('instances of one option that are not consecutive are still joined in order', () => {
    expect(getOption(decodeDhcp(packet([53, 1, 1, 12, 1, 0x61, 15, 1, 0x62, 12, 1, 0x63, 255])), 12)).toBe('ac');
  });

  test.each<[string, Uint8Array, new (...args: never[]) => DhcpDecodeError, number, RegExp]>([
    ['a datagram cut inside the header', DISCOVER.subarray(0, 100), DhcpTruncatedError, 100, /fixed header/],
    ['a datagram cut inside the cookie', DISCOVER.subarray(0, 238), DhcpTruncatedError, 238, /magic cookie/],
    ['a wrong magic cookie', packet([255], 300, (b) => (b[239] = 0x64)), DhcpMagicCookieError, 236, /0x63825364/],
    ['hlen over 16', packet([255], 300, (b) => (b[2] = 17)), DhcpHeaderError, 2, /hlen 17/],
    ['an option running past the end', packet([53, 1, 1, 12, 10, 0x61, 0x62], 247), DhcpOptionOverrunError, 244, /option 12: 10 data bytes/],
    ['an option missing its length byte', packet([53, 1, 1, 12], 244), DhcpOptionOverrunError, 243, /length byte missing/],
    ['a subnet mask of 3 bytes', packet([53, 1, 2, 1, 3, 255, 255, 0, 255]), DhcpOptionValueError, 245, /option 1: length 3, expected 4/],
    ['an overload value of 4', packet([53, 1, 2, 52, 1, 4, 255]), DhcpOverloadError, 245, /value 4/],
    ['an overload option of 2 bytes', packet([53, 1, 2, 52, 2, 1, 1, 255]), DhcpOverloadError, 244, /length 2/],
    ['an overload option inside the file field', packet([52, 1, 1, 255], 300, (b) => b.set([52, 1, 2, 255], 108)), DhcpOverloadError, 108, /inside the overloaded file/],
    ['an option running past the end of the file field', packet([52, 1, 1, 255], 300, (b) => b.set([12, 5], 234)), DhcpOptionOverrunError, 235, /file field/],
    ['a compression loop in option 119', packet([119, 4, 1, 0x61, 0xc0, 0x02, 255]), DhcpDomainNameError, 244, /compression loop/],
    ['a label over 63 bytes in option 119', packet([119, 2, 64, 0x61, 255]), DhcpDomainNameError, 242, /label length byte 64/],
    ['a name over 255 bytes in option 119', packet([119, 255, ...Array.from({ length: 5 }, () => [50, ...new Array(50).fill(0x61)]).flat(), 255], 600), DhcpDomainNameError, 242 + 4 * 51, /longer than 255/],
    ['a pointer outside option 119', packet([119, 2, 0xc0, 0x09, 255]), DhcpDomainNameError, 242, /outside the 2-byte option data/],
    ['a name cut off in option 119', packet([119, 3, 5, 0x61, 0x62, 255]), DhcpDomainNameError, 242, /runs past the end/],
    ['a compression pointer in option 81', packet([81, 5, 0x04, 0, 0, 0xc0, 0, 255]), DhcpDomainNameError, 245, /must not be compressed/],
    ['a prefix of 33 in option 121', packet([121, 5, 33, 10, 0, 0, 1, 255]), DhcpOptionValueError, 242, /prefix length 33/],
    ['a route cut off in option 121', packet([121, 4, 8, 10, 1, 1, 255]), DhcpOptionValueError, 242, /route runs past/],
    ['a relay sub-option running past option 82', packet([82, 3, 1, 5, 0x61, 255]), DhcpOptionValueError, 242, /sub-option runs past/],
  ])('%s is a typed decode error naming the problem and its offset', (_, bytes, type, offset, reason) => {
    const error = decodeError(bytes);
    expect(error).toBeInstanceOf(type);
    expect(error.offset).toBe(offset);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(`at offset ${offset}`);
  });

  test.prop([fc.integer({ min: 0, max: 239 })])('every datagram shorter than 240 bytes is a truncation error at its length', (n) => {
    const error = decodeError(DISCOVER.subarray(0, n));
    expect(error).toBeInstanceOf(DhcpTruncatedError);
    expect(error.offset).toBe(n);
  });
});
