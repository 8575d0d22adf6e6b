import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatIpv4, parseIpv4 } from '../../ipv4/address.js';
import { prefixToMask } from '../../ipv4/cidr.js';
import { BootOp } from '../constants.js';
import { decodeDhcp } from '../decode.js';
import { decodeDomainSearch } from '../domain-name.js';
import { encodeDhcp } from '../encode.js';
import { DhcpEncodeError, DhcpOptionTextError } from '../errors.js';
import { findOption, type ClasslessRoute, type DhcpOption } from '../message.js';
import { decodeOption } from '../option-values.js';
import { checkDhcpOption } from './check.js';
import { encodeClasslessRoutes, encodeDhcpOptionText } from './encode-value.js';
import { DHCP_OPTION_SPECS, type DhcpOptionSpec } from './table.js';

const ip = parseIpv4;
const raw = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);
/** The accepted entry, through the validator every caller uses. */
const parse = (name: string, value: string, serverId?: number) => {
  const checked = checkDhcpOption(name, value, serverId === undefined ? {} : { serverId });
  if ('error' in checked) throw new Error(checked.error);
  return checked;
};

describe('RFC 3442 classless routes', () => {
  test('the RFC 3442 section 3 examples encode as the RFC writes them', () => {
    const routes = [
      { destination: 0, prefix: 0, router: ip('198.18.0.1') },
      { destination: ip('10.17.0.0'), prefix: 16, router: ip('198.18.0.2') },
      { destination: ip('10.27.129.0'), prefix: 24, router: ip('198.18.0.3') },
      { destination: ip('10.229.0.128'), prefix: 25, router: ip('198.18.0.4') },
    ];
    expect(encodeClasslessRoutes(routes)).toStrictEqual(
      raw(0, 198, 18, 0, 1, 16, 10, 17, 198, 18, 0, 2, 24, 10, 27, 129, 198, 18, 0, 3, 25, 10, 229, 0, 128, 198, 18, 0, 4),
    );
  });

  test('a prefix over 32 cannot be encoded', () => {
    expect(() => encodeClasslessRoutes([{ destination: 0, prefix: 33, router: 0 }])).toThrow(DhcpEncodeError);
  });

  const route: fc.Arbitrary<ClasslessRoute> = fc
    .record({ destination: fc.integer({ min: 0, max: 0xffffffff }), prefix: fc.integer({ min: 0, max: 32 }), router: fc.integer({ min: 0, max: 0xffffffff }) })
    .map((r) => ({ ...r, destination: (r.destination & prefixToMask(r.prefix)) >>> 0 }));

  test.prop([fc.array(route, { maxLength: 20 })])("encoded routes decode back to themselves with the codec's option 121 decoder", (routes) => {
    const bytes = encodeClasslessRoutes(routes);
    expect(decodeOption(121, bytes, 0, bytes.length, 0)).toStrictEqual({ code: 121, value: routes });
  });
});

