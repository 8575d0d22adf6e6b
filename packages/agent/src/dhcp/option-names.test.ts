import { parseIpv4 } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import {
  ExtraDhcpOptError,
  InvalidDhcpOptionValueError,
  UnknownDhcpOptionError,
  parseExtraDhcpOpt,
  parseExtraDhcpOpts,
} from './option-names.js';

// The option table, the value syntax of each type and their round trip are
// protocol's (packages/protocol/src/dhcp/options/*.test.ts); these tests are
// of what this module adds: errors naming the entry, lists, the server context.

const ip = parseIpv4;
const parse = (optName: string, optValue: string, serverId?: number) =>
  parseExtraDhcpOpt({ optName, optValue }, serverId === undefined ? {} : { serverId });
const raw = (...bytes: number[]): Uint8Array => new Uint8Array(bytes);

describe('parsing extra_dhcp_opts', () => {
  test('a router list by name or by number gives the typed option 3', () => {
    const expected = { code: 3, force: false, option: { code: 3, value: [ip('198.18.0.1'), ip('198.18.0.254')] } };
    expect(parse('router', '198.18.0.1,198.18.0.254')).toStrictEqual(expected);
    expect(parse('3', ' 198.18.0.1, 198.18.0.254 ')).toStrictEqual(expected);
  });

  test('0.0.0.0 in an address list means the server, as in dnsmasq, but not in a netmask or a route', () => {
    const server = ip('198.18.0.2');
    expect(parse('dns-server', '0.0.0.0,198.19.0.53', server).option).toStrictEqual({ code: 6, value: [server, ip('198.19.0.53')] });
    expect(parse('tftp-server-address', '0.0.0.0', server).option).toStrictEqual({ code: 150, raw: raw(198, 18, 0, 2) });
    expect(() => parse('netmask', '0.0.0.0', server)).not.toThrow();
    expect(parse('netmask', '0.0.0.0', server).option).toStrictEqual({ code: 1, value: 0 });
    expect(parse('classless-static-route', '198.19.0.0/16,0.0.0.0', server).routes).toStrictEqual([{ destination: ip('198.19.0.0'), prefix: 16, router: 0 }]);
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
      ['54', '198.18.0.1', UnknownDhcpOptionError],
      ['router', '198.18.0', InvalidDhcpOptionValueError],
      ['netmask', '255.0.255.0', InvalidDhcpOptionValueError],
      ['mtu', '67', InvalidDhcpOptionValueError],
      ['mtu', 'big', InvalidDhcpOptionValueError],
      ['netbios-nodetype', '3', InvalidDhcpOptionValueError],
      ['static-route', '0.0.0.0,198.18.0.1', InvalidDhcpOptionValueError],
      ['classless-static-route', '198.18.0.0/15', InvalidDhcpOptionValueError],
      ['classless-static-route', '198.18.0.1/15,198.18.0.1', InvalidDhcpOptionValueError],
      ['domain-search', 'bad..name', InvalidDhcpOptionValueError],
      ['rapid-commit', 'yes', InvalidDhcpOptionValueError],
      ['dns-server', Array.from({ length: 64 }, () => '198.18.0.1').join(','), InvalidDhcpOptionValueError],
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

  test('the messages name the entry, then the option and the reason, as before the table moved to protocol', () => {
    expect(() => parse('router', '198.18.0')).toThrow('extra_dhcp_opt "router" = "198.18.0": option 3: "198.18.0" is not a dotted-quad IPv4 address');
    expect(() => parse('no-such-option', '1')).toThrow('extra_dhcp_opt "no-such-option" = "1": not a dnsmasq option name or a code in 1..254');
    expect(() => parse('lease-time', '3600')).toThrow('extra_dhcp_opt "lease-time" = "3600": option 51 (lease-time) is set by the server, not by configuration');
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

  test('server-ip-address gives an entry of code 255 with the next server address and no option; tag: prefixes stay with the entry', () => {
    expect(parse('server-ip-address', '198.18.0.9')).toMatchObject({ code: 255, option: undefined, siaddr: ip('198.18.0.9') });
    expect(parse('tag:!ipxe,bootfile-name', 'undionly.kpxe')).toMatchObject({ code: 67, tags: [{ tag: 'ipxe', negated: true }] });
    expect(() => parse('force:server-ip-address', 'pxe.example')).toThrow(InvalidDhcpOptionValueError);
  });
});
