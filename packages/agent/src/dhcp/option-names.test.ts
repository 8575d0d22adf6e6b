import { fc, test } from '@fast-check/vitest';
import {
  BootOp,
  decodeDhcp,
  encodeDhcp,
  findOption,
  formatIpv4,
  parseIpv4,
  prefixToMask,
  type ClasslessRoute,
  type DhcpOption,
} from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import {
  ExtraDhcpOptError,
  InvalidDhcpOptionValueError,
  OPTION_SPECS,
  UnknownDhcpOptionError,
  nextServerAddress,
  optionCode,
  parseExtraDhcpOpt,
  parseExtraDhcpOpts,
  type OptionSpec,
} from './option-names.js';

const ip = parseIpv4;
const parse = (optName: string, optValue: string, serverId?: number) =>
  parseExtraDhcpOpt({ optName, optValue }, serverId === undefined ? {} : { serverId });
const raw = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);

/** `dnsmasq --help dhcp` of dnsmasq 2.90, as printed. */
const DNSMASQ_HELP_DHCP = `
  1 netmask|2 time-offset|3 router|6 dns-server|7 log-server|9 lpr-server|13 boot-file-size|15 domain-name
  16 swap-server|17 root-path|18 extension-path|19 ip-forward-enable|20 non-local-source-routing|21 policy-filter
  22 max-datagram-reassembly|23 default-ttl|26 mtu|27 all-subnets-local|31 router-discovery|32 router-solicitation
  33 static-route|34 trailer-encapsulation|35 arp-timeout|36 ethernet-encap|37 tcp-ttl|38 tcp-keepalive|40 nis-domain
  41 nis-server|42 ntp-server|44 netbios-ns|45 netbios-dd|46 netbios-nodetype|47 netbios-scope|48 x-windows-fs
  49 x-windows-dm|58 T1|59 T2|60 vendor-class|64 nis+-domain|65 nis+-server|66 tftp-server|67 bootfile-name
  68 mobile-ip-home|69 smtp-server|70 pop3-server|71 nntp-server|74 irc-server|77 user-class|80 rapid-commit
  93 client-arch|94 client-interface-id|97 client-machine-id|100 posix-timezone|101 tzdb-timezone|108 ipv6-only
  119 domain-search|120 sip-server|121 classless-static-route|125 vendor-id-encap|150 tftp-server-address|255 server-ip-address`
  .split(/[|\n]/)
  .map((s) => s.trim())
  .filter((s) => s !== '')
  .map((s) => s.split(' ') as [string, string]);

describe('option names', () => {
  test('every name dnsmasq lists maps to its code, in any letter case and with an "option:" prefix', () => {
    for (const [code, name] of DNSMASQ_HELP_DHCP) {
      expect(optionCode(name)).toBe(Number(code));
      expect(optionCode(`option:${name.toUpperCase()}`)).toBe(Number(code));
    }
  });

  test('every option dnsmasq lists has a value type, except server-ip-address, which sets siaddr', () => {
    const typed = new Set(OPTION_SPECS.map((s) => s.code));
    const missing = DNSMASQ_HELP_DHCP.map(([code]) => Number(code)).filter((c) => !typed.has(c));
    expect(missing).toStrictEqual([255]);
  });

  test('decimal codes 1..254 are codes, and 0, 255 and names nobody defined are not', () => {
    expect(optionCode('150')).toBe(150);
    expect(optionCode('0')).toBeUndefined();
    expect(optionCode('255')).toBeUndefined();
    expect(optionCode('no-such-option')).toBeUndefined();
  });
});

