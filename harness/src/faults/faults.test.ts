/**
 * Faults under DHCP load, against real processes: a 3-node JetStream
 * cluster (R3), `leasehold api`, two schedulers and two agents
 * (agents_per_network 2) as children, and the load generator as a relay in
 * front of both agents, starting 15 new clients a second and renewing each
 * 15 s after its ACK. In turn: SIGKILL the stream leader's nats-server, an
 * agent, a scheduler, then every process and every node at once (started
 * again on the same stores). After each: every ACK a client got has its
 * LeaseBound/LeaseRenewed in the journal, no address was ever bound to two
 * clients, what clients hold is bound in the journal and in the API's read
 * model, and service resumes. Each fault waits until the previous one's
 * backlog of requests is answered. At the end, with the load quiesced, every
 * client renews and keeps its address (the surviving agents' tables knew
 * each lease: the journal shows LeaseRenewed), and each agent's lease count
 * and the API's bound set equal the journal's fold. Printed per fault, over
 * its window (a second before it to the end of its checks): the longest
 * interval in which no client got an ACK, the longest any one request open
 * at or after the fault waited for its answer (retransmissions and
 * exchanges started over included, or still waiting), the ACKs in the
 * window and the journal check. All the while, every process snapshots its
 * state every 2 s, so every restart starts from a snapshot, and the
 * schedulers compact the journal every 2 s (20 s of history kept; on this
 * replicated journal by deleting events one by one, never by a purge: see
 * docs/design/history.md); the checks read the lease events from a recorder
 * that follows the stream as they are written.
 */
import { randomInt } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { cidrHostRange, formatIpv4, parseCidr } from '@leasehold/protocol';
import { waitForJetStream } from '@leasehold/journal';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { boundAtEnd, clientHoldings, doubleBindings, longestSilence, longestWait, requestWaits, sharedAddresses, unjournaledAcks } from './checks.js';
import { DEFAULT_RETRY_MS } from './loadgen.js';
import { startLoad, type RunningLoad } from './loadgen-process.js';
import { metricValue, recordLeaseFacts, scrape, startFaultSystem, waitUntil, type FaultSystem, type LeaseRecorder } from './system.js';
import { createFaultTopology, type FaultTopology } from './topology.js';
import { retrying } from '@leasehold/journal/testing';

const REPORT_S = 0.5;
const DOWN_S = 3;
const RATE = 15;
/** Each fault's window starts this long before it, so that the silence around the fault's instant is seen whole. */
const LEAD_MS = 1000;

/** What verify() found in the journal: the ACKs checked, the lease events, and the two counts that must be 0. */
interface JournalCheck {
  readonly acks: number;
  readonly events: number;
  readonly unjournaled: number;
  readonly doubles: number;
}

interface Fault {
  readonly fault: string;
  readonly at: number;
  /** When its checks ended: the end of its window. */
  end?: number;
  check?: JournalCheck;
}

let topo: FaultTopology;
let sys: FaultSystem;
let load: RunningLoad;
let networkId: string;
/** The network's lease events as written: the system compacts its journal during the test. */
let recorder: LeaseRecorder;
const faults: Fault[] = [];
/** How long the API's read model took to show every held lease, at each check. */
const apiCatchUp: number[] = [];

const agentsOnNetwork = async () =>
  (await sys.client.request<{ agents: { id: string }[] }>('bindings.agents-on-network', { network_id: networkId })).agents.map((a) => a.id).sort();

/** Lease view of the API: address → MAC of every bound lease of the network. */
async function apiBound(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let marker: string | undefined;
  do {
    const page = await sys.client.request<{ leases: { ip_address: string; mac_address: string }[]; next_marker?: string }>('leases.list', {
      network_id: networkId,
      state: 'bound',
      limit: 10_000,
      ...(marker ? { marker } : {}),
    });
    for (const l of page.leases) out.set(l.ip_address, l.mac_address);
    marker = page.next_marker;
  } while (marker);
  return out;
}

