import { fc, test as prop } from '@fast-check/vitest';
import { checkDhcpOption, parseIpv4 } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { ApiError } from '../errors.js';
import { parseExtraDhcpOpts } from './fields.js';

const opts = (...pairs: [string, string][]) => pairs.map(([opt_name, opt_value]) => ({ opt_name, opt_value }));

function refusal(pairs: [string, string][]): ApiError {
  try {
    parseExtraDhcpOpts(opts(...pairs));
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error(`${JSON.stringify(pairs)} was accepted`);
}

describe('extra_dhcp_opts checked with protocol\'s option table', () => {
  test('entries with ip_version 6 are DHCPv6 options: only their form is checked, and they come back apart from the IPv4 ones', () => {
    const [v4, v6] = parseExtraDhcpOpts([
      { opt_name: 'router', opt_value: '198.18.0.1' },
      { opt_name: 'DNS-Server', opt_value: '[2001:db8:1::53]', ip_version: 6 },
      { opt_name: '23', opt_value: '[2001:db8:1::53]', ip_version: 6 },
    ]);
    expect(v4).toStrictEqual([{ optName: 'router', optValue: '198.18.0.1' }]);
    expect(v6).toStrictEqual([
      { optName: 'dns-server', optValue: '[2001:db8:1::53]' },
      { optName: '23', optValue: '[2001:db8:1::53]' },
    ]);
    for (const [name, value, field] of [
      ['dns server', 'x', 'opt_name'],
      ['dns-server', 'a,\nb', 'opt_value'],
    ]) {
      expect(() => parseExtraDhcpOpts([{ opt_name: name!, opt_value: value!, ip_version: 6 }])).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', field: `extra_dhcp_opts[0].${field}` }));
    }
  });

  test('dnsmasq names, in any case and with "option:" or "force:", are accepted and kept lower-cased with their values as given', () => {
    expect(
      parseExtraDhcpOpts(
        opts(
          ['router', '198.18.0.1'],
          ['Router', '198.18.0.1,198.18.0.2'],
          ['dns-server', '0.0.0.0'],
          ['tftp-server', '198.18.20.9'],
          ['bootfile-name', 'pxelinux.0'],
          ['domain-search', 'example.org,lab.example.org'],
          ['classless-static-route', '198.18.0.0/15,198.18.0.1'],
          ['option:ntp-server', '198.18.0.1'],
          ['force:mtu', ' 9000 '],
          ['T1', '1h'],
        ),
      )[0],
    ).toStrictEqual([
      { optName: 'router', optValue: '198.18.0.1' },
      { optName: 'router', optValue: '198.18.0.1,198.18.0.2' },
      { optName: 'dns-server', optValue: '0.0.0.0' },
      { optName: 'tftp-server', optValue: '198.18.20.9' },
      { optName: 'bootfile-name', optValue: 'pxelinux.0' },
      { optName: 'domain-search', optValue: 'example.org,lab.example.org' },
      { optName: 'classless-static-route', optValue: '198.18.0.0/15,198.18.0.1' },
      { optName: 'option:ntp-server', optValue: '198.18.0.1' },
      { optName: 'force:mtu', optValue: ' 9000 ' },
      { optName: 't1', optValue: '1h' },
    ]);
  });

  test("Neutron's aliases and decimal codes are accepted, also codes the table has no type for", () => {
    const accepted = opts(['ms-classless-static-route', '198.18.0.0/15,198.18.0.1'], ['wpad', 'http://wpad/wpad.dat'], ['path-prefix', '/tftp'], ['3', '198.18.0.1'], ['42', '198.18.0.1,198.18.0.2'], ['150', '198.19.0.2'], ['252', 'http://wpad'], ['224', '01:02:03']);
    expect(parseExtraDhcpOpts(accepted)[0].map((o) => o.optName)).toStrictEqual(['ms-classless-static-route', 'wpad', 'path-prefix', '3', '42', '150', '252', '224']);
  });

  test("an empty value is accepted where it removes an option the server computes; server-ip-address takes one address (dnsmasq's siaddr)", () => {
    expect(parseExtraDhcpOpts(opts(['router', ''], ['dns-server', ''], ['server-ip-address', '198.18.0.9']))[0]).toHaveLength(3);
  });

  test.each([
    ['no-such-option', '1', 'extra_dhcp_opts[0].opt_name', '"no-such-option": not a dnsmasq option name or a code in 1..254'],
    ['0', '1', 'extra_dhcp_opts[0].opt_name', '"0": not a dnsmasq option name or a code in 1..254'],
    ['255', '1', 'extra_dhcp_opts[0].opt_name', '"255": not a dnsmasq option name or a code in 1..254'],
    ['lease-time', '3600', 'extra_dhcp_opts[0].opt_name', '"lease-time": option 51 (lease-time) is set by the server, not by configuration'],
    ['server-id', '198.18.0.1', 'extra_dhcp_opts[0].opt_name', '"server-id": option 54 (server-identifier) is set by the server, not by configuration'],
    ['router', '198.18.0', 'extra_dhcp_opts[0].opt_value', 'option 3 (router): "198.18.0" is not a dotted-quad IPv4 address'],
    ['mtu', '67', 'extra_dhcp_opts[0].opt_value', 'option 26 (mtu): 67 is not in 68..65535'],
    ['classless-static-route', '198.18.0.0/15', 'extra_dhcp_opts[0].opt_value', 'option 121 (classless-static-route): expected "destination/prefix,router" pairs'],
    ['netmask', '', 'extra_dhcp_opts[0].opt_value', 'option 1 (netmask): needs a value'],
    ['server-ip-address', 'pxe.example', 'extra_dhcp_opts[0].opt_value', 'option 255 (server-ip-address): "pxe.example" is not one IPv4 address'],
  ])('%s = %j is refused: VALIDATION_FAILED on %s', (name, value, field, reason) => {
    expect(refusal([[name, value]])).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, field, message: `${field}: ${reason}` });
  });

  test('the refusal names the entry at fault by its index', () => {
    expect(refusal([['router', '198.18.0.1'], ['dns-server', '198.18.0.1,dns.example']])).toMatchObject({ field: 'extra_dhcp_opts[1].opt_value' });
    expect(refusal([['router', '198.18.0.1'], ['mtu', '1400'], ['rapid-commit', 'yes']])).toMatchObject({ field: 'extra_dhcp_opts[2].opt_value' });
  });

  test('a value longer than one option holds is refused with its length', () => {
    const long = Array.from({ length: 64 }, () => '198.18.0.1').join(',');
    expect(refusal([['dns-server', long]]).message).toBe('extra_dhcp_opts[0].opt_value: option 6 (dns-server): value is 256 bytes; at most 255 fit in one option');
  });

  const anyName = fc.oneof(
    fc.string(),
    fc.integer({ min: -5, max: 300 }).map(String),
    fc.constantFrom('router', 'DNS-Server', 'mtu', 'domain-search', 'classless-static-route', 'ms-classless-static-route', 'wpad', 'server-ip-address', 'lease-time', 'force:router', 'option:42', 'T2'),
  );
  const anyValue = fc.oneof(fc.string(), fc.array(fc.ipV4(), { maxLength: 4 }).map((l) => l.join(',')), fc.constantFrom('', '0.0.0.0', '198.18.0.0/15,198.18.0.1', '1h', 'on', '01:02', '1400'));

  prop.prop([anyName, anyValue], { numRuns: 1000 })('an entry is accepted exactly when protocol accepts it, and the agent, which reads it with its own server address, accepts it too', (name, value) => {
    const protocolSays = checkDhcpOption(name, value);
    let accepted = true;
    try {
      parseExtraDhcpOpts(opts([name, value]));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      accepted = false;
      expect(error.field).toBe(`extra_dhcp_opts[0].${'error' in protocolSays ? protocolSays.field : '?'}`);
    }
    expect(accepted).toBe(!('error' in protocolSays));
    // The agent checks the stored (lower-cased) name with its address standing in for 0.0.0.0.
    if (accepted) expect('error' in checkDhcpOption(name.toLowerCase(), value, { serverId: parseIpv4('198.18.0.2') })).toBe(false);
  });
});
