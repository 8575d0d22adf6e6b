/**
 * Listeners inside other network namespaces (DnsCacheStartOptions.namespaced,
 * issue 18): two namespaces hold the same address, as two tenants' qdhcp
 * namespaces with the same CIDR do; the cache listens on it in both (UDP and
 * TCP, the sockets made there by the addon) and each answers only its own
 * view's names, asked by dig run inside each namespace. Names not local go
 * to the one upstream, in the process's own namespace, through the shared
 * cache. Needs root (ip netns) and the built addon, as the agent's
 * namespace tests do.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDnsCache, type DnsCacheHandle } from './server.js';
import { FakeUpstream, aRecord, answer, dig } from './test-harness.js';

const run = promisify(execFile);
/** The same DHCP port address in both namespaces. */
const SAME = '198.18.53.1';

describe('a cache listening on the same address in two network namespaces', () => {
  const namespaces = [`lhdns-a-${process.pid}`, `lhdns-b-${process.pid}`] as const;
  let upstream: FakeUpstream;
  let handle: DnsCacheHandle;
  const on = () => ({ address: SAME, port: handle.addresses[0]!.port });

  beforeAll(async () => {
    for (const ns of namespaces) {
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await run('ip', ['-n', ns, 'addr', 'add', `${SAME}/32`, 'dev', 'lo']);
    }
    // Knows only up.example; everything else is NXDOMAIN, as a real upstream says of a tenant's local names.
    upstream = await FakeUpstream.start('127.0.0.1', (q) =>
      q.questions[0]!.name === 'up.example' ? answer(q, [aRecord(q, '198.19.53.80')]) : answer(q, [], { rcode: 3 }),
    );
    handle = await startDnsCache(
      { noResolv: true, noHosts: true, servers: [upstream.server], cacheSize: 100 },
      { listenPort: 0, namespaced: namespaces.map((netns) => ({ address: SAME, netns })) },
    );
    handle.setLocalViews([
      { addresses: [`${SAME}@${namespaces[0]}`], records: { 'vm1.a.example': ['198.18.53.10'] } },
      { addresses: [`${SAME}@${namespaces[1]}`], records: { 'vm2.b.example': ['198.18.53.10'] } },
    ]);
  });
  afterAll(async () => {
    await handle?.stop();
    await upstream?.stop();
    for (const ns of namespaces) await run('ip', ['netns', 'del', ns]).catch(() => {});
  });

  test('listens in both namespaces and nowhere in its own (no wildcard)', () => {
    expect(handle.addresses.map((a) => [a.address, a.netns, a.udp])).toStrictEqual(namespaces.map((ns) => [SAME, ns, 'batched']));
  });

  test('each namespace\'s client gets its own view\'s name and NXDOMAIN for the other\'s, over UDP and TCP', async () => {
    const [a, b] = namespaces;
    for (const transport of [[], ['+tcp']]) {
      expect((await dig(on(), [...transport, 'vm1.a.example'], a)).answers.map((r) => r.data)).toStrictEqual(['198.18.53.10']);
      expect((await dig(on(), [...transport, 'vm2.b.example'], a)).status).toBe('NXDOMAIN');
      expect((await dig(on(), [...transport, 'vm2.b.example'], b)).answers.map((r) => r.data)).toStrictEqual(['198.18.53.10']);
      expect((await dig(on(), [...transport, 'vm1.a.example'], b)).status).toBe('NXDOMAIN');
    }
    // The PTR of the address both use names each namespace's own host.
    expect((await dig(on(), ['-x', '198.18.53.10'], a)).answers.map((r) => r.data)).toStrictEqual(['vm1.a.example.']);
    expect((await dig(on(), ['-x', '198.18.53.10'], b)).answers.map((r) => r.data)).toStrictEqual(['vm2.b.example.']);
  });

  test('upstream names are answered in both namespaces from the one shared cache', async () => {
    const before = upstream.udpQueries;
    for (const ns of namespaces) expect((await dig(on(), ['up.example'], ns)).answers.map((r) => r.data)).toStrictEqual(['198.19.53.80']);
    // Asked once upstream: the second namespace's question was a cache hit.
    expect(upstream.udpQueries).toBe(before + 1);
  });

  test('a namespace that does not exist is a ListenError naming the listener, not a crash', async () => {
    await expect(startDnsCache({ noResolv: true, noHosts: true }, { listenPort: 0, namespaced: [{ address: SAME, netns: `lhdns-none-${process.pid}` }] })).rejects.toThrow(
      new RegExp(`cannot listen on udp ${SAME.replaceAll('.', '\\.')}@lhdns-none-${process.pid}#0: setns|No such file`),
    );
  });
});

