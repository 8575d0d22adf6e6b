/**
 * The agent's DNS for networks served in their own namespaces (VXLAN,
 * qdhcp-<network>): two namespaces made here hold the same DHCP port
 * address; each network's names are answered inside its own namespace only
 * (dig run there), log-queries names the network a query came in on, and a
 * namespace made anew under an unchanged set of addresses is listened in
 * again when the reconcile says it was renewed. Root (ip netns) and the
 * dns-cache addon, as the agent's other namespace tests.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseIpv4 as v4 } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { agentDns } from './agent-dns.js';

const run = promisify(execFile);
const SAME = '198.18.54.2';

describe("the agent's DNS in networks' own namespaces", () => {
  const ns = { a: `lhq-dns-a-${process.pid}`, b: `lhq-dns-b-${process.pid}` };
  const makeNamespace = async (name: string) => {
    await run('ip', ['netns', 'add', name]);
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', name, 'addr', 'add', `${SAME}/32`, 'dev', 'lo']);
  };
  const dig = async (netns: string, name: string) => {
    const out = await run('ip', ['netns', 'exec', netns, 'dig', `@${SAME}`, '+tries=1', '+time=1', '+noall', '+comments', '+answer', name, 'A']).then(
      (r) => r.stdout,
      () => '',
    );
    return { status: /status: (\w+)/.exec(out)?.[1], answers: out.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).at(-1)) };
  };
  const logged: { message: string; network: unknown }[] = [];
  const dns = agentDns({ enabled: true, port: 53, cache: { noResolv: true, servers: [], domainServers: [{ domain: 'example', server: 'local' }] } }, () => {}, {
    networks: true,
    sink: (message, fields) => logged.push({ message, network: fields.tx.network }),
    nameOf: (id) => `net-${id}`,
  });
  const networks = new Map([
    ['a', [v4(SAME)]],
    ['b', [v4(SAME)]],
  ]);
  const namespaces = new Map(Object.entries(ns));

  beforeAll(async () => {
    for (const name of Object.values(ns)) await makeNamespace(name);
  });
  afterAll(async () => {
    await dns.stop();
    for (const name of Object.values(ns)) await run('ip', ['netns', 'del', name]).catch(() => {});
  });

  test("each network's names are answered in its own namespace at the address both use, the other's NXDOMAIN; the query log names the network", async () => {
    await dns.listenOn(networks, namespaces);
    dns.setRecords(new Map([['a', new Map([['vm1.a.example', [v4('198.18.54.10')]]])], ['b', new Map([['vm2.b.example', [v4('198.18.54.10')]]])]]));
    expect(dns.addresses().map((l) => `${l.address}@${l.netns}`)).toStrictEqual([`${SAME}@${ns.a}`, `${SAME}@${ns.b}`]);
    expect(await dig(ns.a, 'vm1.a.example')).toStrictEqual({ status: 'NOERROR', answers: ['198.18.54.10'] });
    expect(await dig(ns.a, 'vm2.b.example')).toStrictEqual({ status: 'NXDOMAIN', answers: [] });
    expect(await dig(ns.b, 'vm2.b.example')).toStrictEqual({ status: 'NOERROR', answers: ['198.18.54.10'] });
    expect(await dig(ns.b, 'vm1.a.example')).toStrictEqual({ status: 'NXDOMAIN', answers: [] });
    expect(logged).toContainEqual({ message: 'config vm2.b.example is 198.18.54.10', network: 'net-b' });
    expect(logged).not.toContainEqual({ message: 'config vm2.b.example is 198.18.54.10', network: 'net-a' });
  });

  test('a namespace made anew is listened in again when the reconcile says so (sockets stay in the namespace they were made in)', async () => {
    await dns.listenOn(networks, namespaces);
    await run('ip', ['netns', 'del', ns.a]);
    await makeNamespace(ns.a);
    // The same addresses and namespace names: the old socket is in the namespace that went.
    await dns.listenOn(networks, namespaces);
    expect((await dig(ns.a, 'vm1.a.example')).status).toBeUndefined();
    await dns.listenOn(networks, namespaces, new Set(['a']));
    expect(await dig(ns.a, 'vm1.a.example')).toStrictEqual({ status: 'NOERROR', answers: ['198.18.54.10'] });
    expect(await dig(ns.b, 'vm2.b.example')).toStrictEqual({ status: 'NOERROR', answers: ['198.18.54.10'] });
  });
});