/** The laws that must hold after any fault; returns what the journal binds now and what the check counted. */
async function verify(): Promise<{ bound: Map<string, string>; check: JournalCheck }> {
  const acks = [...load.acks];
  const naks = [...load.naks];
  const facts = await recorder.facts();
  const unjournaled = unjournaledAcks(acks, facts);
  const doubles = doubleBindings(facts);
  const check = { acks: acks.length, events: facts.length, unjournaled: unjournaled.length, doubles: doubles.length };
  // The fault still open owns this check (the report shows it even if an expectation below fails).
  const open = faults.at(-1);
  if (open && open.end === undefined) open.check = check;
  expect(unjournaled, 'ACKs without a journaled lease event').toStrictEqual([]);
  if (doubles.length > 0) {
    // The evidence for whoever debugs it: each such address's events and the ACKs its clients got.
    const ips = new Set(doubles.map((d) => d.ip));
    console.log(JSON.stringify({ facts: facts.filter((f) => ips.has(f.ip)), acks: acks.filter((a) => ips.has(a.ip)) }, null, 1));
  }
  expect(doubles, 'addresses bound to two clients at once').toStrictEqual([]);
  const holdings = clientHoldings(acks, naks);
  expect(sharedAddresses(holdings), 'addresses two clients believe they hold').toStrictEqual([]);
  expect(naks.filter((n) => n.during === 'renew'), 'clients that lost their address on renewal').toStrictEqual([]);
  const bound = boundAtEnd(facts);
  const notBound = (view: Map<string, string>) => [...holdings].filter(([mac, ip]) => view.get(ip) !== mac).map(([mac, ip]) => `${mac} ${ip}`);
  expect(notBound(bound), 'held leases the journal does not bind').toStrictEqual([]);
  // The API's projection may be behind the journal read above: after a node dies, until its consumer is recreated.
  const from = Date.now();
  await expect.poll(async () => notBound(await apiBound()), { timeout: 90_000, interval: 250 }).toStrictEqual([]);
  apiCatchUp.push(Date.now() - from);
  return { bound, check };
}

/** The fault under test ends its window now (after its verify()). */
function endFault(): Fault {
  const fault = faults.at(-1)!;
  fault.end = Date.now();
  return fault;
}

/** The longest silence in a fault's window (up to now while it runs). */
const silenceOf = (fault: Fault) => longestSilence(load.acks.map((a) => a.at), fault.at - LEAD_MS, fault.end ?? Date.now());

/** One line per fault: silence, longest wait, ACKs in the window, journal check. */
function faultReport(): string {
  const now = Date.now();
  const waits = requestWaits(load.requests, load.acks, load.naks, now);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rel = (t: number, at: number) => `${t >= at ? '+' : ''}${((t - at) / 1000).toFixed(2)}`;
  const row = (cells: readonly string[]) =>
    [cells[0]!.padEnd(44), cells[1]!.padStart(8), cells[2]!.padEnd(32), cells[3]!.padEnd(36), cells[4]!.padStart(6), cells[5]].join('  ');
  const lines = faults.map((f) => {
    const from = f.at - LEAD_MS;
    const to = f.end ?? now;
    const silence = silenceOf(f);
    // Only requests the fault could delay: still open at its instant or begun after it (not those the lead second ended).
    const wait = longestWait(waits, f.at, to);
    const acks = load.acks.filter((a) => a.at >= from && a.at <= to).length;
    return row([
      f.fault,
      s(to - from),
      // Silent up to the end of a window its test never closed: still silent when the report was made.
      `${f.end === undefined && silence.end === to ? '>= ' : ''}${s(silence.ms)} (${rel(silence.start, f.at)} to ${rel(silence.end, f.at)} s)`,
      wait ? `${wait.answer === undefined ? '>= ' : ''}${s(wait.ms)} (${wait.kind} from ${rel(wait.start, f.at)} s, ${wait.answer ?? 'open'})` : '-',
      String(acks),
      f.check ? `${f.check.acks} ACKs so far: ${f.check.unjournaled} without event, ${f.check.doubles} bound twice` : 'not checked (the test failed first)',
    ]);
  });
  return [
    `per fault, over its window (from ${LEAD_MS} ms before it to the end of its checks; waits of requests open at or after the fault):`,
    row(['fault', 'window', 'no client got an ACK (vs fault)', 'longest wait of one request', 'ACKs', 'journal check']),
    ...lines,
  ].join('\n');
}

/**
 * Before a fault: waits (at most 30 s, never failing) until no request has
 * been open longer than a retransmission interval, so that the previous
 * fault's backlog is answered and each fault's waits are its own.
 */
async function settled(): Promise<void> {
  const stale = () => requestWaits(load.requests, load.acks, load.naks, Date.now()).filter((w) => w.answer === undefined && w.ms > DEFAULT_RETRY_MS);
  await load.until(() => stale().length === 0, 30_000, 'no request open longer than a retransmission interval').catch(() => {
    console.log(`the next fault starts with ${stale().length} requests open longer than ${DEFAULT_RETRY_MS} ms`);
  });
}

/** Waits for ACKs; on a timeout prints every process's log tail (what a failure needs) before failing. */
async function untilAcks(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  await load.until(predicate, timeoutMs, what).catch((error: unknown) => {
    console.log(sys.logs());
    throw error;
  });
}