describe('a cache listening on the same IPv6 addresses in two network namespaces', () => {
  const namespaces = [`lhdns6-a-${process.pid}`, `lhdns6-b-${process.pid}`] as const;
  /** Each tenant's client, on the far end of its namespace's device (the listener is bound to the device: a query over lo would not reach it). */
  const clients = [`lhdns6-ca-${process.pid}`, `lhdns6-cb-${process.pid}`] as const;
  /** The same global and link-local address in both, on a device of that name in each (as two tenants' DHCP ports). */
  const GLOBAL = 'fd00:53::1';
  const LINK_LOCAL = 'fe80::53';
  const DEVICE = 'lhdns6';
  const CLIENT_DEVICE = 'lhdns6c';
  let upstream: FakeUpstream;
  let handle: DnsCacheHandle;
  const at = (address: string) => ({ address, port: handle.addresses[0]!.port });

  beforeAll(async () => {
    for (const [i, ns] of namespaces.entries()) {
      const client = clients[i]!;
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['netns', 'add', client]);
      await run('ip', ['-n', ns, 'link', 'add', DEVICE, 'type', 'veth', 'peer', 'name', CLIENT_DEVICE, 'netns', client]);
      await run('ip', ['-n', ns, 'link', 'set', DEVICE, 'up']);
      await run('ip', ['-n', client, 'link', 'set', CLIENT_DEVICE, 'up']);
      // Without duplicate address detection, as the agent adds its DHCP port's addresses: usable at once.
      for (const address of [`${GLOBAL}/64`, `${LINK_LOCAL}/64`]) await run('ip', ['-n', ns, 'addr', 'add', address, 'dev', DEVICE, 'nodad']);
      for (const address of ['fd00:53::2/64', 'fe80::2/64']) await run('ip', ['-n', client, 'addr', 'add', address, 'dev', CLIENT_DEVICE, 'nodad']);
    }
    upstream = await FakeUpstream.start('127.0.0.1', (q) =>
      q.questions[0]!.name === 'up.example' ? answer(q, [aRecord(q, '198.19.53.80')]) : answer(q, [], { rcode: 3 }),
    );
    handle = await startDnsCache(
      { noResolv: true, noHosts: true, servers: [upstream.server], cacheSize: 100 },
      { listenPort: 0, namespaced: namespaces.flatMap((netns) => [GLOBAL, LINK_LOCAL].map((address) => ({ address, netns, ifname: DEVICE }))) },
    );
    handle.setLocalViews([
      { addresses: [`${GLOBAL}@${namespaces[0]}`, `${LINK_LOCAL}@${namespaces[0]}`], records: { 'vm1.a.example': ['fd00:53::10'] } },
      { addresses: [`${GLOBAL}@${namespaces[1]}`, `${LINK_LOCAL}@${namespaces[1]}`], records: { 'vm2.b.example': ['fd00:53::10'] } },
    ]);
  });
  afterAll(async () => {
    await handle?.stop();
    await upstream?.stop();
    for (const ns of [...namespaces, ...clients]) await run('ip', ['netns', 'del', ns]).catch(() => {});
  });

  test("each namespace's client gets its own view's AAAA and PTR and NXDOMAIN for the other's, over UDP and TCP, on the global address and on the link-local one (answered through the device)", async () => {
    expect(handle.addresses.map((a) => [a.address, a.netns, a.udp])).toStrictEqual(namespaces.flatMap((ns) => [GLOBAL, LINK_LOCAL].map((address) => [address, ns, 'batched'])));
    const [a, b] = clients;
    for (const server of [at(GLOBAL), at(`${LINK_LOCAL}%${CLIENT_DEVICE}`)]) {
      for (const transport of [[], ['+tcp']]) {
        expect((await dig(server, [...transport, 'AAAA', 'vm1.a.example'], a)).answers.map((r) => r.data)).toStrictEqual(['fd00:53::10']);
        expect((await dig(server, [...transport, 'AAAA', 'vm2.b.example'], a)).status).toBe('NXDOMAIN');
        expect((await dig(server, [...transport, 'AAAA', 'vm2.b.example'], b)).answers.map((r) => r.data)).toStrictEqual(['fd00:53::10']);
        expect((await dig(server, [...transport, 'AAAA', 'vm1.a.example'], b)).status).toBe('NXDOMAIN');
      }
    }
    expect((await dig(at(GLOBAL), ['-x', 'fd00:53::10'], a)).answers.map((r) => r.data)).toStrictEqual(['vm1.a.example.']);
    expect((await dig(at(GLOBAL), ['-x', 'fd00:53::10'], b)).answers.map((r) => r.data)).toStrictEqual(['vm2.b.example.']);
  });

  test('an upstream name asked again over IPv6 is answered by the addon from its hot table, without asking upstream', async () => {
    const before = { upstream: upstream.udpQueries, hot: handle.stats().hotHits };
    for (const _ of [1, 2, 3]) expect((await dig(at(GLOBAL), ['+nocookie', 'up.example'], clients[0])).answers.map((r) => r.data)).toStrictEqual(['198.19.53.80']);
    expect(upstream.udpQueries).toBe(before.upstream + 1);
    // The second answer came from the cache in JS (and went into the hot table), the third from the addon (a query without EDNS options: no cookie).
    expect(handle.stats().hotHits).toBeGreaterThan(before.hot);
  });

  test('an IPv6 address in a namespace without its device is a ListenError, not a crash', async () => {
    await expect(startDnsCache({ noResolv: true, noHosts: true }, { listenPort: 0, namespaced: [{ address: GLOBAL, netns: namespaces[0] }] })).rejects.toThrow(/an IPv6 address and its device/);
    await expect(startDnsCache({ noResolv: true, noHosts: true }, { listenPort: 0, namespaced: [{ address: GLOBAL, netns: namespaces[0], ifname: 'lhdns6-none' }] })).rejects.toThrow(
      /cannot listen on udp fd00:53::1@lhdns6-a-\d+#0 \(lhdns6-none\): if_nametoindex/,
    );
  });
});