describe('values as text', () => {
  test('0.0.0.0 in an address list means the server, as in dnsmasq, but not in a netmask or a route', () => {
    const server = ip('198.18.0.2');
    expect(parse('dns-server', '0.0.0.0,198.19.0.53', server).option).toStrictEqual({ code: 6, value: [server, ip('198.19.0.53')] });
    expect(parse('tftp-server-address', '0.0.0.0', server).option).toStrictEqual({ code: 150, raw: raw(198, 18, 0, 2) });
    expect(() => parse('netmask', '0.0.0.0', server)).not.toThrow();
    expect(parse('netmask', '0.0.0.0', server).option).toStrictEqual({ code: 1, value: 0 });
    expect(parse('classless-static-route', '198.19.0.0/16,0.0.0.0', server).routes).toStrictEqual([{ destination: ip('198.19.0.0'), prefix: 16, router: 0 }]);
  });

  test('text options are typed where the codec types them, raw bytes elsewhere, and sent as UTF-8', () => {
    expect(parse('tftp-server', 'tftp.example.org').option).toStrictEqual({ code: 66, value: 'tftp.example.org' });
    expect(parse('bootfile-name', '"pxelinux.0"').option).toStrictEqual({ code: 67, value: 'pxelinux.0' });
    expect(parse('root-path', 'é').option).toStrictEqual({ code: 17, raw: raw(0xc3, 0xa9) });
  });

  test('numbers take the size of their option, and times accept units and "infinite"', () => {
    expect(parse('mtu', '1450').option).toStrictEqual({ code: 26, value: 1450 });
    expect(parse('boot-file-size', '513').option).toStrictEqual({ code: 13, raw: raw(2, 1) });
    expect(parse('default-ttl', '64').option).toStrictEqual({ code: 23, raw: raw(64) });
    expect(parse('T1', '1h').option).toStrictEqual({ code: 58, value: 3600 });
    expect(parse('T2', 'infinite').option).toStrictEqual({ code: 59, value: 0xffffffff });
    expect(parse('time-offset', '-3600').option).toStrictEqual({ code: 2, raw: raw(0xff, 0xff, 0xf1, 0xf0) });
    expect(parse('ip-forward-enable', 'on').option).toStrictEqual({ code: 19, raw: raw(1) });
  });

  test('classless routes are "destination/prefix,router" pairs; 121 is typed and 249 raw in RFC 3442 form', () => {
    const routes = [
      { destination: ip('169.254.169.254'), prefix: 32, router: ip('198.18.0.2') },
      { destination: 0, prefix: 0, router: ip('198.18.0.1') },
    ];
    expect(parse('classless-static-route', '169.254.169.254/32,198.18.0.2,0.0.0.0/0,198.18.0.1')).toStrictEqual({
      code: 121,
      force: false,
      option: { code: 121, value: routes },
      routes,
    });
    expect(parse('249', '198.18.0.0/15,198.18.0.1').option).toStrictEqual({ code: 249, raw: raw(15, 198, 18, 198, 18, 0, 1) });
  });

  test('a domain search list is fully qualified names; sip-server takes addresses or names (RFC 3361)', () => {
    expect(parse('domain-search', 'example.org,lab.example.org.').option).toStrictEqual({ code: 119, value: ['example.org.', 'lab.example.org.'] });
    expect(parse('sip-server', '198.18.0.5').option).toStrictEqual({ code: 120, raw: raw(1, 198, 18, 0, 5) });
    expect(parse('sip-server', 'sip.example').option).toStrictEqual({ code: 120, raw: raw(0, 3, 115, 105, 112, 7, ...Buffer.from('example'), 0) });
  });

  test('a code without a known type is addresses, hex, a decimal or text, as dnsmasq reads it', () => {
    expect(parse('252', '198.18.0.1,198.18.0.2').option).toStrictEqual({ code: 252, raw: raw(198, 18, 0, 1, 198, 18, 0, 2) });
    expect(parse('224', '01:a0:ff').option).toStrictEqual({ code: 224, raw: raw(1, 0xa0, 0xff) });
    expect(parse('224', '300').option).toStrictEqual({ code: 224, raw: raw(1, 44) });
    expect(parse('224', '7i').option).toStrictEqual({ code: 224, raw: raw(0, 0, 0, 7) });
    expect(parse('252', 'http://wpad/wpad.dat').option).toStrictEqual({ code: 252, raw: new Uint8Array(Buffer.from('http://wpad/wpad.dat')) });
    expect(parse('252', '"198.18.0.1"').option).toStrictEqual({ code: 252, raw: new Uint8Array(Buffer.from('198.18.0.1')) });
    expect(parse('wpad', 'http://wpad/wpad.dat')).toStrictEqual(parse('252', 'http://wpad/wpad.dat'));
  });

  test('a value that does not fit its type throws a DhcpOptionTextError with the code and the reason', () => {
    const error = (() => {
      try {
        encodeDhcpOptionText(3, '10.0.0');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DhcpOptionTextError);
    expect(error).toMatchObject({ code: 3, reason: '"10.0.0" is not a dotted-quad IPv4 address', message: 'option 3: "10.0.0" is not a dotted-quad IPv4 address' });
  });
});

// ---- round trip: a value, written as text, encoded in a reply and decoded, reads back as the value ----

const ipv4 = fc.integer({ min: 1, max: 0xffffffff });
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
const route: fc.Arbitrary<ClasslessRoute> = fc
  .record({ destination: ipv4, prefix: fc.integer({ min: 0, max: 32 }), router: fc.integer({ min: 0, max: 0xffffffff }) })
  .map((r) => ({ ...r, destination: (r.destination & prefixToMask(r.prefix)) >>> 0 }));
const text = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
  .filter((s) => s === s.trim() && s !== '' && !(s.startsWith('"') && s.endsWith('"')) && Buffer.byteLength(s) <= 255);

/** A value of the option's type as an arbitrary, with its text form. */
function valueCase(s: DhcpOptionSpec): fc.Arbitrary<{ value: unknown; text: string }> | undefined {
  const int = (min: number, max: number) => fc.integer({ min: Math.max(min, s.min ?? min), max: Math.min(max, s.max ?? max) });
  const same = <T>(a: fc.Arbitrary<T>, show: (v: T) => string) => a.map((value) => ({ value, text: show(value) }));
  switch (s.kind) {
    case 'ip':
      return s.code === 1 ? same(fc.integer({ min: 0, max: 32 }).map(prefixToMask), formatIpv4) : same(ipv4, formatIpv4);
    case 'ips':
      return same(fc.array(ipv4, { minLength: 1, maxLength: 8 }), (l) => l.map(formatIpv4).join(','));
    case 'ip-pairs':
      return same(fc.array(fc.tuple(ipv4, ipv4), { minLength: 1, maxLength: 4 }).map((ps) => ps.flat()), (l) => l.map(formatIpv4).join(', '));
    case 'u8':
      return s.code === 46 ? same(fc.constantFrom(1, 2, 4, 8), String) : same(int(0, 255), String);
    case 'u16':
      return same(int(0, 0xffff), String);
    case 'u32':
      return same(int(0, 0xffffffff), String);
    case 'i32':
      return same(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), String);
    case 'time':
      return same(fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 1193046 }).map((h) => h * 3600), fc.constant(0xffffffff)), (n) => (n === 0xffffffff ? 'infinite' : n % 3600 === 0 ? `${n / 3600}h` : String(n)));
    case 'bool':
      return fc.tuple(fc.boolean(), fc.nat(3)).map(([b, i]) => ({ value: b, text: (b ? ['1', 'true', 'yes', 'on'] : ['0', 'false', 'no', 'off'])[i]! }));
    case 'text':
      return same(text, (t) => t);
    case 'bytes':
      return same(fc.uint8Array({ minLength: 2, maxLength: 40 }), (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':'));
    case 'domains':
      return same(fc.array(domain, { minLength: 1, maxLength: 4 }), (l) => l.join(','));
    case 'routes':
      return same(fc.array(route, { minLength: 1, maxLength: 6 }), (rs) => rs.map((r) => `${formatIpv4(r.destination)}/${r.prefix},${formatIpv4(r.router)}`).join(','));
    case 'sip':
      return fc.oneof(
        same(fc.array(ipv4, { minLength: 1, maxLength: 4 }), (l) => l.map(formatIpv4).join(',')),
        same(fc.array(domain, { minLength: 1, maxLength: 3 }), (l) => l.join(',')),
      );
    case 'empty':
    case 'auto':
      return undefined;
  }
}