describe('parsing extra_dhcp_opts', () => {
  test('a router list by name or by number gives the typed option 3', () => {
    const expected = { code: 3, force: false, option: { code: 3, value: [ip('10.0.0.1'), ip('10.0.0.254')] } };
    expect(parse('router', '10.0.0.1,10.0.0.254')).toStrictEqual(expected);
    expect(parse('3', ' 10.0.0.1, 10.0.0.254 ')).toStrictEqual(expected);
  });

  test('"force:" marks the option to be sent unasked', () => {
    expect(parse('force:option:ntp-server', '192.0.2.1')).toStrictEqual({ code: 42, force: true, option: { code: 42, value: [ip('192.0.2.1')] } });
  });

  test('0.0.0.0 in an address list means the server, as in dnsmasq, but not in a netmask or a route', () => {
    const server = ip('10.0.0.2');
    expect(parse('dns-server', '0.0.0.0,8.8.8.8', server).option).toStrictEqual({ code: 6, value: [server, ip('8.8.8.8')] });
    expect(parse('tftp-server-address', '0.0.0.0', server).option).toStrictEqual({ code: 150, raw: raw(10, 0, 0, 2) });
    expect(() => parse('netmask', '0.0.0.0', server)).not.toThrow();
    expect(parse('netmask', '0.0.0.0', server).option).toStrictEqual({ code: 1, value: 0 });
    expect(parse('classless-static-route', '10.1.0.0/16,0.0.0.0', server).routes).toStrictEqual([{ destination: ip('10.1.0.0'), prefix: 16, router: 0 }]);
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
      { destination: ip('169.254.169.254'), prefix: 32, router: ip('10.0.0.2') },
      { destination: 0, prefix: 0, router: ip('10.0.0.1') },
    ];
    expect(parse('classless-static-route', '169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1')).toStrictEqual({
      code: 121,
      force: false,
      option: { code: 121, value: routes },
      routes,
    });
    expect(parse('249', '10.8.0.0/13,10.0.0.1').option).toStrictEqual({ code: 249, raw: raw(13, 10, 8, 10, 0, 0, 1) });
  });

  test('a domain search list is fully qualified names; sip-server takes addresses or names (RFC 3361)', () => {
    expect(parse('domain-search', 'example.org,lab.example.org.').option).toStrictEqual({ code: 119, value: ['example.org.', 'lab.example.org.'] });
    expect(parse('sip-server', '192.0.2.5').option).toStrictEqual({ code: 120, raw: raw(1, 192, 0, 2, 5) });
    expect(parse('sip-server', 'sip.example').option).toStrictEqual({ code: 120, raw: raw(0, 3, 115, 105, 112, 7, ...Buffer.from('example'), 0) });
  });

  test('a code without a known type is addresses, hex, a decimal or text, as dnsmasq reads it', () => {
    expect(parse('252', '192.0.2.1,192.0.2.2').option).toStrictEqual({ code: 252, raw: raw(192, 0, 2, 1, 192, 0, 2, 2) });
    expect(parse('224', '01:a0:ff').option).toStrictEqual({ code: 224, raw: raw(1, 0xa0, 0xff) });
    expect(parse('224', '300').option).toStrictEqual({ code: 224, raw: raw(1, 44) });
    expect(parse('224', '7i').option).toStrictEqual({ code: 224, raw: raw(0, 0, 0, 7) });
    expect(parse('252', 'http://wpad/wpad.dat').option).toStrictEqual({ code: 252, raw: new Uint8Array(Buffer.from('http://wpad/wpad.dat')) });
    expect(parse('252', '"192.0.2.1"').option).toStrictEqual({ code: 252, raw: new Uint8Array(Buffer.from('192.0.2.1')) });
  });

  test('an empty value removes an option the server computes, and sends an empty option otherwise', () => {
    expect(parse('router', '')).toStrictEqual({ code: 3, force: false, option: undefined });
    expect(parse('rapid-commit', '')).toStrictEqual({ code: 80, force: false, option: { code: 80, raw: raw() } });
    expect(parse('230', '')).toStrictEqual({ code: 230, force: false, option: { code: 230, raw: raw() } });
    expect(() => parse('netmask', '')).toThrow(InvalidDhcpOptionValueError);
  });

  test('errors name the entry: unknown names, options the server sets, and values of the wrong type', () => {
    const cases: [string, string, abstract new (...args: never[]) => ExtraDhcpOptError][] = [
      ['no-such-option', '1', UnknownDhcpOptionError],
      ['lease-time', '3600', UnknownDhcpOptionError],
      ['54', '10.0.0.1', UnknownDhcpOptionError],
      ['router', '10.0.0', InvalidDhcpOptionValueError],
      ['netmask', '255.0.255.0', InvalidDhcpOptionValueError],
      ['mtu', '67', InvalidDhcpOptionValueError],
      ['mtu', 'big', InvalidDhcpOptionValueError],
      ['netbios-nodetype', '3', InvalidDhcpOptionValueError],
      ['static-route', '0.0.0.0,10.0.0.1', InvalidDhcpOptionValueError],
      ['classless-static-route', '10.0.0.0/8', InvalidDhcpOptionValueError],
      ['classless-static-route', '10.0.0.1/8,10.0.0.1', InvalidDhcpOptionValueError],
      ['domain-search', 'bad..name', InvalidDhcpOptionValueError],
      ['rapid-commit', 'yes', InvalidDhcpOptionValueError],
      ['dns-server', Array.from({ length: 64 }, () => '192.0.2.1').join(','), InvalidDhcpOptionValueError],
    ];
    for (const [optName, optValue, type] of cases) {
      const error = (() => {
        try {
          parse(optName, optValue);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, `${optName}=${optValue}`).toBeInstanceOf(type);
      expect((error as Error).message).toContain(JSON.stringify(optName));
    }
  });

  test('parsing a list collects the errors and keeps the valid entries', () => {
    const { options, errors } = parseExtraDhcpOpts([
      { optName: 'router', optValue: 'nope' },
      { optName: 'mtu', optValue: '1400' },
    ]);
    expect(options.map((o) => o.code)).toStrictEqual([26]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.optName).toBe('router');
  });

  test('server-ip-address gives the next server address rather than an option', () => {
    expect(nextServerAddress([{ optName: 'server-ip-address', optValue: '10.0.0.9' }])).toBe(ip('10.0.0.9'));
    expect(nextServerAddress([{ optName: 'router', optValue: '10.0.0.9' }])).toBeUndefined();
    expect(() => parse('server-ip-address', '10.0.0.9')).toThrow(UnknownDhcpOptionError);
  });
});

// ---- round trip: a value, written as text, parsed, encoded in a reply and decoded, reads back as the value ----

const ipv4 = fc.integer({ min: 1, max: 0xffffffff });
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
const route: fc.Arbitrary<ClasslessRoute> = fc
  .record({ destination: ipv4, prefix: fc.integer({ min: 0, max: 32 }), router: fc.integer({ min: 0, max: 0xffffffff }) })
  .map((r) => ({ ...r, destination: (r.destination & prefixToMask(r.prefix)) >>> 0 }));
const text = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
  .filter((s) => s === s.trim() && s !== '' && !(s.startsWith('"') && s.endsWith('"')) && Buffer.byteLength(s) <= 255);

/** A value of the option's type as an arbitrary, its text form, and how to read it back from the decoded option. */
function valueCase(s: OptionSpec): fc.Arbitrary<{ value: unknown; text: string }> | undefined {
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
      return undefined;
  }
}

