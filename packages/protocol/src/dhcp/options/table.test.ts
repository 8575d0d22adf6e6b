import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DHCP_OPTION_SPECS, DHCP_OPTION_SPELLINGS, DHCP_WIRE_TYPES, SERVER_SET_DHCP_OPTIONS, dhcpOptionCode, dhcpOptionLabel, dhcpOptionSpec, type DhcpOptionKind, type DhcpWireType } from './table.js';

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
      expect(dhcpOptionCode(name)).toBe(Number(code));
      expect(dhcpOptionCode(`option:${name.toUpperCase()}`)).toBe(Number(code));
    }
  });

  test('every option dnsmasq lists has a value type, except server-ip-address, which sets siaddr', () => {
    const typed = new Set(DHCP_OPTION_SPECS.map((s) => s.code));
    const missing = DNSMASQ_HELP_DHCP.map(([code]) => Number(code)).filter((c) => !typed.has(c));
    expect(missing).toStrictEqual([255]);
  });

  test('decimal codes 1..254 are codes, and 0, 255 and names nobody defined are not', () => {
    expect(dhcpOptionCode('150')).toBe(150);
    expect(dhcpOptionCode('0')).toBeUndefined();
    expect(dhcpOptionCode('255')).toBeUndefined();
    expect(dhcpOptionCode('no-such-option')).toBeUndefined();
  });

  test("Neutron's OVN spellings are aliases of the codes they name", () => {
    expect(dhcpOptionCode('ms-classless-static-route')).toBe(249);
    expect(dhcpOptionCode('wpad')).toBe(252);
    expect(dhcpOptionCode('path-prefix')).toBe(210);
    expect(dhcpOptionCode('server-id')).toBe(54);
    expect(dhcpOptionSpec(249)).toMatchObject({ name: undefined, aliases: ['ms-classless-static-route'], kind: 'routes' });
  });

  test('an option is labelled by its code and its name, or its code alone', () => {
    expect([dhcpOptionLabel(3), dhcpOptionLabel(51), dhcpOptionLabel(249), dhcpOptionLabel(224)]).toStrictEqual([
      '3 (router)',
      '51 (lease-time)',
      '249 (ms-classless-static-route)',
      '224',
    ]);
  });
});

describe('laws of the table', () => {
  test('no code has two rows, and no option a configuration may give is one the server sets', () => {
    const codes = DHCP_OPTION_SPECS.map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.filter((c) => SERVER_SET_DHCP_OPTIONS.has(c))).toStrictEqual([]);
    expect(codes.every((c) => c >= 1 && c <= 254)).toBe(true);
  });

  test('a value a configuration gives a code the codec types is of that type, so the codec can write it', () => {
    const holds: Partial<Record<DhcpOptionKind, DhcpWireType>> = { ip: 'ipv4', ips: 'ipv4-list', text: 'text', u16: 'u16', time: 'u32', domains: 'domain-search', routes: 'routes' };
    const typed = DHCP_OPTION_SPECS.filter((s) => DHCP_WIRE_TYPES.has(s.code));
    expect(typed.map((s) => s.code)).toStrictEqual([1, 3, 6, 12, 15, 26, 28, 42, 58, 59, 60, 66, 67, 119, 121]);
    for (const s of typed) expect(holds[s.kind], `option ${s.code}`).toBe(DHCP_WIRE_TYPES.get(s.code));
  });

  test('every code the codec types has a name, in the table or among the options the server sets', () => {
    const unnamed = [...DHCP_WIRE_TYPES.keys()].filter((c) => dhcpOptionSpec(c)?.name === undefined && !SERVER_SET_DHCP_OPTIONS.has(c));
    expect(unnamed).toStrictEqual([]);
  });

  test('no spelling names two codes, whatever its letter case', () => {
    const lower = DHCP_OPTION_SPELLINGS.map(([name]) => name.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
  });

  const spelling = fc.constantFrom(...DHCP_OPTION_SPELLINGS);
  const recase = (name: string, flips: boolean[]) => [...name].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase())).join('');

  test.prop([spelling, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.boolean(), fc.constantFrom('', ' ', '\t')])(
    'every spelling maps to exactly its one code, in any letter case, with or without "option:", untrimmed',
    ([name, code], flips, prefixed, pad) => {
      expect(dhcpOptionCode(`${pad}${prefixed ? 'option:' : ''}${recase(name, flips)}${pad}`)).toBe(code);
    },
  );

  test.prop([fc.integer({ min: 1, max: 254 })])('a code written in decimal is itself, and its spec (if any) is that code', (code) => {
    expect(dhcpOptionCode(String(code))).toBe(code);
    expect(dhcpOptionSpec(code)?.code ?? code).toBe(code);
  });

  test.prop([fc.constantFrom(...DHCP_OPTION_SPECS)])("an option's name and each alias agree on its code", (spec) => {
    for (const name of [...(spec.name === undefined ? [] : [spec.name]), ...spec.aliases]) expect(dhcpOptionCode(name)).toBe(spec.code);
  });
});
