/**
 * dnsmasq's record options, hosts files and CHAOS names end to end: the
 * same options given to a real dnsmasq 2.90 and to this cache (both on
 * 127.0.0.1, both forwarding to a third dnsmasq), the same questions asked
 * of both with the real `dig`, the same answers required.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyItems, parseDnsArgs } from './options.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { dig, expectSameAnswer, startDnsmasq, type Dnsmasq } from './test-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'lh-records-'));
const hostsDir = join(dir, 'hosts.d');
let upstream: Dnsmasq;
let dnsmasq: Dnsmasq;
let cache: DnsCacheHandle;
let ours: { address: string; port: number };

/** Options both servers get (dnsmasq's syntax; the test harness adds --no-hosts to dnsmasq, so this cache gets it too). */
const OPTIONS = () => [
  '--no-hosts', '--domain=lan', '--expand-hosts', `--addn-hosts=${join(dir, 'hosts')}`, `--addn-hosts=${hostsDir}`,
  '--cname=www.lan,alias2.lan,alpha.lan', '--cname=ext.lan,example.org,77', '--cname=c2.lan,www.lan',
  '--mx-host=lan,mail.lan,10', '--mx-host=m2.lan', '--mx-target=mt.lan',
  '--srv-host=_ldap._tcp.lan,ldap.lan,389,1,2', '--srv-host=_x._tcp',
  '--txt-record=t.lan,v=spf1 a,second', '--txt-record=e.lan',
  '--ptr-record=_http._tcp.dns-sd-services,New Employee Page._http._tcp.dns-sd-services', '--ptr-record=p.lan',
  '--host-record=h.lan,198.18.0.9,2001:db8::9,60',
  '--caa-record=lan,0,issue,letsencrypt.org', '--naptr-record=n.lan,10,20,s,SIP+D2U,,_sip._udp.lan', '--dns-rr=r.lan,65280,0a0b:0C',
];

/** What must agree: RCODE, the flags that matter, and the answer records (TTLs included). */

beforeAll(async () => {
  mkdirSync(hostsDir);
  writeFileSync(join(dir, 'hosts'), '198.18.0.5 alpha\n198.18.0.6 beta.lan\n');
  writeFileSync(join(hostsDir, 'b'), '198.18.0.8 gamma # second file of the directory\n');
  writeFileSync(join(hostsDir, 'a'), '198.18.0.7 delta\n');
  upstream = await startDnsmasq('127.0.0.1', ['--host-record=t.lan,198.18.1.1,300', '--host-record=beta,198.18.1.2,300']);
  dnsmasq = await startDnsmasq('127.0.0.1', [...OPTIONS(), `--server=127.0.0.1#${upstream.port}`]);
  const config = applyItems(parseDnsArgs([...OPTIONS(), `--server=127.0.0.1#${upstream.port}`]).items);
  cache = await startDnsCache({ ...config, listenAddresses: ['127.0.0.1'], noResolv: true }, { listenPort: 0 });
  ours = cache.addresses[0]!;
});

afterAll(async () => {
  await cache?.stop();
  await dnsmasq?.stop();
  await upstream?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the same answers as dnsmasq 2.90 for the same options', () => {
  const questions: [string, string][] = [
    ['www.lan', 'A'], ['alias2.lan', 'AAAA'], ['ext.lan', 'A'], ['c2.lan', 'A'], ['www.lan', 'TXT'], ['www.lan', 'CNAME'], ['www.lan', 'ANY'],
    ['lan', 'MX'], ['m2.lan', 'MX'], ['_ldap._tcp.lan', 'SRV'], ['_x._tcp.lan', 'SRV'],
    ['t.lan', 'TXT'], ['e.lan', 'TXT'], ['t.lan', 'ANY'], ['p.lan', 'PTR'], ['_http._tcp.dns-sd-services', 'PTR'],
    ['h.lan', 'AAAA'], ['h.lan', 'A'], ['9.0.18.198.in-addr.arpa', 'PTR'], ['lan', 'CAA'], ['n.lan', 'NAPTR'], ['r.lan', 'TYPE65280'],
    ['alpha', 'A'], ['alpha.lan', 'A'], ['5.0.18.198.in-addr.arpa', 'PTR'], ['delta.lan', 'A'], ['gamma', 'A'],
  ];
  test.each(questions)('%s %s', async (name, type) => {
    const [theirs, mine] = await Promise.all([dig(dnsmasq, [name, type]), dig(ours, [name, type])]);
    expect(theirs.status).toBe('NOERROR');
    expectSameAnswer(mine, theirs);
  });

  test('a name with only other record types is forwarded, as dnsmasq does (t.lan A and beta A come from upstream)', async () => {
    for (const [name, type] of [['t.lan', 'A'], ['beta', 'A']] as const) {
      const [theirs, mine] = await Promise.all([dig(dnsmasq, [name, type]), dig(ours, [name, type])]);
      expectSameAnswer(mine, theirs);
      expect(mine.answers[0]?.data).toMatch(/^198\.18\.1\./);
    }
  });

  test('cachesize.bind and an unknown CHAOS question are answered as dnsmasq answers them', async () => {
    for (const args of [['cachesize.bind', 'chaos', 'txt'], ['nothing.bind', 'chaos', 'txt'], ['hits.bind', 'chaos', 'a']]) {
      const [theirs, mine] = await Promise.all([dig(dnsmasq, args), dig(ours, args)]);
      expectSameAnswer(mine, theirs);
    }
  });
});

describe('CHAOS statistics and reloading', () => {
  test('hits.bind, misses.bind, insertions.bind and servers.bind count what happened', async () => {
    const read = async (name: string) => Number(JSON.parse((await dig(ours, [`${name}.bind`, 'chaos', 'txt'])).answers[0]!.data));
    await dig(ours, ['t.lan', 'A']);
    const [hits, misses, insertions] = [await read('hits'), await read('misses'), await read('insertions')];
    await dig(ours, ['t.lan', 'A']);
    await dig(ours, ['alpha.lan', 'A']);
    // hits.bind, misses.bind and insertions.bind are local answers (dnsmasq counts those as hits), t.lan a cache hit, alpha.lan local.
    expect(await read('hits')).toBe(hits + 3 + 2);
    expect(await read('misses')).toBe(misses);
    expect(await read('insertions')).toBe(insertions);
    const sent = cache.stats().forwarded;
    const servers = await dig(ours, ['servers.bind', 'chaos', 'txt']);
    expect(servers.answers).toEqual([{ name: 'servers.bind.', ttl: 0, type: 'TXT', data: `"127.0.0.1#${upstream.port} ${sent} 0"` }]);
    expect(cache.statisticsReport()).toContain(`server 127.0.0.1#${upstream.port}: queries sent ${sent}, retried or failed 0`);
  });

  test('reload re-reads the hosts files at once (SIGHUP) and keeps the cached upstream answers', async () => {
    writeFileSync(join(hostsDir, 'c'), '198.18.0.40 epsilon\n');
    const forwardedBefore = cache.stats().forwarded;
    cache.reload();
    expect((await dig(ours, ['epsilon.lan', 'A'])).answers).toEqual([{ name: 'epsilon.lan.', ttl: 0, type: 'A', data: '198.18.0.40' }]);
    expect((await dig(ours, ['t.lan', 'A'])).answers[0]?.data).toBe('198.18.1.1');
    expect(cache.stats().forwarded).toBe(forwardedBefore);
  });
});
