/**
 * stop-dns-rebind, rebind-localhost-ok, rebind-domain-ok, bogus-nxdomain and
 * the address= blocking forms: the address checks as functions, then the same
 * options given to a real dnsmasq 2.90 and to this cache (both forwarding to
 * a third dnsmasq holding the records), the same questions with `dig`, the
 * same answers required.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRebindAddress, parseAddressBlock } from './answer-policy.js';
import { applyItems, parseDnsArgs } from './options.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { dig, expectSameAnswer, startDnsmasq, type Dnsmasq } from './test-harness.js';

describe('the rebind address list (dnsmasq private_net and private_net6)', () => {
  test.each([
    ['192.168.1.1', true], ['10.1.2.3', true], ['172.31.0.1', true], ['172.32.0.1', false], ['100.64.0.1', true], ['169.254.9.9', true],
    ['192.0.2.1', true], ['198.51.100.7', true], ['203.0.113.1', true], ['255.255.255.255', true], ['198.18.0.1', false], ['8.8.8.8', false],
    ['fe80::1', true], ['fd00::1', true], ['fc00::1', false], ['2001:db8::1', true], ['2001:4860::8888', false], ['::ffff:192.168.0.1', true], ['::ffff:8.8.8.8', false],
  ])('%s is private: %s', (ip, privateNet) => {
    expect(isRebindAddress(ip, false)).toBe(privateNet);
  });

  test('loopback and "this network" are refused unless rebind-localhost-ok', () => {
    for (const ip of ['127.0.0.5', '0.0.0.0', '::1', '::']) {
      expect(isRebindAddress(ip, false)).toBe(true);
      expect(isRebindAddress(ip, true)).toBe(false);
    }
  });

  test('bogus-nxdomain blocks parse with or without a prefix, and bad ones are refused', () => {
    expect(parseAddressBlock('203.0.113.0/24')).toMatchObject({ family: 4, prefix: 24 });
    expect(parseAddressBlock('64.94.110.11')).toMatchObject({ family: 4, prefix: 32 });
    expect(parseAddressBlock('2001:db8::/32')).toMatchObject({ family: 6, prefix: 32 });
    for (const bad of ['198.18.255', '198.18.255.4/33', 'x', '198.18.255.4/']) expect(parseAddressBlock(bad)).toBeUndefined();
    expect(() => applyItems(parseDnsArgs(['--bogus-nxdomain=198.18.255']).items)).toThrow(/bad address/);
  });
});

let upstream: Dnsmasq;
let dnsmasq: Dnsmasq;
let cache: DnsCacheHandle;
let ours: { address: string; port: number };

const RECORDS = [
  'priv.test,192.168.1.1', 'lo.test,127.0.0.5', 'pub.test,198.51.100.7', 'open.test,198.18.0.7', 'ok.rb.test,10.1.1.1', 'v6.test,fd00::1',
  'mix.test,198.18.0.8,fe80::1', 'bog.test,203.0.113.9', 'bog2.test,198.18.0.9', 'bog2.test,203.0.113.10', 'z.test,0.0.0.0', 'blk.test,198.18.0.10,2001:4860::10',
  'hash.test,198.18.0.11',
].map((r) => `--host-record=${r}`);
const OPTIONS = [
  '--stop-dns-rebind', '--rebind-localhost-ok', '--rebind-domain-ok=/rb.test/', '--bogus-nxdomain=203.0.113.0/24',
  '--address=/blk.test/0.0.0.0', '--address=/hash.test/#', '--address=/nx.test/',
];

beforeAll(async () => {
  upstream = await startDnsmasq('127.0.0.1', [...RECORDS, '--txt-record=hash.test,up']);
  dnsmasq = await startDnsmasq('127.0.0.1', [...OPTIONS, `--server=127.0.0.1#${upstream.port}`]);
  const config = applyItems(parseDnsArgs([...OPTIONS, `--server=127.0.0.1#${upstream.port}`]).items);
  cache = await startDnsCache({ ...config, listenAddresses: ['127.0.0.1'], noResolv: true, noHosts: true }, { listenPort: 0 });
  ours = cache.addresses[0]!;
});

afterAll(async () => {
  await cache?.stop();
  await dnsmasq?.stop();
  await upstream?.stop();
});

describe('the same answers as dnsmasq 2.90 for the same policies', () => {
  const questions: [string, string][] = [
    ['priv.test', 'A'], ['lo.test', 'A'], ['pub.test', 'A'], ['open.test', 'A'], ['ok.rb.test', 'A'], ['v6.test', 'AAAA'], ['mix.test', 'AAAA'], ['mix.test', 'A'],
    ['bog.test', 'A'], ['bog2.test', 'A'], ['z.test', 'A'], ['blk.test', 'A'], ['sub.blk.test', 'A'], ['blk.test', 'AAAA'],
    ['hash.test', 'A'], ['hash.test', 'AAAA'], ['hash.test', 'TXT'], ['nx.test', 'A'], ['nx.test', 'TXT'], ['priv.test', 'A'],
  ];
  test.each(questions)('%s %s', async (name, type) => {
    const [theirs, mine] = await Promise.all([dig(dnsmasq, [name, type]), dig(ours, [name, type])]);
    expectSameAnswer(mine, theirs);
  });

  test('refused answers are counted and never cached: each question goes upstream again', async () => {
    const before = cache.stats();
    await dig(ours, ['priv.test', 'A']);
    await dig(ours, ['bog.test', 'A']);
    const after = cache.stats();
    expect(after.answersRefused - before.answersRefused).toBe(2);
    expect(after.forwarded - before.forwarded).toBe(2);
  });
});
