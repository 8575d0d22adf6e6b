/**
 * The bench's wire: two fresh network namespaces joined by a veth pair, the
 * server end in one (where the agent, dnsmasq and Kea take turns), the client
 * end in the other (where perfdhcp runs). Nothing is on the host's own
 * namespace, so the /16 the servers hand out cannot clash with anything
 * there, and no other test's interface sees the traffic. With `ipv6`
 * (bench:dhcp6) the namespaces skip duplicate address detection, so the
 * veth ends' link-local addresses, all DHCPv6 on the link needs, are usable
 * the moment the link is up. `remove()` kills
 * whatever still runs in either namespace and deletes both.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BenchTopology extends AsyncDisposable {
  readonly serverNs: string;
  readonly clientNs: string;
  /** The server end's interface (inside `serverNs`). */
  readonly serverIf: string;
  readonly clientIf: string;
  /** The server end's own address: where perfdhcp sends (it acts as a relay, giaddr = clientIp). */
  readonly serverIp: string;
  readonly clientIp: string;
  readonly prefix: number;
  remove(): Promise<void>;
}

/** The kernel's UDP counters (the `Udp:` lines of /proc/net/snmp) by name; empty when absent. Pure. */
export function parseUdpCounters(snmp: string): Record<string, number> {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp: '));
  const [names, values] = [lines[0]?.split(/\s+/).slice(1) ?? [], lines[1]?.split(/\s+/).slice(1) ?? []];
  return Object.fromEntries(names.map((n, i) => [n, Number(values[i])]).filter(([, v]) => Number.isFinite(v)));
}

/** The kernel's UDP-over-IPv6 counters (the `Udp6*` lines of /proc/net/snmp6) by name without the prefix, as parseUdpCounters names them. Pure. */
export function parseUdp6Counters(snmp6: string): Record<string, number> {
  const pairs = snmp6.split('\n').map((l) => l.trim().split(/\s+/)).filter(([name, value]) => name?.startsWith('Udp6') && Number.isFinite(Number(value)));
  return Object.fromEntries(pairs.map(([name, value]) => [name!.slice('Udp6'.length), Number(value)]));
}

/** A namespace's UDP (family 6: UDP over IPv6) counters now: RcvbufErrors counts datagrams dropped because a socket's receive buffer was full. */
export async function udpCounters(ns: string, family: 4 | 6 = 4): Promise<Record<string, number>> {
  if (family === 6) return parseUdp6Counters((await run('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp6'])).stdout);
  return parseUdpCounters((await run('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp'])).stdout);
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

async function killAll(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]).then((r) => r.stdout.split(/\s+/).filter(Boolean)).catch(() => []);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Creates the two namespaces and the veth pair; addresses from 198.18.0.0/15 (RFC 2544's benchmarking range). */
export async function createBenchTopology(options: { serverIp?: string; clientIp?: string; prefix?: number; ipv6?: boolean } = {}): Promise<BenchTopology> {
  const tag = randomBytes(3).toString('hex');
  const serverNs = `lhbench-s-${tag}`;
  const clientNs = `lhbench-c-${tag}`;
  const serverIf = `lhb${tag}s`;
  const clientIf = `lhb${tag}c`;
  const serverIp = options.serverIp ?? '198.18.0.1';
  const clientIp = options.clientIp ?? '198.18.0.2';
  const prefix = options.prefix ?? 16;
  const remove = async () => {
    for (const ns of [serverNs, clientNs]) {
      await killAll(ns);
      await ip('netns', 'del', ns).catch(() => {});
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
  };
  try {
    for (const ns of [serverNs, clientNs]) {
      await ip('netns', 'add', ns);
      // `ip netns exec` mounts this over /etc/resolv.conf: nothing run inside can touch the host's.
      mkdirSync(`/etc/netns/${ns}`, { recursive: true });
      writeFileSync(`/etc/netns/${ns}/resolv.conf`, '');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      // Before the veth end arrives: it takes the namespace's defaults, so its link-local address is never tentative.
      if (options.ipv6) await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0']);
    }
    await ip('link', 'add', serverIf, 'netns', serverNs, 'type', 'veth', 'peer', 'name', clientIf, 'netns', clientNs);
    await ip('-n', serverNs, 'addr', 'add', `${serverIp}/${prefix}`, 'dev', serverIf);
    await ip('-n', clientNs, 'addr', 'add', `${clientIp}/${prefix}`, 'dev', clientIf);
    await ip('-n', serverNs, 'link', 'set', serverIf, 'up');
    await ip('-n', clientNs, 'link', 'set', clientIf, 'up');
  } catch (error) {
    await remove();
    throw error;
  }
  return { serverNs, clientNs, serverIf, clientIf, serverIp, clientIp, prefix, remove, [Symbol.asyncDispose]: remove };
}