const be = (bytes: Uint8Array, at: number, n: number) => bytes.subarray(at, at + n).reduce((v, b) => v * 256 + b, 0);
const ipsOf = (b: Uint8Array) => Array.from({ length: b.length / 4 }, (_, i) => be(b, 4 * i, 4));

/** Reads a decoded option back into the test's value, independently of the parser. */
function readBack(s: OptionSpec, option: DhcpOption): unknown {
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
    case 'routes': {
      const out: ClasslessRoute[] = [];
      for (let p = 0; p < b.length; ) {
        const prefix = b[p]!;
        const n = (prefix + 7) >> 3;
        const destination = be(b, p + 1, n) * 2 ** (8 * (4 - n));
        out.push({ destination, prefix, router: be(b, p + 1 + n, 4) });
        p += 5 + n;
      }
      return out;
    }
    case 'sip': {
      if (b[0] === 1) return ipsOf(b.subarray(1));
      const names: string[] = [];
      let name: string[] = [];
      for (let p = 1; p < b.length; ) {
        const n = b[p]!;
        if (n === 0) names.push(name.join('.')), (name = []);
        else name.push(Buffer.from(b.subarray(p + 1, p + 1 + n)).toString('latin1'));
        p += 1 + n;
      }
      return names;
    }
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
  const cases = OPTION_SPECS.flatMap((s) => {
    const arb = valueCase(s);
    return arb ? [{ s, arb }] : [];
  });
  const oneCase = fc.constantFrom(...cases).chain(({ s, arb }) => arb.map((v) => ({ s, ...v })));

  test.prop([oneCase, fc.boolean()], { numRuns: 600 })(
    'a value written as text, parsed and sent in a reply decodes back to the same value',
    ({ s, value, text }, byName) => {
      const parsed = parse(byName && s.name ? s.name : String(s.code), text);
      expect(parsed.option).toBeDefined();
      const decoded = decodeDhcp(encodeDhcp(reply([parsed.option!])));
      const option = findOption(decoded, s.code);
      expect(option).toBeDefined();
      expect(readBack(s, option!)).toStrictEqual(value);
    },
  );
});
