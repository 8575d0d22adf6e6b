import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parseIpv4 } from '../../ipv4/address.js';
import { checkDhcpOption, type DhcpOptionRefused } from './check.js';
import { DHCP_OPTION_SPECS, DHCP_OPTION_SPELLINGS } from './table.js';

const ip = parseIpv4;
const raw = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);
const refused = (name: string, value: string): DhcpOptionRefused => {
  const checked = checkDhcpOption(name, value);
  if (!('error' in checked)) throw new Error(`${name}=${value} was accepted`);
  return checked;
};

describe('checking an extra_dhcp_opt', () => {
  test('a router list by name or by number gives the typed option 3', () => {
    const expected = { code: 3, force: false, option: { code: 3, value: [ip('198.18.0.1'), ip('198.18.0.254')] } };
    expect(checkDhcpOption('router', '198.18.0.1,198.18.0.254')).toStrictEqual(expected);
    expect(checkDhcpOption('3', ' 198.18.0.1, 198.18.0.254 ')).toStrictEqual(expected);
  });

  test('"force:" marks the option to be sent unasked', () => {
    expect(checkDhcpOption('force:option:ntp-server', '198.18.0.1')).toStrictEqual({ code: 42, force: true, option: { code: 42, value: [ip('198.18.0.1')] } });
  });

  test('an empty value removes an option the server computes, and sends an empty option otherwise', () => {
    expect(checkDhcpOption('router', '')).toStrictEqual({ code: 3, force: false, option: undefined });
    expect(checkDhcpOption('rapid-commit', '')).toStrictEqual({ code: 80, force: false, option: { code: 80, raw: raw() } });
    expect(checkDhcpOption('230', '')).toStrictEqual({ code: 230, force: false, option: { code: 230, raw: raw() } });
    expect(refused('netmask', '')).toMatchObject({ field: 'opt_value', code: 1, reason: 'needs a value' });
  });

  test("server-ip-address gives the next server's address for siaddr, and no option", () => {
    expect(checkDhcpOption('server-ip-address', ' 198.18.0.9 ')).toStrictEqual({ code: 255, force: false, option: undefined, siaddr: ip('198.18.0.9') });
    expect(refused('server-ip-address', 'pxe.example').error).toBe('option 255 (server-ip-address): "pxe.example" is not one IPv4 address');
  });

  test("tag: prefixes (Ironic's tag:ipxe,bootfile-name and tag:!ipxe,67) are kept as tests beside the option", () => {
    expect(checkDhcpOption('tag:ipxe,bootfile-name', 'http://198.18.0.2/boot.ipxe')).toStrictEqual({
      code: 67,
      force: false,
      option: { code: 67, value: 'http://198.18.0.2/boot.ipxe' },
      tags: [{ tag: 'ipxe', negated: false }],
    });
    expect(checkDhcpOption('force:tag:!ipxe, tag:efi64,67', 'ipxe.efi')).toMatchObject({ code: 67, force: true, tags: [{ tag: 'ipxe', negated: true }, { tag: 'efi64', negated: false }] });
    expect(checkDhcpOption('tag:ipxe,server-ip-address', '198.18.0.9')).toMatchObject({ code: 255, siaddr: ip('198.18.0.9'), tags: [{ tag: 'ipxe', negated: false }] });
    expect(refused('tag:!,bootfile-name', 'x')).toMatchObject({ field: 'opt_name', reason: '"tag:!," names no tag' });
    expect(refused('tag:ipxe,no-such-option', 'x').field).toBe('opt_name');
    expect(refused('tag:ipxe,router', 'nope').field).toBe('opt_value');
  });

  test('unknown names, options the server sets, and values of the wrong type are refused, naming the field at fault', () => {
    const cases: [string, string, 'opt_name' | 'opt_value'][] = [
      ['no-such-option', '1', 'opt_name'],
      ['lease-time', '3600', 'opt_name'],
      ['54', '198.18.0.1', 'opt_name'],
      ['server-id', '198.18.0.1', 'opt_name'],
      ['server-ip-address', '198.18.0', 'opt_value'],
      ['server-ip-address', '198.18.0.1,198.18.0.2', 'opt_value'],
      ['0', '1', 'opt_name'],
      ['255', '1', 'opt_name'],
      ['router', '198.18.0', 'opt_value'],
      ['netmask', '255.0.255.0', 'opt_value'],
      ['mtu', '67', 'opt_value'],
      ['mtu', 'big', 'opt_value'],
      ['netbios-nodetype', '3', 'opt_value'],
      ['static-route', '0.0.0.0,198.18.0.1', 'opt_value'],
      ['classless-static-route', '198.18.0.0/15', 'opt_value'],
      ['classless-static-route', '198.18.0.1/15,198.18.0.1', 'opt_value'],
      ['ms-classless-static-route', '198.18.0.0/33,198.18.0.1', 'opt_value'],
      ['domain-search', 'bad..name', 'opt_value'],
      ['rapid-commit', 'yes', 'opt_value'],
      ['dns-server', Array.from({ length: 64 }, () => '198.18.0.1').join(','), 'opt_value'],
    ];
    for (const [name, value, field] of cases) expect(refused(name, value).field, `${name}=${value}`).toBe(field);
  });

  test('the error reads like dnsmasq\'s and Neutron\'s: the option, then what is wrong with it', () => {
    expect(refused('no-such-option', '1').error).toBe('"no-such-option": not a dnsmasq option name or a code in 1..254');
    expect(refused('lease-time', '3600').error).toBe('"lease-time": option 51 (lease-time) is set by the server, not by configuration');
    expect(refused('router', '198.18.0.1,198.18.0').error).toBe('option 3 (router): "198.18.0" is not a dotted-quad IPv4 address');
    expect(refused('dns-server', '198.19.0.53,dns.example').error).toBe('option 6 (dns-server): "dns.example" is not a dotted-quad IPv4 address');
    expect(refused('classless-static-route', '198.18.0.0/15').error).toBe('option 121 (classless-static-route): expected "destination/prefix,router" pairs');
    expect(refused('121', '198.18.0.0/15,gw').error).toBe('option 121 (classless-static-route): "gw" is not a router address');
    expect(refused('classless-static-route', '198.18.0.1/15,198.18.0.254').error).toMatch(/^option 121 \(classless-static-route\): "198\.18\.0\.1\/15" is not a destination: /);
    expect(refused('mtu', '67').error).toBe('option 26 (mtu): 67 is not in 68..65535');
  });

  test('a value longer than one option holds is refused with its length', () => {
    const long = Array.from({ length: 64 }, () => '198.18.0.1').join(',');
    expect(refused('dns-server', long).error).toBe('option 6 (dns-server): value is 256 bytes; at most 255 fit in one option');
  });

  test('a domain search list is measured as it goes on the wire, with RFC 1035 compression', () => {
    // 20 names sharing a 39-character suffix: 900 bytes written out, 159 once the suffix is a pointer (the agent once refused it).
    const suffix = `${'a'.repeat(19)}.${'b'.repeat(19)}`;
    const names = Array.from({ length: 20 }, (_, i) => `h${String(i).padStart(2, '0')}.${suffix}`).join(',');
    expect('error' in checkDhcpOption('domain-search', names)).toBe(false);
  });
});

