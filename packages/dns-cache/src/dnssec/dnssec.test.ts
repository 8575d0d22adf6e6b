/**
 * DNSSEC end to end against real signed zones: BIND's named (test-zones.ts,
 * in a network namespace) is the upstream of this cache and of a real
 * dnsmasq 2.90, both given `--dnssec` and the same trust anchors; dig asks
 * both the same questions and gets the same RCODE, answers and AD bit.
 * Needs root, named and the addon-free server (dgram is enough).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyItems, parseDnsArgs } from '../options.js';
import { startDnsCache, type DnsCacheHandle } from '../server.js';
import { dig, startDnsmasq, type DigResult, type Dnsmasq } from '../test-harness.js';
import { startSignedZones, type SignedZones } from './test-zones.js';

/** dnsmasq starts only with a root anchor (the one its Debian package ships); names under the test anchors never reach it. */
const ROOT_ANCHOR = '.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D';

let zones: SignedZones;
const caches: DnsCacheHandle[] = [];
const dnsmasqs: Dnsmasq[] = [];
/** Ours and dnsmasq, with checking of unsigned answers (dnsmasq's default) and with `dnssec-check-unsigned=no`. */
const pairs: Record<'checking' | 'trusting', { ours: { address: string; port: number }; theirs: Dnsmasq }> = {} as never;

beforeAll(async () => {
  zones = await startSignedZones();
  for (const [mode, extra] of [['checking', []], ['trusting', ['--dnssec-check-unsigned=no']]] as const) {
    const flags = ['--dnssec', ...[ROOT_ANCHOR, ...zones.anchors].map((a) => `--trust-anchor=${a}`), `--server=${zones.server.address}`, ...extra];
    const theirs = await startDnsmasq('127.0.0.1', flags);
    dnsmasqs.push(theirs);
    const cache = await startDnsCache({ ...applyItems(parseDnsArgs(flags).items), listenAddresses: ['127.0.0.1'], noResolv: true, noHosts: true }, { listenPort: 0 });
    caches.push(cache);
    pairs[mode] = { ours: cache.addresses[0]!, theirs };
  }
}, 60_000);

afterAll(async () => {
  for (const c of caches) await c.stop();
  for (const d of dnsmasqs) await d.stop();
  await zones?.stop();
});

const DNSSEC_TYPES = ['RRSIG', 'NSEC', 'NSEC3'];

/**
 * dig both (dig sets AD in its queries, so a secure answer comes back with
 * AD): the same RCODE, AD bit and answers. Two differences are deliberate:
 * dnsmasq 2.90 passes the RRSIGs of a just-forwarded positive answer to a
 * client without DO (from its cache it does not); this cache never does
 * (RFC 4035 3.2.1). And dnsmasq's SERVFAIL for bogus data keeps the
 * upstream's AA bit; ours is a header of our own, without AA.
 */
async function same(mode: 'checking' | 'trusting', args: string[]) {
  const { ours, theirs } = pairs[mode];
  const [mine, reference] = await Promise.all([dig(ours, args), dig(theirs, args)]);
  const essence = (r: DigResult) => ({
    status: r.status,
    ad: r.flags.includes('ad'),
    answers: r.answers.filter((a) => !DNSSEC_TYPES.includes(a.type)).map((a) => `${a.name} ${a.type} ${a.data}`),
  });
  expect(essence(mine), args.join(' ')).toEqual(essence(reference));
  return mine;
}

