import { fc, test } from '@fast-check/vitest';
import { parseConfigText } from '@leasehold/dns-cache';
import { parseCidr } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { allocationPools, carve, dnsYaml, planImport } from './import-dnsmasq-plan.js';
import { parseLeaseTime } from './import-dnsmasq-range.js';

const plan = (text: string, name = 'net') => planImport(parseConfigText(text, 'c.conf'), name);
const members = (ranges: { first: number; last: number }[]) => ranges.flatMap((r) => Array.from({ length: r.last - r.first + 1 }, (_, i) => r.first + i));

describe('address arithmetic', () => {
  test.prop([fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 300 })])(
    'carving an address out of a range leaves exactly the other addresses',
    (first, length, ip) => {
      const before = [{ first, last: first + length }];
      expect(members(carve(before, ip))).toEqual(members(before).filter((a) => a !== ip));
    },
  );

  test.prop([fc.integer({ min: 24, max: 28 }), fc.nat(255), fc.nat(255), fc.option(fc.nat(15))])(
    'allocation pools are the hosts of the subnet minus the gateway and the dynamic pool, so the API accepts them together',
    (prefix, a, b, gwOffset) => {
      const block = parseCidr(`198.18.0.0/${prefix}`);
      const hosts = 2 ** (32 - prefix) - 2;
      const [lo, hi] = [Math.min(a, b) % hosts, Math.max(a, b) % hosts].sort((x, y) => x - y);
      const dynamic = [{ first: block.address + 1 + lo!, last: block.address + 1 + hi! }];
      const gateway = gwOffset === null ? null : block.address + 1 + (gwOffset % hosts);
      const pools = allocationPools(block, gateway, dynamic);
      const expected = Array.from({ length: hosts }, (_, i) => block.address + 1 + i).filter((ip) => ip !== gateway && !(ip >= dynamic[0]!.first && ip <= dynamic[0]!.last));
      expect(members(pools)).toEqual(expected);
    },
  );

  test("lease times read dnsmasq's units and infinite", () => {
    expect([parseLeaseTime('45m'), parseLeaseTime('12h'), parseLeaseTime('2d'), parseLeaseTime('1w'), parseLeaseTime('600'), parseLeaseTime('infinite'), parseLeaseTime('eth0')]).toEqual([
      2700, 43_200, 172_800, 604_800, 600, -1, undefined,
    ]);
  });
});

