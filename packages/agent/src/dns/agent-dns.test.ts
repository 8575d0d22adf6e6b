/**
 * The agent's DNS keeps one view per network: the views it builds (pure),
 * then a real cache on two loopback addresses, one per network, asked with
 * the real `dig`.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { parseIpv4 as v4 } from '@leasehold/protocol';
import { afterAll, describe, expect, test } from 'vitest';
import { agentDns, networkViews } from './agent-dns.js';

const run = promisify(execFile);

describe('views of the served networks', () => {
  test('each network with addresses gets one view of its own names; one without names yet gets an empty view', () => {
    const { views, ambiguous } = networkViews(
      new Map([
        ['a', ['198.18.1.2', '198.18.11.2']],
        ['b', ['198.18.2.2']],
        ['c', []],
      ]),
      new Map([['a', new Map([['vm1.a.example', ['198.18.1.10']]])]]),
    );
    expect(views).toStrictEqual([
      { addresses: ['198.18.1.2', '198.18.11.2'], records: new Map([['vm1.a.example', ['198.18.1.10']]]) },
      { addresses: ['198.18.2.2'], records: new Map() },
    ]);
    expect(ambiguous).toStrictEqual([]);
  });

  test('an address two networks claim belongs to neither and is reported; their other addresses keep their views', () => {
    const { views, ambiguous } = networkViews(
      new Map([
        ['a', ['198.18.5.2', '198.18.6.2']],
        ['b', ['198.18.5.2']],
      ]),
      new Map(),
    );
    expect(views).toStrictEqual([{ addresses: ['198.18.6.2'], records: new Map() }]);
    expect(ambiguous).toStrictEqual(['198.18.5.2']);
  });
});

/** A port free for UDP and TCP on both addresses right now. */
async function freePort(addresses: string[]): Promise<number> {
  for (;;) {
    const udp = createSocket('udp4');
    const port = await new Promise<number>((resolve) => udp.bind(0, addresses[0], () => resolve(udp.address().port)));
    udp.close();
    const free = await Promise.all(
      addresses.map(
        (address) =>
          new Promise<boolean>((resolve) => {
            const tcp = createServer();
            tcp.once('error', () => resolve(false));
            tcp.listen(port, address, () => tcp.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
}

describe("the agent's DNS with two networks", () => {
  const lines: string[] = [];
  let dns: ReturnType<typeof agentDns> | undefined;
  afterAll(() => dns?.stop());

  test("a query on one network's address is answered with that network's names only, and a shared address is refused", async () => {
    const port = await freePort(['127.0.0.2', '127.0.0.3']);
    // No upstream: a name that is not the view's own gets no answer from anyone else's view (SERVFAIL, not a leak).
    dns = agentDns({ enabled: true, port, cache: { noResolv: true, servers: [] } }, (line) => lines.push(line));
    const dig = async (address: string, name: string) => {
      const { stdout } = await run('dig', [`@${address}`, '-p', String(port), '+tries=1', '+time=2', '+noall', '+comments', '+answer', name, 'A']);
      return { status: /status: (\w+)/.exec(stdout)?.[1], answers: stdout.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).at(-1)) };
    };
    await dns.listenOn(new Map([['a', [v4('127.0.0.2')]], ['b', [v4('127.0.0.3')]]]));
    dns.setRecords(new Map([['a', new Map([['vm1.a.example', [v4('198.18.1.10')]]])], ['b', new Map([['vm2.b.example', [v4('198.18.2.10')]]])]]));
    expect(await dig('127.0.0.2', 'vm1.a.example')).toStrictEqual({ status: 'NOERROR', answers: ['198.18.1.10'] });
    expect(await dig('127.0.0.3', 'vm2.b.example')).toStrictEqual({ status: 'NOERROR', answers: ['198.18.2.10'] });
    expect((await dig('127.0.0.3', 'vm1.a.example')).answers).toStrictEqual([]);
    expect((await dig('127.0.0.2', 'vm2.b.example')).answers).toStrictEqual([]);
    // Nor the agent host's own names from /etc/hosts (which has localhost at least), as Neutron's dnsmasq --no-hosts.
    expect((await dig('127.0.0.2', 'localhost')).answers).toStrictEqual([]);

    // Network b now claims a's address too (the same listen addresses: the listeners stay, the views change).
    await dns.listenOn(new Map([['a', [v4('127.0.0.2')]], ['b', [v4('127.0.0.3'), v4('127.0.0.2')]]]));
    expect(await dig('127.0.0.2', 'vm1.a.example')).toStrictEqual({ status: 'REFUSED', answers: [] });
    expect(await dig('127.0.0.3', 'vm2.b.example')).toStrictEqual({ status: 'NOERROR', answers: ['198.18.2.10'] });
    expect(lines).toContain("dns: 127.0.0.2 claimed by more than one network: no network's names are answered there (REFUSED)");
  });
});

describe("the agent's DNS with a dual-stack port", () => {
  let dns: ReturnType<typeof agentDns> | undefined;
  afterAll(() => dns?.stop());

  test('answers AAAA for the IPv6 address and PTR under ip6.arpa, on its network\'s address only, beside the A record', async () => {
    const port = await freePort(['127.0.0.2', '127.0.0.3']);
    dns = agentDns({ enabled: true, port, cache: { noResolv: true, servers: [] } }, () => {});
    const dig = async (address: string, ...query: string[]) => {
      const { stdout } = await run('dig', [`@${address}`, '-p', String(port), '+tries=1', '+time=2', '+short', ...query]);
      return stdout.trim().split('\n').filter(Boolean);
    };
    await dns.listenOn(new Map([['a', [v4('127.0.0.2')]], ['b', [v4('127.0.0.3')]]]));
    dns.setRecords(new Map([['a', new Map([['vm1.a.example', [v4('198.18.1.10'), '2001:db8:1:0:f816:3eff:fe00:1']]])], ['b', new Map()]]));
    expect(await dig('127.0.0.2', 'vm1.a.example', 'AAAA')).toStrictEqual(['2001:db8:1:0:f816:3eff:fe00:1']);
    expect(await dig('127.0.0.2', 'vm1.a.example', 'A')).toStrictEqual(['198.18.1.10']);
    expect(await dig('127.0.0.2', '-x', '2001:db8:1:0:f816:3eff:fe00:1')).toStrictEqual(['vm1.a.example.']);
    expect(await dig('127.0.0.3', 'vm1.a.example', 'AAAA')).toStrictEqual([]);
    expect(await dig('127.0.0.3', '-x', '2001:db8:1:0:f816:3eff:fe00:1')).toStrictEqual([]);
  });
});

describe("the agent's log-queries", () => {
  let dns: ReturnType<typeof agentDns> | undefined;
  afterAll(() => dns?.stop());

  test('switched on for one network (by name), only queries on its addresses are logged, with the network named', async () => {
    const port = await freePort(['127.0.0.2', '127.0.0.3']);
    const logged: { message: string; network: unknown }[] = [];
    const names: Record<string, string> = { a: 'net-a', b: 'net-b' };
    dns = agentDns({ enabled: true, port, cache: { noResolv: true, servers: [] } }, () => {}, {
      networks: ['net-a'],
      sink: (message, fields) => logged.push({ message, network: fields.tx.network }),
      nameOf: (id) => names[id],
    });
    await dns.listenOn(new Map([['a', [v4('127.0.0.2')]], ['b', [v4('127.0.0.3')]]]));
    dns.setRecords(new Map([['a', new Map([['vm1.a.example', [v4('198.18.1.10')]]])], ['b', new Map([['vm2.b.example', [v4('198.18.2.10')]]])]]));
    await run('dig', ['@127.0.0.3', '-p', String(port), '+tries=1', '+time=2', 'vm2.b.example', 'A']);
    await run('dig', ['@127.0.0.2', '-p', String(port), '+tries=1', '+time=2', 'vm1.a.example', 'A']);
    expect(logged).toStrictEqual([
      { message: 'query[A] vm1.a.example from 127.0.0.1', network: 'net-a' },
      { message: 'config vm1.a.example is 198.18.1.10', network: 'net-a' },
    ]);
  });
});