const acksAfter = (at: number, server?: string) => load.acks.filter((a) => a.at > at && (server === undefined || a.server === server)).length;

beforeAll(async () => {
  topo = await createFaultTopology(2);
  sys = await startFaultSystem({
    agents: topo.hostIfs.map((ifname) => ['--relay-interfaces', ifname, '--no-configure-interfaces']),
    reportIntervalS: REPORT_S,
    agentDownTimeS: DOWN_S,
    agentsPerNetwork: 2,
    // Every process snapshots every 2 s, so each restart below starts from a snapshot, and the schedulers
    // compact the journal every 2 s down to 20 s of history (longer than any outage below, so the test's
    // recorder, which cannot tell a compacted event from one not written, never has to read behind it).
    env: {
      LEASEHOLD_HISTORY_SNAPSHOT_INTERVAL: '2',
      LEASEHOLD_HISTORY_SNAPSHOT_EVENTS: '200',
      LEASEHOLD_HISTORY_RETENTION: '20',
      LEASEHOLD_HISTORY_COMPACT_INTERVAL: '2',
    },
  });
  await waitUntil(async () => (await sys.client.request<{ agents: { alive: boolean }[] }>('agents.list')).agents.filter((a) => a.alive).length, (n) => n === 2, 15_000, 'two agents alive');
  const network = await sys.client.networks.create({ name: 'faults', 'provider:physical_network': 'faults-relay' });
  networkId = network.id;
  recorder = await recordLeaseFacts(sys.journal, networkId);
  const cidr = parseCidr(topo.clientCidr);
  const hosts = cidrHostRange(cidr);
  await sys.client.subnets.create({
    network_id: networkId,
    cidr: topo.clientCidr,
    gateway_ip: topo.giaddr,
    allocation_pools: [{ start: formatIpv4(hosts.first + 1), end: formatIpv4(hosts.first + 30) }],
    dynamic_pools: [{ start: formatIpv4(hosts.first + 64), end: formatIpv4(hosts.last) }],
    lease_duration: 3600,
  });
  await waitUntil(agentsOnNetwork, (ids) => ids.join() === sys.agents.join(), 20_000, 'the network on both agents');
  load = await startLoad(topo.ns, {
    servers: topo.servers,
    giaddr: topo.giaddr,
    rate: RATE,
    maxClients: 3000,
    macPrefix: [0x02, 0x4c, randomInt(256)],
    renewAfterMs: 15_000,
    hostnamePrefix: 'lg',
    durationMs: 300_000,
  });
  // Both agents answer (each its half of the clients, by the RFC 3074 split).
  await load.until((l) => topo.servers.every((s) => l.acks.some((a) => a.server === s)), 30_000, 'ACKs from both agents').catch((error: unknown) => {
    console.log(sys.logs());
    throw error;
  });
}, 180_000);

afterAll(async () => {
  // Printed even when a test failed, for the faults that ran.
  if (load && faults.length > 0) console.log(faultReport());
  await load?.stop();
  await recorder?.stop();
  await sys?.stop();
  await topo?.remove();
});