describe('laws of the validator', () => {
  const anyName = fc.oneof(fc.string(), fc.constantFrom(...DHCP_OPTION_SPELLINGS.map(([n]) => n)), fc.integer({ min: -5, max: 300 }).map(String));
  const anyValue = fc.oneof(fc.string(), fc.array(fc.ipV4(), { maxLength: 4 }).map((l) => l.join(',')), fc.constantFrom('', '0.0.0.0', '198.18.0.0/15,198.18.0.1', '1h', 'on', '01:02'));

  test.prop([anyName, anyValue], { numRuns: 2000 })('it never throws: every entry is accepted or refused with a message', (name, value) => {
    const checked = checkDhcpOption(name, value);
    if ('error' in checked) expect(checked.error).toContain(checked.reason);
    else expect(checked.code).toBeGreaterThanOrEqual(1);
  });

  const aliased = DHCP_OPTION_SPECS.filter((s) => s.aliases.length > 0);
  test.prop([fc.constantFrom(...aliased), anyValue])('an alias gives what the name or code it stands for gives', (spec, value) => {
    const canonical = checkDhcpOption(spec.name ?? String(spec.code), value);
    for (const alias of spec.aliases) expect(checkDhcpOption(alias, value)).toStrictEqual(canonical);
  });

  test.prop([fc.constantFrom(...DHCP_OPTION_SPECS), anyValue])('a name and its decimal code give the same result', (spec, value) => {
    fc.pre(spec.name !== undefined);
    expect(checkDhcpOption(spec.name!, value)).toStrictEqual(checkDhcpOption(String(spec.code), value));
  });

  test.prop([anyName, anyValue])('"force:" changes nothing but the force flag', (name, value) => {
    fc.pre(!/^\s*force:/i.test(name));
    const plain = checkDhcpOption(name, value);
    const forced = checkDhcpOption(`force:${name}`, value);
    if ('error' in plain) expect('error' in forced).toBe(true);
    else expect(forced).toStrictEqual({ ...plain, force: true });
  });
});
