/**
 * Per-network views of the agent's names (LocalRecords.setViews): a name of
 * one view is answered only on that view's addresses, never on another's,
 * and a listener of no view is refused. First the table alone (a property
 * over random views), then a cache on three loopback addresses with a real
 * upstream, where the addon's hot table must not answer a view's own name
 * with the upstream answer another view's client was given.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { decodeDns } from '@leasehold/protocol';
import { DEFAULT_CONFIG } from './config.js';
import { LocalRecords, type LocalView } from './local.js';
import { reverseName4, reverseName6 } from './names.js';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { FakeUpstream, aRecord, answer, dig, query, udpExchange } from './test-harness.js';

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_AAAA = 28;
const CLASS_IN = 1;

const records = () => new LocalRecords(DEFAULT_CONFIG);
const answered = (local: LocalRecords, name: string, type: number, listener: string) => {
  const a = local.lookup(name, type, CLASS_IN, listener);
  return a?.kind === 'records' ? a.records.map((r) => r.data as string).sort() : a?.kind;
};

describe('views of the agent\'s names', () => {
  test('a view\'s names and PTRs are answered on its own addresses only; the shared names on every one', () => {
    const local = new LocalRecords({ ...DEFAULT_CONFIG, hostRecords: [{ names: ['gw.shared.example'], ipv4: ['198.18.9.1'], ipv6: [], ttl: undefined }] });
    local.setViews([
      { addresses: ['198.18.1.2', '198.18.11.2'], records: { 'vm1.a.example': ['198.18.1.10'] } },
      { addresses: ['198.18.2.2'], records: { 'vm2.b.example': ['198.18.2.10'] } },
    ]);
    expect(answered(local, 'vm1.a.example', TYPE_A, '198.18.1.2')).toStrictEqual(['198.18.1.10']);
    expect(answered(local, 'vm1.a.example', TYPE_A, '198.18.11.2')).toStrictEqual(['198.18.1.10']);
    expect(answered(local, reverseName4('198.18.1.10'), TYPE_PTR, '198.18.1.2')).toStrictEqual(['vm1.a.example']);
    expect(answered(local, 'vm1.a.example', TYPE_A, '198.18.2.2')).toBeUndefined();
    expect(answered(local, reverseName4('198.18.1.10'), TYPE_PTR, '198.18.2.2')).toBeUndefined();
    expect(answered(local, 'gw.shared.example', TYPE_A, '198.18.2.2')).toStrictEqual(['198.18.9.1']);
    expect(local.refuses('198.18.1.2')).toBe(false);
    expect(local.refuses('198.18.3.2')).toBe(true);
    expect(local.refuses(undefined)).toBe(true);
    expect(local.isViewName('vm2.b.example')).toBe(true);
    expect(local.isViewName(reverseName4('198.18.2.10'))).toBe(true);
    expect(local.isViewName('gw.shared.example')).toBe(false);
  });

  test("a view's IPv6 addresses are answered as AAAA, with PTR under ip6.arpa, on its own addresses only (a dual-stack port has both families)", () => {
    const local = records();
    local.setViews([
      { addresses: ['198.18.1.2'], records: { 'vm1.a.example': ['198.18.1.10', '2001:db8:1:0:f816:3eff:fe00:1'] } },
      { addresses: ['198.18.2.2'], records: {} },
    ]);
    expect(answered(local, 'vm1.a.example', TYPE_AAAA, '198.18.1.2')).toStrictEqual(['2001:db8:1:0:f816:3eff:fe00:1']);
    expect(answered(local, 'vm1.a.example', TYPE_A, '198.18.1.2')).toStrictEqual(['198.18.1.10']);
    expect(reverseName6('2001:db8:1:0:f816:3eff:fe00:1')).toBe('1.0.0.0.0.0.e.f.f.f.e.3.6.1.8.f.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    expect(answered(local, reverseName6('2001:db8:1:0:f816:3eff:fe00:1'), TYPE_PTR, '198.18.1.2')).toStrictEqual(['vm1.a.example']);
    expect(answered(local, 'vm1.a.example', TYPE_AAAA, '198.18.2.2')).toBeUndefined();
    // A view's own IPv6 address (the agent's on the network's IPv6 subnet) answers its names too, and only its.
    local.setViews([
      { addresses: ['198.18.1.2', '2001:db8:1::2'], records: { 'vm1.a.example': ['2001:db8:1::10'] } },
      { addresses: ['2001:db8:2::2'], records: {} },
    ]);
    expect(answered(local, 'vm1.a.example', TYPE_AAAA, '2001:db8:1::2')).toStrictEqual(['2001:db8:1::10']);
    expect(answered(local, 'vm1.a.example', TYPE_AAAA, '2001:db8:2::2')).toBeUndefined();
    // In a namespace too (a VXLAN network's DHCP port, listeners.ts), and there only.
    local.setViews([{ addresses: ['2001:db8:1::2@ns1'], records: { 'vm1.a.example': ['2001:db8:1::10'] } }]);
    expect(answered(local, 'vm1.a.example', TYPE_AAAA, '2001:db8:1::2@ns1')).toStrictEqual(['2001:db8:1::10']);
    expect(answered(local, 'vm1.a.example', TYPE_AAAA, '2001:db8:1::2@ns2')).toBeUndefined();
    expect(() => local.setViews([{ addresses: ['2001:db8:1::2@'], records: {} }])).toThrow(TypeError);
    local.setViews([
      { addresses: ['198.18.1.2', '2001:db8:1::2'], records: { 'vm1.a.example': ['2001:db8:1::10'] } },
      { addresses: ['2001:db8:2::2'], records: {} },
    ]);
    expect(answered(local, reverseName6('2001:db8:1:0:f816:3eff:fe00:1'), TYPE_PTR, '198.18.2.2')).toBeUndefined();
    expect(() => local.setViews([{ addresses: ['198.18.1.2'], records: { 'vm.a.example': ['2001:db8::g'] } }])).toThrow(/not an IPv4 or IPv6 address/);
  });

  test('without views nothing is refused and the agent\'s shared records answer on every listener, as before views', () => {
    const local = records();
    local.setAgentRecords({ 'vm.tenant.example': ['198.18.4.4'] });
    expect(local.refuses(undefined)).toBe(false);
    expect(local.refuses('198.18.4.2')).toBe(false);
    expect(answered(local, 'vm.tenant.example', TYPE_A, '198.18.4.2')).toStrictEqual(['198.18.4.4']);
    expect(local.isViewName('vm.tenant.example')).toBe(false);
  });

  test('an address given to two views, or a bad address, is refused with a TypeError and the views stay as they were', () => {
    const local = records();
    local.setViews([{ addresses: ['198.18.5.2'], records: { 'keep.example': ['198.18.5.9'] } }]);
    expect(() =>
      local.setViews([
        { addresses: ['198.18.6.2'], records: {} },
        { addresses: ['198.18.6.2'], records: {} },
      ]),
    ).toThrow(/two views/);
    expect(() => local.setViews([{ addresses: ['not-an-ip'], records: {} }])).toThrow(TypeError);
    expect(() => local.setViews([{ addresses: ['198.18.6.2'], records: { 'bad name!': ['198.18.6.9'] } }])).toThrow(TypeError);
    expect(answered(local, 'keep.example', TYPE_A, '198.18.5.2')).toStrictEqual(['198.18.5.9']);
  });

  const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
  const ip = fc.tuple(fc.integer({ min: 18, max: 19 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map(([b, c, d]) => `198.${b}.${c}.${d}`);
  // Up to four networks, each with its own listen address (198.18.<i>.2 is never a record's) and a few names.
  const viewsArb = fc.array(fc.dictionary(fc.tuple(label, label).map(([h, d]) => `${h}.${d}.example`), fc.uniqueArray(ip, { minLength: 1, maxLength: 3 }), { maxKeys: 6 }), { minLength: 2, maxLength: 4 });

  propTest.prop([viewsArb])('a name or address of network B is never answered to a query that arrived on network A', (views) => {
    const local = records();
    const listed: LocalView[] = views.map((names, i) => ({ addresses: [`198.20.${i}.2`], records: names }));
    local.setViews(listed);
    for (const [a, own] of views.entries()) {
      const listener = `198.20.${a}.2`;
      const ownIps = new Set(Object.values(own).flat());
      for (const [b, theirs] of views.entries()) {
        for (const [name, ips] of Object.entries(theirs)) {
          // A's answer for this name is exactly A's own addresses for it (none: not answered locally).
          expect(answered(local, name, TYPE_A, listener)).toStrictEqual(own[name] ? [...own[name]].sort() : undefined);
          for (const theirIp of ips) {
            const ptr = answered(local, reverseName4(theirIp), TYPE_PTR, listener);
            // A PTR on A names only A's hosts, and only when A has that address too.
            if (ownIps.has(theirIp)) expect(Array.isArray(ptr) && ptr.every((n) => Object.hasOwn(own, n))).toBe(true);
            else expect(ptr).toBeUndefined();
          }
          if (b === a) expect(answered(local, name, TYPE_A, listener)).toStrictEqual([...ips].sort());
        }
      }
    }
  });
});

describe('a cache with views on three loopback addresses', () => {
  let upstream: FakeUpstream;
  let handle: DnsCacheHandle;
  const on = (address: string) => ({ address, port: handle.addresses[0]!.port });

  beforeAll(async () => {
    // Upstream knows every name (198.19.2.77): a view's name asked on another view goes here, as Neutron's
    // dnsmasq forwards a name not in its own hosts.
    upstream = await FakeUpstream.start('127.0.0.1', (q) => answer(q, [aRecord(q, '198.19.2.77', 300)]));
    handle = await startDnsCache(
      { listenAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3'], noResolv: true, servers: [upstream.server], cacheSize: 100 },
      { listenPort: 0 },
    );
    handle.setLocalViews([
      { addresses: ['127.0.0.1'], records: { 'vm1.a.example': ['198.18.1.10'] } },
      { addresses: ['127.0.0.2'], records: { 'vm2.b.example': ['198.18.2.10'] } },
    ]);
  });
  afterAll(async () => {
    await handle.stop();
    await upstream.stop();
  });

  test('each listener answers its own view\'s name, the other view\'s name only as upstream does, and a listener of no view is refused', async () => {
    expect((await dig(on('127.0.0.1'), ['vm1.a.example'])).answers.map((a) => a.data)).toStrictEqual(['198.18.1.10']);
    expect((await dig(on('127.0.0.2'), ['vm2.b.example'])).answers.map((a) => a.data)).toStrictEqual(['198.18.2.10']);
    expect((await dig(on('127.0.0.2'), ['vm1.a.example'])).answers.map((a) => a.data)).toStrictEqual(['198.19.2.77']);
    expect((await dig(on('127.0.0.2'), ['-x', '198.18.1.10'])).answers.map((a) => a.data)).not.toContain('vm1.a.example.');
    const refused = handle.stats().refused;
    expect((await dig(on('127.0.0.3'), ['vm1.a.example'])).status).toBe('REFUSED');
    expect((await dig(on('127.0.0.3'), ['+tcp', 'elsewhere.example'])).status).toBe('REFUSED');
    expect(handle.stats().refused).toBe(refused + 2);
  });

  test('a view\'s own name is answered from the view even after another view\'s clients made its upstream answer a cache hit', async () => {
    // Asked three times on B: forwarded, then a cache hit (which would put it into the addon's hot table), then maybe a hot hit.
    for (let id = 1; id <= 3; id++) await udpExchange(on('127.0.0.2'), [query('vm1.a.example', id)], 150);
    const [reply] = await udpExchange(on('127.0.0.1'), [query('vm1.a.example', 9)], 150);
    expect(decodeDns(reply!).answers.map((a) => (a.type === 'A' ? a.data : a.type))).toStrictEqual(['198.18.1.10']);
  });
});
