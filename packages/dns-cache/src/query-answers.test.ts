/**
 * filterwin2k, synth-domain, rev-server and alias side by side: the same
 * options given to a real dnsmasq 2.90 and to this cache, both forwarding to
 * the same upstream dnsmasq (authoritative for `test`, so every name gets a
 * real answer) and, for rev-server's zones, to a second one; the same
 * questions with `dig`, the same answers required (rcode, AA/TC/RA, records).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyItems, parseDnsArgs } from './options.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { dig, expectSameAnswer, startDnsmasq, type Dnsmasq } from './test-harness.js';

let upstream: Dnsmasq;
let reverseUpstream: Dnsmasq;
let dnsmasq: Dnsmasq;
let cache: DnsCacheHandle;
let ours: { address: string; port: number };

const UPSTREAM = [
  '--host-record=a.test,198.18.5.5', '--host-record=m.test,198.18.5.6', '--host-record=r.test,198.18.6.20', '--host-record=r2.test,198.18.6.50',
  '--host-record=aa.test,198.18.6.21', '--host-record=b.test,198.19.3.7', '--host-record=h2.test,198.18.9.1', '--txt-record=_ldap.test,up',
  '--srv-host=_ldap._tcp.test,a.test,389', '--srv-host=_kerberos._tcp.test,a.test,88',
  '--host-record=wrong.test,198.18.21.9', '--host-record=default.test,198.18.24.9', '--host-record=upstream.test,198.18.7.9',
  // Authoritative for test and for the reverse zones: every question gets an answer (NXDOMAIN with an SOA), never REFUSED.
  '--auth-server=ns.test,127.0.0.1', '--auth-zone=test,198.18.0.0/15,fd00::/8', '--auth-soa=1,hostmaster.test,1200,120,1000,300',
];
const REVERSE = ['--ptr-record=9.21.18.198.in-addr.arpa,r21.test', '--ptr-record=9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa,v6.test'];
const options = (up: number, rev: number) => [
  '--filterwin2k', '--srv-host=_loc._tcp.test,a.test,1', '--host-record=h.test,198.18.9.9',
  '--synth-domain=syn.test,198.18.7.0/24,host-', '--synth-domain=idx.test,198.18.8.10,198.18.8.20,n-*', '--synth-domain=bare.test,198.18.10.0/24',
  '--synth-domain=six.test,fd00::/120,v6-', '--synth-domain=mapped.test,::ffff:198.18.0.0/120',
  `--rev-server=198.18.20.0/22,127.0.0.1#${rev}`, '--rev-server=198.18.40.0/24', `--rev-server=2001:db8:5::/48,127.0.0.1#${rev}`,
  '--alias=198.18.5.5,198.18.50.5', '--alias=198.18.5.0,198.19.0.0,255.255.255.0', '--alias=198.18.6.10-198.18.6.30,192.168.1.0,255.255.255.0',
  '--alias=198.18.6.21,198.18.99.99', '--alias=198.18.9.1,203.0.113.1', '--stop-dns-rebind', '--bogus-nxdomain=203.0.113.0/24',
  `--server=127.0.0.1#${up}`,
];

beforeAll(async () => {
  upstream = await startDnsmasq('127.0.0.1', UPSTREAM);
  reverseUpstream = await startDnsmasq('127.0.0.1', REVERSE);
  const given = options(upstream.port, reverseUpstream.port);
  dnsmasq = await startDnsmasq('127.0.0.1', given);
  // ANY is forwarded as dnsmasq does (minimal-any, on by default, is Leasehold's own).
  const config = applyItems(parseDnsArgs([...given, '--no-minimal-any']).items);
  cache = await startDnsCache({ ...config, listenAddresses: ['127.0.0.1'], noResolv: true, noHosts: true }, { listenPort: 0 });
  ours = cache.addresses[0]!;
});

afterAll(async () => {
  await cache?.stop();
  await dnsmasq?.stop();
  await reverseUpstream?.stop();
  await upstream?.stop();
});

const same = async (args: string[]) => {
  const [theirs, mine] = await Promise.all([dig(dnsmasq, args), dig(ours, args)]);
  expectSameAnswer(mine, theirs);
  return mine;
};

describe('filterwin2k: the same answers as dnsmasq 2.90', () => {
  test.each([
    ['test', 'SOA'], ['a.test', 'SOA'], ['h.test', 'SOA'], ['_ldap._tcp.test', 'SRV'], ['_kerberos._tcp.test', 'SRV'], ['_ldap.test', 'ANY'], ['a_b.test', 'ANY'],
    ['_loc._tcp.test', 'SRV'], ['_ldap.test', 'TXT'], ['9.9.18.198.in-addr.arpa', 'SOA'],
  ])('%s %s', async (name, type) => {
    await same([name, type]);
  });

  test('filtered questions are counted and never forwarded', async () => {
    const before = cache.stats();
    await dig(ours, ['x.example.test', 'SOA']);
    const after = cache.stats();
    expect(after.filtered - before.filtered).toBe(1);
    expect(after.forwarded - before.forwarded).toBe(0);
  });
});

describe('synth-domain: the same answers as dnsmasq 2.90', () => {
  test.each([
    ['host-198-18-7-5.syn.test', 'A'], ['HOST-198-18-7-5.SYN.test', 'A'], ['host-198-18-7-5.syn.test', 'AAAA'], ['host-198-18-7-5.syn.test', 'TXT'],
    ['host-198-18-6-5.syn.test', 'A'], ['host-198-18-7-05.syn.test', 'A'], ['x.host-198-18-7-5.syn.test', 'A'], ['syn.test', 'A'],
    ['n-0.idx.test', 'A'], ['n-10.idx.test', 'A'], ['n-11.idx.test', 'A'], ['n-05.idx.test', 'A'], ['n-.idx.test', 'A'],
    ['198-18-10-4.bare.test', 'A'], ['v6-fd00--5.six.test', 'AAAA'], ['v6-FD00--5.six.test', 'AAAA'], ['v6-fd00--5.six.test', 'A'],
    ['0--ffff-198-18-0-5.mapped.test', 'AAAA'],
  ])('%s %s', async (name, type) => {
    await same([name, type]);
  });

  test.each(['198.18.7.5', '198.18.7.9', '198.18.8.15', '198.18.8.21', '198.18.10.4', 'fd00::5', 'fd00::105', '::ffff:198.18.0.5'])('-x %s', async (ip) => {
    await same(['-x', ip]);
  });
});

describe('rev-server: the same answers as dnsmasq 2.90', () => {
  test.each(['198.18.21.9', '198.18.24.9', '198.18.40.1', '2001:db8:5::9'])('-x %s', async (ip) => {
    await same(['-x', ip]);
  });

  test('a zone of the prefix goes to its server, not the default one', async () => {
    expect((await same(['-x', '198.18.21.9'])).answers.map((a) => a.data)).toEqual(['r21.test.']);
  });
});

describe('alias: the same answers as dnsmasq 2.90', () => {
  test.each([['a.test'], ['m.test'], ['r.test'], ['r2.test'], ['aa.test'], ['b.test'], ['h2.test']])('%s A', async (name) => {
    await same([name, 'A']);
  });

  test('the last matching line wins and a rewritten answer loses AA', async () => {
    const answer = await same(['aa.test', 'A']);
    expect(answer.answers.map((a) => a.data)).toEqual(['198.18.99.99']);
    expect(answer.flags).not.toContain('aa');
  });

  test('stop-dns-rebind and bogus-nxdomain judge the rewritten address', async () => {
    expect((await same(['r.test', 'A'])).answers).toEqual([]);
    expect((await same(['h2.test', 'A'])).status).toBe('NXDOMAIN');
  });
});
