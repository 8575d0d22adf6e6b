/**
 * `npm run soak [-- --minutes N]`: a bounded soak of the distributed layout.
 * A 3-node JetStream cluster (R3) and `leasehold api`, `scheduler` and
 * `dhcp-agent` as separate processes (harness/src/faults/system.ts); the DHCP
 * load generator as a relay in its own namespace (clients ramp up, then each
 * renews every SOAK_RENEW_S seconds, and a share of them reboot and run DORA
 * again instead, so the DHCP rate is steady and the lease table stays the
 * same size); dnsperf at a fixed low rate against the agent's embedded DNS,
 * asking for the clients' names. Every minute it prints events/s on the
 * journal, ACKs/s, p99 DORA and renewal latency, DNS answers/s, and the RSS
 * of the agent, the API and each nats-server; at the end the RSS slope over
 * the second half (memory must stay flat), the journal check (every ACK has
 * its event, no address bound twice) and a verdict. RSS counts the young
 * generation's pages as V8 grows it (up to 2 × 64 MiB here) as well as what
 * is retained, so the slope of the old space in use (from each process's
 * /metrics) is printed beside it: a leak shows there. Needs root.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { cidrHostRange, formatIpv4, parseCidr } from '@leasehold/protocol';
import { ip } from '@leasehold/agent/testing';
import { doubleBindings, quantile, unjournaledAcks } from '../faults/checks.js';
import { startLoad } from '../faults/loadgen-process.js';
import { leaseFacts, metricValue, scrape, startFaultSystem, waitUntil } from '../faults/system.js';
import { createFaultTopology } from '../faults/topology.js';
import { machineLine } from '../bench/harness.js';
import { rssBytes, slope } from './soak-stats.js';
import { retrying } from '@leasehold/journal/testing';

const args = process.argv.slice(2);
const minutesArg = args.indexOf('--minutes');
const MINUTES = Number(minutesArg >= 0 ? args[minutesArg + 1] : (process.env.SOAK_MINUTES ?? 10));
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 1500);
const RAMP_RATE = Number(process.env.SOAK_RAMP_RATE ?? 50);
const RENEW_S = Number(process.env.SOAK_RENEW_S ?? 15);
const REBOOT_SHARE = Number(process.env.SOAK_REBOOT_SHARE ?? 0.5);
const DNS_QPS = Number(process.env.SOAK_DNS_QPS ?? 100);
const SAMPLE_MS = 10_000;
const oldOfAgent = (x: { agentOld?: number }) => x.agentOld;
const oldOfApi = (x: { apiOld?: number }) => x.apiOld;
if (!(MINUTES > 0 && MINUTES <= 24 * 60)) throw new RangeError('--minutes wants a number of minutes, at most a day');
if (process.getuid?.() !== 0) {
  console.error('npm run soak needs root (network namespaces); run it with sudo');
  process.exit(1);
}

const topo = await createFaultTopology(1);
const sys = await startFaultSystem({ agents: [['--interface-mappings', `soak:${topo.hostIfs[0]}`]], schedulers: 1, agentsPerNetwork: 1, reportIntervalS: 10, agentDownTimeS: 30 });
const work = mkdtempSync(join(tmpdir(), 'lh-soak-'));
const children: { kill(): void }[] = [];
const cleanUp = async () => {
  for (const c of children) c.kill();
  await sys.stop().catch(() => {});
  await topo.remove().catch(() => {});
  rmSync(work, { recursive: true, force: true });
};
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

try {
  console.log(machineLine(`soak ${MINUTES} min: ${CLIENTS} clients (ramp ${RAMP_RATE}/s), each renewing every ${RENEW_S} s (${REBOOT_SHARE * 100}% reboot and run DORA instead), DNS ${DNS_QPS} q/s`));
  const network = await sys.client.networks.create({ name: 'soak', 'provider:physical_network': 'soak', dns_domain: 'soak.example.' });
  const hosts = cidrHostRange(parseCidr(topo.clientCidr));
  await sys.client.subnets.create({
    network_id: network.id,
    cidr: topo.clientCidr,
    gateway_ip: topo.giaddr,
    allocation_pools: [{ start: formatIpv4(hosts.first + 1), end: formatIpv4(hosts.first + 30) }],
    dynamic_pools: [{ start: formatIpv4(hosts.first + 64), end: formatIpv4(hosts.last) }],
    lease_duration: 3600,
  });
  const [agentId] = sys.agents;
  await waitUntil(async () => (await sys.client.request<{ agents: { id: string }[] }>('bindings.agents-on-network', { network_id: network.id })).agents.length, (n) => n === 1, 30_000, 'the network bound');
  // The agent's DHCP port address on the mapped interface: its DNS listens there, and the relay routes to it.
  const dhcpPort = await waitUntil(
    async () => (await sys.client.request<{ ports: { device_owner: string; fixed_ips: { ip_address: string }[] }[] }>('ports.list', { network_id: network.id })).ports.find((p) => p.device_owner === 'network:dhcp'),
    (p) => p !== undefined,
    30_000,
    'the agent\'s DHCP port',
  );
  const dnsServer = dhcpPort!.fixed_ips[0]!.ip_address;
  await ip('-n', topo.ns, 'route', 'add', topo.clientCidr, 'via', topo.servers[0]!);

  const load = await startLoad(topo.ns, {
    servers: topo.servers,
    giaddr: topo.giaddr,
    rate: RAMP_RATE,
    maxClients: CLIENTS,
    macPrefix: [0x02, 0x5c, randomInt(256)],
    renewAfterMs: RENEW_S * 1000,
    rebootShare: REBOOT_SHARE,
    hostnamePrefix: 'lg',
    durationMs: (MINUTES * 60 + 120) * 1000,
  });
  children.push({ kill: () => void load.stop() });
  await load.until((l) => l.acks.length > 0, 60_000, 'a first ACK');

  // dnsperf in the relay namespace, at a fixed rate, for the clients' names (answered from the agent's records).
  const queries = join(work, 'queries');
  writeFileSync(queries, Array.from({ length: CLIENTS }, (_, i) => `lg${i}.soak.example A`).join('\n') + '\n');
  const dnsperf = spawn('ip', ['netns', 'exec', topo.ns, 'dnsperf', '-s', dnsServer, '-d', queries, '-Q', String(DNS_QPS), '-l', String(MINUTES * 60), '-t', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let dnsperfOut = '';
  dnsperf.stdout.setEncoding('utf8').on('data', (s: string) => (dnsperfOut += s));
  children.push({ kill: () => dnsperf.kill('SIGKILL') });

  const agentProc = sys.procs.get(agentId!)!;
  const apiProc = sys.procs.get('api')!;
  const pids = () => ({
    agent: agentProc.child()!.pid!,
    api: apiProc.child()!.pid!,
    nats: sys.cluster.nodes.map((n) => n.server()!.pid),
  });
  const samples: { at: number; agent: number; api: number; nats: number[]; agentOld?: number; apiOld?: number }[] = [];
  const OLD_SPACE = 'leasehold_nodejs_heap_space_size_used_bytes{space="old"}';
  const oldSpace = async (port: number | undefined) => (port === undefined ? undefined : metricValue(await scrape(port).catch(() => ''), OLD_SPACE));
  const t0 = Date.now();
  const lastSeq = async () => (await retrying(() => sys.journal.jsm.streams.info(sys.journal.layout.stream))).state.last_seq;
  const dnsQueries = async () => metricValue(await scrape(agentProc.metricsPort!), 'leasehold_dns_queries_total') ?? 0;
  let prev = { at: t0, seq: await lastSeq(), acks: load.acks.length, dns: await dnsQueries() };
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log('');
  console.log('minute  events/s  ACKs/s  DORA p99  renew p99  DNS q/s   agent RSS  api RSS  nats RSS (each node)');
  const rows: string[] = [];
  for (let minute = 1; minute <= MINUTES; minute++) {
    while (Date.now() < t0 + minute * 60_000) {
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, t0 + minute * 60_000 - Date.now())));
      const p = pids();
      const [agentOld, apiOld] = await Promise.all([oldSpace(agentProc.metricsPort), oldSpace(apiProc.metricsPort)]);
      samples.push({ at: Date.now(), agent: rssBytes(p.agent), api: rssBytes(p.api), nats: p.nats.map(rssBytes), ...(agentOld !== undefined ? { agentOld } : {}), ...(apiOld !== undefined ? { apiOld } : {}) });
    }
    const now = { at: Date.now(), seq: await lastSeq(), acks: load.acks.length, dns: await dnsQueries() };
    const secs = (now.at - prev.at) / 1000;
    const window = load.acks.slice(prev.acks, now.acks);
    const dora = quantile(window.filter((a) => a.kind === 'bind').map((a) => a.latencyMs), 0.99);
    const renew = quantile(window.filter((a) => a.kind === 'renew').map((a) => a.latencyMs), 0.99);
    const s = samples.at(-1)!;
    const row = [
      String(minute).padStart(6),
      ((now.seq - prev.seq) / secs).toFixed(0).padStart(9),
      ((now.acks - prev.acks) / secs).toFixed(0).padStart(7),
      `${dora ?? '-'} ms`.padStart(9),
      `${renew ?? '-'} ms`.padStart(10),
      ((now.dns - prev.dns) / secs).toFixed(0).padStart(8),
      `${mb(s.agent)} MB`.padStart(11),
      `${mb(s.api)} MB`.padStart(8),
      `  ${s.nats.map((n) => `${mb(n)}`).join(' / ')} MB`,
    ].join(' ');
    rows.push(row);
    console.log(row);
    prev = now;
  }

  await load.quiesce();
  const stats = await load.stats();
  await load.stop();
  dnsperf.kill('SIGINT');
  const facts = await retrying(() => leaseFacts(sys.journal, network.id));
  const lost = unjournaledAcks(load.acks, facts);
  const doubles = doubleBindings(facts);
  const half = samples.filter((x) => x.at >= t0 + (MINUTES * 60_000) / 2);
  const perMin = (pick: (x: (typeof samples)[number]) => number) => slope(half.map((x) => [(x.at - t0) / 60_000, pick(x) / 2 ** 20]));
  const agentSlope = perMin((x) => x.agent);
  const apiSlope = perMin((x) => x.api);
  const natsSlope = perMin((x) => Math.max(...x.nats));
  const dnsLine = /Queries completed:.*|Queries lost:.*/g;
  console.log('');
  console.log(`generator: ${stats.started} clients, ${stats.acks} ACKs, ${stats.naks} NAKs, ${stats.retransmits} retransmissions, ${stats.restarts} restarted exchanges`);
  console.log(`journal: ${facts.length} lease events on the network; ACKs without an event: ${lost.length}; addresses bound twice: ${doubles.length}`);
  console.log(`dnsperf: ${(dnsperfOut.match(dnsLine) ?? ['(no summary)']).map((l) => l.trim()).join('; ')}`);
  console.log(`RSS slope over the second half: agent ${agentSlope.toFixed(2)} MB/min, api ${apiSlope.toFixed(2)} MB/min, largest nats-server ${natsSlope.toFixed(2)} MB/min`);
  const oldSlope = (pick: (x: (typeof samples)[number]) => number | undefined) =>
    slope(half.flatMap((x) => (pick(x) === undefined ? [] : [[(x.at - t0) / 60_000, pick(x)! / 2 ** 20] as const])));
  const lastOld = (pick: (x: (typeof samples)[number]) => number | undefined) => mb(samples.map(pick).findLast((v) => v !== undefined) ?? 0);
  console.log(`V8 old space in use, slope over the second half: agent ${oldSlope(oldOfAgent).toFixed(2)} MB/min (now ${lastOld(oldOfAgent)} MB), api ${oldSlope(oldOfApi).toFixed(2)} MB/min (now ${lastOld(oldOfApi)} MB)`);
  const flat = Math.abs(agentSlope) < 1 && Math.abs(apiSlope) < 1 && Math.abs(natsSlope) < 2;
  const ok = flat && lost.length === 0 && doubles.length === 0 && stats.naks === 0;
  console.log(`verdict: ${ok ? 'PASS' : 'FAIL'} (memory ${flat ? 'flat' : 'growing'}, ${lost.length === 0 ? 'no ACK lost' : `${lost.length} ACKs lost`}, ${doubles.length === 0 ? 'no address bound twice' : `${doubles.length} double bindings`}, ${stats.naks} NAKs)`);
  process.exitCode = ok ? 0 : 1;
} finally {
  await cleanUp();
}