describe('planImport', () => {
  test('a range without a lease time gets dnsmasq\'s default of one hour, and without a netmask a /24 with a note', () => {
    const p = plan('dhcp-range=198.18.2.50,198.18.2.99\n');
    expect(p.networks[0]?.subnet.leaseDuration).toBe(3600);
    expect(p.notes[0]?.detail).toMatch(/assumed \/24/);
  });

  test('two ranges in different subnets make two networks named after their tags; two in one subnet make two pools', () => {
    const p = plan('dhcp-range=set:red,198.18.1.10,198.18.1.20,255.255.255.0\ndhcp-range=set:blue,198.18.2.10,198.18.2.20,255.255.255.0\ndhcp-range=198.18.2.30,198.18.2.40,255.255.255.0\n', 'site');
    expect(p.networks.map((n) => n.name)).toEqual(['site-red', 'site-blue']);
    expect(p.networks[1]?.subnet.dynamicPools).toHaveLength(2);
  });

  test('an option tagged with a range tag sets that subnet only; an unknown tag is reported', () => {
    const p = plan('dhcp-range=set:red,198.18.1.10,198.18.1.20,255.255.255.0\ndhcp-range=set:blue,198.18.2.10,198.18.2.20,255.255.255.0\ndhcp-option=tag:blue,3,198.18.2.1\ndhcp-option=tag:green,3,198.18.3.1\n');
    expect(p.networks.map((n) => n.subnet.gateway)).toEqual([undefined, parseCidr('198.18.2.1/32').address]);
    expect(p.notes[3]).toMatchObject({ status: 'unmapped', detail: expect.stringMatching(/tag green is set by no imported/) });
  });

  test('a router outside the subnet, a host on the gateway, and IPv6 ranges are refused with the reason', () => {
    const p = plan('dhcp-range=198.18.1.10,198.18.1.20,255.255.255.0\ndhcp-option=3,198.19.0.1\ndhcp-host=52:54:00:00:00:01,198.18.1.1\ndhcp-range=fd00::10,fd00::20\n');
    expect(p.notes.map((n) => n.status)).toEqual(['created', 'unmapped', 'unmapped', 'unmapped']);
    expect(p.notes[1]?.detail).toMatch(/not an address inside 198\.18\.1\.0\/24/);
    expect(p.notes[2]?.detail).toMatch(/gateway/);
    expect(p.notes[3]?.detail).toMatch(/IPv6/);
    expect(p.ports).toEqual([]);
  });

  test("option names are read by protocol's option table: any dnsmasq name or alias, in any case; an unknown one is an error, as dnsmasq's bad dhcp-option", () => {
    const p = plan('dhcp-range=198.18.1.10,198.18.1.20,255.255.255.0\ndhcp-option=option:Router,198.18.1.1\ndhcp-option=option:ms-classless-static-route,198.19.0.0/16,198.18.1.254\ndhcp-option=option:no-such-option,1\ndhcp-option=option:lease-time,1h\n');
    expect(p.networks[0]?.subnet.gateway).toBe(parseCidr('198.18.1.1/32').address);
    expect(p.notes.slice(1).map((n) => [n.status, n.detail])).toEqual([
      ['created', 'gateway_ip 198.18.1.1 of net'],
      ['unmapped', 'option ms-classless-static-route has no subnet-wide field; give it to ports with --extra-dhcp-opt ms-classless-static-route=198.19.0.0/16,198.18.1.254'],
      ['error', 'bad dhcp-option: "no-such-option": not a dnsmasq option name or a code in 1..254'],
      ['error', 'bad dhcp-option: "lease-time": option 51 (lease-time) is set by the server, not by configuration'],
    ]);
  });

  test("a port's option with a bad address is an error (dnsmasq's bad IPv4 address), not given to the port", () => {
    const p = plan('dhcp-range=198.18.1.10,198.18.1.20,255.255.255.0\ndhcp-host=52:54:00:00:00:01,set:pxe,198.18.1.5\ndhcp-option=tag:pxe,option:ntp-server,198.18.1\ndhcp-option=tag:pxe,150,198.18.1.2\ndhcp-option=option:ntp-server,ntp.example\n');
    expect(p.ports[0]?.extraDhcpOpts).toEqual([{ opt_name: '150', opt_value: '198.18.1.2' }]);
    expect(p.notes[2]).toMatchObject({ status: 'error', detail: 'bad dhcp-option: option 42 (ntp-server): "198.18.1" is not a dotted-quad IPv4 address' });
    expect(p.notes[3]?.status).toBe('created');
    expect(p.notes[4]).toMatchObject({ status: 'error', detail: 'bad dhcp-option: option 42 (ntp-server): "ntp.example" is not a dotted-quad IPv4 address' });
  });

  test('a malformed DNS option is an error with the reason; one the cache does not support is not mapped; neither is written', () => {
    const p = plan('server=not-an-ip\nserver=198.18.255.53\nserver=198.18.255.54@eth0\nlocal=/lan/\n');
    expect(p.notes.map((n) => [n.status, n.detail])).toEqual([
      ['error', 'bad address'],
      ['dns', 'dns.server'],
      ['unmapped', 'bad address (source address or interface not supported)'],
      ['dns', 'dns.local'],
    ]);
    expect(p.dns.map((i) => i.value)).toEqual(['198.18.255.53', '/lan/']);
  });

  test("an option dnsmasq takes once given twice, and a cname alias named twice, are errors in dnsmasq's words (they made a dns section leasehold.yaml then refused)", () => {
    const p = plan('cache-size=100\nserver=198.18.255.1\nserver=198.18.255.2\ncache-size=200\ncname=a.lan,b.lan\ncname=A.lan,c.lan\ncname=d.lan,b.lan\n');
    expect(p.notes.map((n) => [n.status, n.detail])).toEqual([
      ['dns', 'dns.cache-size'],
      ['dns', 'dns.server'],
      ['dns', 'dns.server'],
      ['error', 'illegal repeated keyword'],
      ['dns', 'dns.cname'],
      ['error', 'duplicate CNAME'],
      ['dns', 'dns.cname'],
    ]);
  });

  test("issue 24's options map to the dns section; their bad values are errors in dnsmasq's words", () => {
    const p = plan(
      [
        'filterwin2k', 'dns-loop-detect', 'synth-domain=lan,198.18.7.0/24,host-', 'rev-server=198.18.20.0/22,198.18.255.1', 'alias=198.18.5.0,198.19.0.0,255.255.255.0',
        'synth-domain=lan,fd00::/56,n-*', 'rev-server=198.18.0.0/33,198.18.255.1', 'alias=198.18.0.9-198.18.0.1,198.18.1.0,255.255.255.0',
      ].join('\n'),
    );
    expect(p.notes.map((n) => [n.status, n.detail])).toEqual([
      ['dns', 'dns.filterwin2k'],
      ['dns', 'dns.dns-loop-detect'],
      ['dns', 'dns.synth-domain'],
      ['dns', 'dns.rev-server'],
      ['dns', 'dns.alias'],
      ['error', 'prefix length too small'],
      ['error', 'bad IPv4 prefix length'],
      ['error', 'invalid alias range'],
    ]);
  });

  test("issue 24's DNSSEC options map to the dns section; a malformed trust anchor is an error in dnsmasq's words", () => {
    const p = plan(['dnssec', 'trust-anchor=.,20326,8,2,E06D44B8', 'dnssec-check-unsigned=no', 'dnssec-no-timecheck', 'trust-anchor=x.test,1,13', 'dnssec-check-unsigned=yes'].join('\n'));
    expect(p.notes.map((n) => [n.status, n.detail])).toEqual([
      ['dns', 'dns.dnssec'],
      ['dns', 'dns.trust-anchor'],
      ['dns', 'dns.dnssec-check-unsigned'],
      ['dns', 'dns.dnssec-no-timecheck'],
      ['error', 'bad trust anchor'],
      ['error', 'bad value for dnssec-check-unsigned'],
    ]);
  });
});

