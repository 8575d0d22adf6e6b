/**
 * filterwin2k, synth-domain, rev-server and alias as values: each value gets
 * the same verdict from `dnsmasq --test` and from this cache's parser (and
 * the reason dnsmasq gives, where it gives one), and the pure functions do
 * what dnsmasq 2.90's code does. Answers are compared with a running dnsmasq
 * in query-answers.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { AnswerAliases } from './alias.js';
import { ConfigError } from './errors.js';
import { applyItems, parseDnsArgs } from './options.js';
import { isWin2kNoise } from './policy.js';
import { reverseZones } from './rev-server.js';
import { parseSynthDomain, SynthDomains } from './synth.js';
import { aRecord, answer } from './test-harness.js';
import { decodeDns, encodeDns } from '@leasehold/protocol';

const dnsmasqVerdict = (arg: string) => {
  const run = spawnSync('dnsmasq', ['--test', '--conf-file=/dev/null', arg], { encoding: 'utf8' });
  return { ok: run.status === 0, text: run.stderr + run.stdout };
};
const ourVerdict = (arg: string) => {
  try {
    applyItems(parseDnsArgs([arg]).items);
    return { ok: true, reason: '' };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { ok: false, reason: error.reason };
  }
};
const bad = (reason: string): never => {
  throw new Error(reason);
};

describe('the same verdict as dnsmasq --test', () => {
  test.each([
    '--filterwin2k', '--filterwin2k=1', '--dns-loop-detect', '--dns-loop-detect=x',
    '--synth-domain=x.test', '--synth-domain=x.test,198.18.0.0/24', '--synth-domain=x.test,198.18.0.0/33', '--synth-domain=x.test,198.18.0.10,198.18.0.5',
    '--synth-domain=x.test,198.18.0.1,fd00::1', '--synth-domain=x.test,nonsense', '--synth-domain=x.test,198.18.0.0/24,p-*', '--synth-domain=x.test,fd00::/56,p-*',
    '--synth-domain=x.test,fd00::/56,p-', '--synth-domain=x.test,fd00::10,fd00::20,p-*', '--synth-domain=x.test,fd00::/64,p-*', '--synth-domain=x.test,198.18.0.5',
    '--synth-domain=x.test,198.18.0.0/24,internal-', '--synth-domain=x.test,198.18.0.0/x',
    '--rev-server=198.18.0.0/24', '--rev-server=198.18.0.0/24,198.18.255.1', '--rev-server=198.18.0.0/22,198.18.255.1#5353', '--rev-server=198.18.0.0/33,198.18.255.1',
    '--rev-server=nonsense,198.18.255.1', '--rev-server=198.18.0.0/0,198.18.255.1', '--rev-server=fd00::/129,198.18.255.1', '--rev-server=2001:db8::/32,198.18.255.1',
    '--rev-server=198.18.0.0/x,198.18.255.1',
    '--alias=198.18.0.1', '--alias=198.18.0.1,x', '--alias=198.18.0.1,198.18.1.1,255.255.0', '--alias=198.18.0.9-198.18.0.1,198.18.1.0,255.255.255.0',
    '--alias=198.18.0.1-198.18.1.1,198.18.2.0,255.255.255.0', '--alias=fd00::1,fd00::2', '--alias=198.18.0.1-198.18.0.9,198.18.1.0', '--alias=198.18.0.1,198.18.1.1',
    '--alias=198.18.0.0,198.19.0.0,255.255.0.0', '--alias=198.18.0.10-198.18.0.40,198.19.0.0,255.255.255.0',
  ])('%s', (arg) => {
    const theirs = dnsmasqVerdict(arg);
    const ours = ourVerdict(arg);
    expect(ours.ok).toBe(theirs.ok);
    // Where dnsmasq names a reason (not its generic "try --help"), ours is the same.
    const reason = /bad command line options: (.*)/.exec(theirs.text)?.[1]?.trim();
    if (!theirs.ok && reason !== undefined && reason !== 'try --help' && !reason.includes('Name or service')) expect(ours.reason).toBe(reason);
  });
});

describe('filterwin2k', () => {
  test('SOA and SRV always, ANY only for names with an underscore', () => {
    expect(isWin2kNoise(6, 'example.test')).toBe(true);
    expect(isWin2kNoise(33, '_kerberos._tcp.test')).toBe(true);
    expect(isWin2kNoise(255, '_ldap.test')).toBe(true);
    expect(isWin2kNoise(255, 'a.test')).toBe(false);
    expect(isWin2kNoise(16, '_ldap.test')).toBe(false);
    expect(isWin2kNoise(1, 'a_b.test')).toBe(false);
  });
});

describe('synth-domain', () => {
  const synth = new SynthDomains([
    parseSynthDomain('lan,198.18.7.0/24,host-', bad),
    parseSynthDomain('idx.lan,198.18.8.10,198.18.8.20,n-*', bad),
    parseSynthDomain('six.lan,fd00::/120,v6-', bad),
    parseSynthDomain('bare6.lan,fd00::100/120', bad),
  ]);

  test('names to addresses, inside the range only', () => {
    expect(synth.address('host-198-18-7-5.lan', 4)).toBe('198.18.7.5');
    expect(synth.address('host-198-18-6-5.lan', 4)).toBeUndefined();
    expect(synth.address('host-198-18-7-05.lan', 4)).toBeUndefined();
    expect(synth.address('x.host-198-18-7-5.lan', 4)).toBeUndefined();
    expect(synth.address('host-198-18-7-5.x.lan', 4)).toBeUndefined();
    expect(synth.address('host-198-18-7-5.lan', 6)).toBeUndefined();
    expect(synth.address('n-0.idx.lan', 4)).toBe('198.18.8.10');
    expect(synth.address('n-.idx.lan', 4)).toBe('198.18.8.10');
    expect(synth.address('n-05.idx.lan', 4)).toBe('198.18.8.15');
    expect(synth.address('n-10.idx.lan', 4)).toBe('198.18.8.20');
    expect(synth.address('n-11.idx.lan', 4)).toBeUndefined();
    expect(synth.address('v6-fd00--5.six.lan', 6)).toBe('fd00::5');
    expect(synth.address('v6-fd00-0-0-0-0-0-0-5.six.lan', 6)).toBe('fd00::5');
    expect(synth.address('fd00--105.bare6.lan', 6)).toBe('fd00::105');
  });

  test('addresses to names', () => {
    expect(synth.reverse('5.7.18.198.in-addr.arpa')).toBe('host-198-18-7-5.lan');
    expect(synth.reverse('15.8.18.198.in-addr.arpa')).toBe('n-5.idx.lan');
    expect(synth.reverse('21.8.18.198.in-addr.arpa')).toBeUndefined();
    const nibbles = (hex: string) => `${hex.split('').reverse().join('.')}.ip6.arpa`;
    expect(synth.reverse(nibbles('fd000000000000000000000000000005'))).toBe('v6-fd00--5.six.lan');
    expect(synth.reverse(nibbles('fd000000000000000000000000000105'))).toBe('fd00--105.bare6.lan');
  });
});

describe('rev-server', () => {
  test('a prefix that ends inside an octet or nibble covers several zones', () => {
    expect(reverseZones('198.18.5.0/24', bad)).toEqual(['5.18.198.in-addr.arpa']);
    expect(reverseZones('198.18.20.0/22', bad)).toEqual(['20.18.198.in-addr.arpa', '21.18.198.in-addr.arpa', '22.18.198.in-addr.arpa', '23.18.198.in-addr.arpa']);
    expect(reverseZones('198.18.5.9', bad)).toEqual(['9.5.18.198.in-addr.arpa']);
    expect(reverseZones('2001:db8:5::/48', bad)).toEqual(['5.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa']);
    // As dnsmasq 2.90 logs them ("using nameserver ... for domain").
    expect(reverseZones('2001:db8::/30', bad)).toEqual(['8.b.d.0.1.0.0.2.ip6.arpa', '9.b.d.0.1.0.0.2.ip6.arpa', 'a.b.d.0.1.0.0.2.ip6.arpa', 'b.b.d.0.1.0.0.2.ip6.arpa']);
  });

  test('with a server it is server=/zone/server; without one address=/zone/', () => {
    const config = applyItems(parseDnsArgs(['--rev-server=198.18.5.0/24,198.18.255.1#5353', '--rev-server=198.18.6.0/24']).items);
    expect(config.domainServers).toEqual([{ domain: '5.18.198.in-addr.arpa', server: { address: '198.18.255.1', port: 5353, family: 4 } }]);
    expect(config.addresses).toEqual([{ domain: '6.18.198.in-addr.arpa', ip: undefined }]);
  });
});

describe('alias', () => {
  const query = { id: 7, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0, questions: [{ name: 'a.test', type: 1, class: 1 }], answers: [], authorities: [], additionals: [] };
  const rules = ['198.18.5.5,198.18.50.5', '198.18.5.0,198.19.0.0,255.255.255.0', '198.18.6.10-198.18.6.30,198.19.1.0,255.255.255.0', '198.18.6.21,198.18.99.99'];
  const aliases = new AnswerAliases(applyItems(parseDnsArgs(rules.map((r) => `--alias=${r}`)).items).aliases);
  const through = (...ips: string[]) => {
    const bytes = answer(query, ips.map((ip) => aRecord(query, ip)), { aa: true });
    const changed = aliases.apply(bytes);
    const message = decodeDns(bytes);
    return { changed, aa: message.aa, ips: message.answers.map((r) => (r.type === 'A' ? r.data : r.type)) };
  };

  test('the last matching line rewrites each A record and AA is cleared; others stay as they were', () => {
    expect(through('198.18.5.5')).toEqual({ changed: true, aa: false, ips: ['198.19.0.5'] });
    expect(through('198.18.6.21', '198.18.6.22', '198.18.6.50')).toEqual({ changed: true, aa: false, ips: ['198.18.99.99', '198.19.1.22', '198.18.6.50'] });
    expect(through('198.18.6.50')).toEqual({ changed: false, aa: true, ips: ['198.18.6.50'] });
  });

  test('a malformed or cut answer is walked without reading past its end', () => {
    const bytes = answer(query, [aRecord(query, '198.18.5.5')]);
    for (let n = 12; n < bytes.length; n++) expect(() => aliases.apply(bytes.slice(0, n))).not.toThrow();
    const counts = encodeDns({ ...query, qr: true });
    counts[7] = 200;
    expect(aliases.apply(counts)).toBe(false);
  });
});