describe('DNSSEC: the same answers and AD bits as dnsmasq 2.90 --dnssec', () => {
  test.each([
    ['www.signed.test', 'A', 'NOERROR', true],
    ['x.wild.signed.test', 'A', 'NOERROR', true],
    ['x.wild.signed.test', 'MX', 'NOERROR', true],
    ['nope.signed.test', 'A', 'NXDOMAIN', true],
    ['www.signed.test', 'MX', 'NOERROR', true],
    ['www.child.signed.test', 'A', 'NOERROR', true],
    ['www.rsa.test', 'A', 'NOERROR', true],
    ['nope.rsa.test', 'A', 'NXDOMAIN', true],
    ['www.rsa.test', 'TXT', 'NOERROR', true],
    ['www.ed.test', 'A', 'NOERROR', true],
    ['host.insecure.signed.test', 'A', 'NOERROR', false],
    ['www.bad.test', 'A', 'SERVFAIL', false],
    ['www.nosig.test', 'A', 'SERVFAIL', false],
    ['www.claimed.signed.test', 'A', 'SERVFAIL', false],
    ['www.plain.test', 'A', 'SERVFAIL', false],
    // A DNAME's synthesized CNAME is unsigned: neither cache applies RFC 4035 5.3.4's exception yet.
    ['www.old.signed.test', 'A', 'SERVFAIL', false],
  ])('%s %s: %s, AD %s', async (name, type, status, ad) => {
    const mine = await same('checking', [name, type]);
    expect([mine.status, mine.flags.includes('ad')]).toEqual([status, ad]);
  });

  test('with dnssec-check-unsigned=no a tampered record is still SERVFAIL and signed data still AD; unsigned answers pass without AD', async () => {
    expect((await same('trusting', ['www.bad.test', 'A'])).status).toBe('SERVFAIL');
    expect((await same('trusting', ['www.signed.test', 'A'])).flags).toContain('ad');
    // dnsmasq's manual: "such replies are assumed to be valid and passed on (without the AD bit)". dnsmasq 2.90 itself
    // still walks the DS records for these three and logs them BOGUS (or ABANDONED), so here only ours is asked.
    for (const [name, address] of [['www.nosig.test', '198.18.0.87'], ['www.claimed.signed.test', '198.18.0.88'], ['www.plain.test', '198.18.0.89']]) {
      const unsigned = await dig(pairs.trusting.ours, [name!, 'A']);
      expect([unsigned.status, unsigned.flags.includes('ad'), unsigned.answers.map((a) => a.data)], name).toEqual(['NOERROR', false, [address]]);
    }
  });

  test("the addon's hot table answers a cached secure name with AD only to clients that set AD, whichever kind asked first (its key has the AD bit)", async () => {
    for (const flag of ['+noadflag', '+adflag', '+noadflag', '+noadflag', '+adflag', '+adflag', '+noadflag']) {
      // No cookie: the addon answers only queries without EDNS options.
      const answer = await dig(pairs.checking.ours, ['www.child.signed.test', 'A', flag, '+nocookie']);
      expect([answer.status, answer.flags.includes('ad')], flag).toEqual(['NOERROR', flag === '+adflag']);
    }
    // The repeats were answered by the addon, when it is built (it is wherever a C compiler is).
    if (caches[0]!.addresses[0]!.udp === 'batched') expect(caches[0]!.stats().hotHits).toBeGreaterThan(0);
  });

  test('a client without DO gets no RRSIG; with DO, the signatures and AD; a cached secure answer keeps its status', async () => {
    const plain = await dig(pairs.checking.ours, ['www.ed.test', 'A', '+noadflag']);
    expect([plain.flags.includes('ad'), plain.answers.map((a) => a.type)]).toEqual([false, ['A']]);
    const signed = await dig(pairs.checking.ours, ['www.ed.test', 'A', '+dnssec', '+noadflag']);
    expect([signed.flags.includes('ad'), signed.answers.map((a) => a.type)]).toEqual([true, ['A', 'RRSIG']]);
    const again = await dig(pairs.checking.ours, ['www.ed.test', 'A']);
    expect(again.flags).toContain('ad');
    expect(caches[0]!.stats().dnssecBogus).toBeGreaterThanOrEqual(2);
    expect(caches[0]!.stats().cacheHits).toBeGreaterThan(0);
  });
});
