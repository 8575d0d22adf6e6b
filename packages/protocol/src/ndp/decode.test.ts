import { describe, expect, test } from 'vitest';
import { decodeNdp } from './decode.js';
import { encodeNdp } from './encode.js';
import { NdpEncodeError, NdpOptionError, NdpTruncatedError, NdpTypeError } from './errors.js';
import { getNdpOption } from './message.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

/** An RA as radvd writes one for a SLAAC /64 with DNS (M=0, O=1 here), the fields spelled out. */
const ADVERTISEMENT = hex(`
  86 00 0000  40 40 0708  00000000  00000000
  03 04 40 c0 00015180 00003840 00000000 20010db8000100000000000000000000
  01 01 020000000001
  05 01 0000 000005dc
  19 03 0000 00000708 20010db8000100000000000000000053
  1f 03 0000 00000708 076578616d706c65 03 6f7267 00 000000`);

describe('Router Advertisement and Solicitation bytes', () => {
  test('an advertisement decodes to its flags, router lifetime, prefix, link-layer address, MTU, DNS servers and search list, and encodes back', () => {
    const ra = decodeNdp(ADVERTISEMENT);
    expect(ra).toMatchObject({ type: 134, curHopLimit: 64, managed: false, other: true, routerLifetime: 1800, reachableTime: 0, retransTimer: 0 });
    expect(getNdpOption(ra, 3)).toEqual({ prefixLength: 64, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400, prefix: hex('20010db8000100000000000000000000') });
    expect(getNdpOption(ra, 1)).toEqual(hex('020000000001'));
    expect(getNdpOption(ra, 5)).toBe(1500);
    expect(getNdpOption(ra, 25)).toEqual({ lifetime: 1800, servers: [hex('20010db8000100000000000000000053')] });
    expect(getNdpOption(ra, 31)).toEqual({ lifetime: 1800, domains: ['example.org.'] });
    expect(encodeNdp(ra)).toEqual(ADVERTISEMENT);
  });

  test('a solicitation from an unconfigured host has no options; one with a source link-layer address has it', () => {
    expect(decodeNdp(hex('85 00 0000 00000000'))).toEqual({ type: 133, options: [] });
    expect(decodeNdp(hex('85 00 1234 00000000 01 01 020000000002'))).toEqual({ type: 133, checksum: 0x1234, options: [{ type: 1, value: hex('020000000002') }] });
  });

  test('a prefix with the R flag or reserved bits set is kept raw, so it re-encodes exactly', () => {
    const bytes = hex('86 00 0000 40 00 0000 00000000 00000000 03 04 40 e0 00015180 00003840 00000000 20010db8000100000000000000000000');
    const ra = decodeNdp(bytes);
    expect(ra.options).toEqual([{ type: 3, raw: bytes.subarray(18) }]);
    expect(encodeNdp(ra)).toEqual(bytes);
  });

  test('what RFC 4861 6.1 has a router discard is an error naming the problem and where', () => {
    expect(() => decodeNdp(hex('87 00 0000 00000000'))).toThrow(NdpTypeError);
    expect(() => decodeNdp(hex('85 01 0000 00000000'))).toThrow(/code 1.*at offset 1/);
    expect(() => decodeNdp(hex('86 00 0000 40'))).toThrow(NdpTruncatedError);
    expect(() => decodeNdp(hex('85 00 0000 00000000 01 00 000000000000'))).toThrow(/length 0.*at offset 9/);
    expect(() => decodeNdp(hex('85 00 0000 00000000 01 02 020000000002'))).toThrow(/run past the end/);
    expect(() => decodeNdp(hex('85 00 0000 00000000 03 01 000000000000'))).toThrow(NdpOptionError);
    expect(() => decodeNdp(hex('85 00 0000 00000000 1f 02 0000 00000000 00 00000000000000'))).toThrow(/no domain name/);
    expect(() => decodeNdp(hex('85 00 0000 00000000 1f 02 0000 00000000 01 61 00 00 00 00 00 01'))).toThrow(/not zero padding/);
  });

  test('the encoder refuses what the wire cannot carry', () => {
    expect(() => encodeNdp({ type: 134, curHopLimit: 0, managed: false, other: false, routerLifetime: 70_000, reachableTime: 0, retransTimer: 0, options: [] })).toThrow(NdpEncodeError);
    expect(() => encodeNdp({ type: 133, options: [{ type: 25, value: { lifetime: 1, servers: [] } }] })).toThrow(/without an address/);
    expect(() => encodeNdp({ type: 133, options: [{ type: 31, value: { lifetime: 1, domains: ['.'] } }] })).toThrow(/root/);
    expect(() => encodeNdp({ type: 133, options: [{ type: 99, raw: new Uint8Array(5) }] })).toThrow(/multiple of 8/);
  });
});