describe('faults under DHCP load with real processes', () => {
  test('SIGKILL of the stream leader\'s nats-server: service resumes on the two other nodes and no ACKed lease is lost', async () => {
    const jsm = await jetstreamManager(sys.nc, { timeout: 5000 });
    const info = await retrying(() => jsm.streams.info(sys.journal.layout.stream));
    const leader = info.cluster?.leader;
    expect(leader).toMatch(/^lh-n\d$/);
    await settled();
    const at = Date.now();
    faults.push({ fault: `nats-server ${leader} (stream leader) SIGKILL`, at });
    await sys.cluster.kill(leader!);
    await untilAcks(() => acksAfter(at) >= 2 * RATE, 45_000, 'ACKs after the node died');
    await sys.cluster.start(leader!);
    // The node catches up from its store and the new leader before the next fault.
    await expect.poll(async () => (await jsm.streams.info(sys.journal.layout.stream)).cluster?.replicas?.filter((r) => r.current && !r.offline).length ?? 0, { timeout: 30_000, interval: 500 }).toBe(2);
    await verify();
    const fault = endFault();
    expect(silenceOf(fault).ms).toBeLessThan(30_000);
  }, 120_000);

  test('SIGKILL of an agent: the other agent serves every client after agent_down_time and the network stays on it', async () => {
    const [victim, survivor] = sys.agents;
    await settled();
    const at = Date.now();
    faults.push({ fault: `${victim} SIGKILL`, at });
    await sys.kill(victim!);
    // Clients the split gave to the dead agent are served by the survivor once it sees the heartbeats stop.
    await untilAcks(() => acksAfter(at + DOWN_S * 1000 + 2000, topo.servers[1]) >= RATE, 30_000, 'ACKs from the survivor after agent_down_time');
    await expect.poll(agentsOnNetwork, { timeout: 15_000 }).toStrictEqual([survivor]);
    await verify();
    endFault();
  }, 90_000);

  test('SIGKILL of a scheduler: DHCP goes on, and the other scheduler binds the restarted agent again', async () => {
    const [victim] = sys.schedulers;
    await settled();
    const at = Date.now();
    faults.push({ fault: `${victim} SIGKILL`, at });
    await sys.kill(victim!);
    await sys.start(sys.agents[0]!);
    await expect.poll(agentsOnNetwork, { timeout: 20_000 }).toStrictEqual(sys.agents);
    await untilAcks(() => acksAfter(Date.now() - 500, topo.servers[0]) > 0 || acksAfter(at, topo.servers[0]) >= 5, 30_000, 'ACKs from the restarted agent');
    await sys.start(victim!);
    await verify();
    const fault = endFault();
    // Nothing in the DHCP path depends on a scheduler.
    expect(silenceOf(fault).ms).toBeLessThan(3_000);
  }, 90_000);

  test('SIGKILL of every process and every node at once, started again on the same stores, loses nothing', async () => {
    await settled();
    // Compacted already, so the nodes restart with removals of history in their raft logs (nats-server 2.9.10 replays a purge wrongly).
    const compactedBeforeKill = await waitUntil(() => sys.journal.firstRetained(), (first) => first > 1, 60_000, 'a compaction of the journal before everything is killed');
    const at = Date.now();
    faults.push({ fault: 'everything SIGKILL, restarted', at });
    await Promise.all([...[...sys.procs.keys()].map((name) => sys.kill(name)), ...sys.cluster.nodes.map((n) => sys.cluster.kill(n.name))]);
    await Promise.all(sys.cluster.nodes.map((n) => sys.cluster.start(n.name)));
    await waitForJetStream(sys.nc, 30_000);
    await sys.start('api');
    await Promise.all([...sys.schedulers, ...sys.agents].map((name) => sys.start(name)));
    await untilAcks(() => topo.servers.every((s) => acksAfter(at, s) > 0), 60_000, 'ACKs from both agents after the restart');
    await verify();
    const fault = endFault();
    expect(silenceOf(fault).ms).toBeLessThan(60_000);

    // Quiesce, then every client renews: each keeps its address, and the agents knew each lease.
    await load.quiesce();
    await load.until(async (l) => (await l.stats()).busy === 0, 30_000, 'every exchange finished');
    const renewFrom = Date.now();
    const holders = await load.renewAll(2000);
    await load.until((l) => new Set(l.acks.filter((a) => a.kind === 'renew' && a.at >= renewFrom).map((a) => a.mac)).size >= holders, 30_000, 'every client renewed');
    const { bound, check } = await verify();
    const facts = await recorder.facts();
    const last = new Map(facts.map((f) => [f.ip, f]));
    const held = clientHoldings(load.acks, load.naks);
    expect(held.size).toBe(holders);
    expect([...held].filter(([mac, ip]) => last.get(ip)?.type !== 'LeaseRenewed' || last.get(ip)?.mac !== mac), 'renewals the agents did not recognise').toStrictEqual([]);
    // The projections equal the journal's fold: the API's bound set and each agent's count of bound leases.
    expect(await apiBound()).toStrictEqual(bound);
    for (const agent of sys.agents) {
      const port = sys.procs.get(agent)!.metricsPort!;
      await expect.poll(async () => metricValue(await scrape(port), 'leasehold_agent_leases{state="bound"}'), { timeout: 10_000 }).toBe(bound.size);
    }

    const firstRetained = await sys.journal.firstRetained();
    const stats = await load.stats();
    console.log(
      [
        `faults under ${RATE} new clients/s (+ renewals every 15 s): ${stats.started} clients, ${stats.acks} ACKs, ${stats.retransmits} retransmissions, ${stats.restarts} restarted exchanges, ${bound.size} leases bound`,
        `journal at the end: ${check.acks} ACKs, ${check.events} lease events, ${check.unjournaled} ACKs without event, ${check.doubles} addresses bound twice; compacted below event ${compactedBeforeKill} before everything was killed, below ${firstRetained} at the end`,
        `API read model caught up with the journal within ${Math.max(...apiCatchUp)} ms of each check (${apiCatchUp.join(', ')} ms)`,
      ].join('\n'),
    );
  }, 180_000);
});