const be = (bytes: Uint8Array, at: number, n: number) => bytes.subarray(at, at + n).reduce((v, b) => v * 256 + b, 0);
const ipsOf = (b: Uint8Array) => Array.from({ length: b.length / 4 }, (_, i) => be(b, 4 * i, 4));

/** Reads a decoded option back into the test's value: the codec's decoders where they exist, else independently of the parser. */
function readBack(s: DhcpOptionSpec, option: DhcpOption): unknown {
  if ('value' in option) {
    if (s.kind === 'ip' || s.kind === 'ips' || s.kind === 'routes' || s.kind === 'u16' || s.kind === 'time') return option.value;
    if (s.kind === 'domains') return (option.value as string[]).map((n) => n.slice(0, -1));
    if (s.kind === 'text') return Buffer.from(option.value as string, 'latin1').toString('utf8');
    throw new Error(`unexpected typed option ${option.code}`);
  }
  const b = option.raw;
  switch (s.kind) {
    case 'ip':
    case 'ips':
    case 'ip-pairs':
      return s.kind === 'ip' ? be(b, 0, 4) : ipsOf(b);
    case 'u8':
    case 'u16':
    case 'u32':
    case 'time':
      return be(b, 0, b.length);
    case 'i32':
      return be(b, 0, 4) | 0;
    case 'bool':
      return b.length === 1 && b[0] === 1;
    case 'text':
      return Buffer.from(b).toString('utf8');
    case 'bytes':
      return b;
    case 'routes':
      return (decodeOption(121, b, 0, b.length, 0) as { value: unknown }).value;
    case 'sip':
      return b[0] === 1 ? ipsOf(b.subarray(1)) : decodeDomainSearch(b.subarray(1), 0, s.code).map((n) => n.slice(0, -1));
    default:
      return undefined;
  }
}

const reply = (options: DhcpOption[]) => ({
  op: BootOp.Reply,
  htype: 1,
  hops: 0,
  xid: 1,
  secs: 0,
  flags: 0,
  ciaddr: 0,
  yiaddr: 0,
  siaddr: 0,
  giaddr: 0,
  chaddr: raw(2, 0, 0, 0, 0, 1),
  sname: '',
  file: '',
  options: [{ code: 53, value: 2 } as DhcpOption, ...options],
});

describe('round trip of every option type', () => {
  const cases = DHCP_OPTION_SPECS.flatMap((s) => {
    const arb = valueCase(s);
    return arb ? [{ s, arb }] : [];
  });
  const oneCase = fc.constantFrom(...cases).chain(({ s, arb }) => arb.map((v) => ({ s, ...v })));

  test.prop([oneCase, fc.boolean()], { numRuns: 600 })(
    'a value written as text, parsed and sent in a reply decodes back to the same value',
    ({ s, value, text }, byName) => {
      const name = byName ? (s.name ?? s.aliases[0]) : undefined;
      const parsed = parse(name ?? String(s.code), text);
      expect(parsed.option).toBeDefined();
      const decoded = decodeDhcp(encodeDhcp(reply([parsed.option!])));
      const option = findOption(decoded, s.code);
      expect(option).toBeDefined();
      expect(readBack(s, option!)).toStrictEqual(value);
    },
  );
});