describe('what dnsmasq refuses, the import refuses', () => {
  test("a malformed dhcp-range is an error in dnsmasq's words; a reversed one is read in order, as dnsmasq does", () => {
    const p = plan(
      [
        'dhcp-range=198.18.1.300,198.18.1.20',
        'dhcp-range=198.18.1.10,bogus',
        'dhcp-range=198.18.1.10',
        'dhcp-range=198.18.1.10,198.18.1.20,255.255.0.255',
        'dhcp-range=198.18.1.10,198.18.2.20,255.255.255.0',
        'dhcp-range=198.18.1.10,198.18.1.20,255.255.255.0,12x',
        'dhcp-range=198.18.3.30,198.18.3.20,255.255.255.0,198.18.3.255,2h',
      ].join('\n'),
    );
    expect(p.notes.map((n) => n.status)).toEqual(['error', 'error', 'error', 'error', 'error', 'error', 'created']);
    expect(p.notes.slice(0, 6).map((n) => n.detail.split(':')[0])).toEqual(['bad dhcp-range', 'bad dhcp-range', 'bad dhcp-range', 'inconsistent DHCP range', 'inconsistent DHCP range', 'bad dhcp-range']);
    expect(p.networks[0]?.subnet).toMatchObject({ leaseDuration: 7200, dynamicPools: [{ first: parseCidr('198.18.3.20/32').address, last: parseCidr('198.18.3.30/32').address }] });
  });

  test("a name dnsmasq has no option for is its bad option, with the closest name; dnsmasq's options Leasehold has no place for are only not mapped", () => {
    const p = plan('dhcp-rnage=198.18.1.10,198.18.1.20\nconntrack\nprefetch\n');
    expect(p.notes.map((n) => [n.status, n.detail])).toEqual([
      ['error', 'bad option: dnsmasq has no option dhcp-rnage (did you mean dhcp-range?)'],
      ['unmapped', 'not a setting Leasehold has'],
      ['dns', 'dns.prefetch'],
    ]);
  });

  test('a MAC with a non-hex digit is an error (bad hex constant)', () => {
    const p = plan('dhcp-range=198.18.1.10,198.18.1.20,255.255.255.0\ndhcp-host=zz:54:00:00:00:01,198.18.1.5\n');
    expect(p.notes[1]).toMatchObject({ status: 'error', detail: expect.stringMatching(/^bad hex constant/) });
  });
});

describe('interfaces, MTU and DNS addresses', () => {
  test("option:mtu becomes the network's mtu; a value out of range is not mapped", () => {
    const p = plan('dhcp-range=198.18.1.10,198.18.1.20,255.255.255.0\ndhcp-option=option:mtu,1400\ndhcp-option=26,9\n');
    expect(p.notes.slice(1).map((n) => n.status)).toEqual(['created', 'unmapped']);
    expect(p.networks[0]?.mtu).toBe(1400);
  });

  test('several interface= lines are one mapping each; a range tagged with an interface is that physical network, an untagged one is warned about', () => {
    const p = plan('interface=eth1\ninterface=eth2,eth3\ndhcp-range=tag:eth2,198.18.2.10,198.18.2.20,255.255.255.0\ndhcp-range=198.18.1.10,198.18.1.20,255.255.255.0\n', 'site');
    expect(p.agent.interfaces).toEqual(['eth1', 'eth2', 'eth3']);
    expect(p.networks.map((n) => [n.name, n.physicalNetwork])).toEqual([['site-eth2', 'eth2'], ['site-198.18.1.0-24', undefined]]);
    expect(p.warnings).toEqual([expect.stringMatching(/^network site-198\.18\.1\.0-24: .* served on eth1 \("\*"\)/)]);
    expect(dnsYaml(p)).toContain('  interface_mappings:\n    eth1: eth1\n    eth2: eth2\n    eth3: eth3\n    "*": eth1\n');
  });

  test('handing out the router or listen-address as DNS server is warned about: nothing listens there after the import', () => {
    const p = plan('listen-address=198.18.1.2\ndhcp-range=198.18.1.10,198.18.1.20,255.255.255.0\ndhcp-option=option:router,198.18.1.1\ndhcp-option=6,198.18.1.1,198.18.1.2,198.18.255.1\n');
    expect(p.warnings).toHaveLength(2);
    expect(p.warnings[0]).toMatch(/DNS server 198\.18\.1\.1, where dnsmasq answered \(the router address\)/);
    expect(p.warnings[1]).toMatch(/DNS server 198\.18\.1\.2, where dnsmasq answered \(its listen-address\)/);
    expect(plan('dhcp-range=198.18.1.10,198.18.1.20,255.255.255.0\ndhcp-option=6,0.0.0.0,198.18.255.1\n').warnings).toEqual([]);
  });
});
