/**
 * `npm run bench:scheduler`: against a nats-server this script spawns (file
 * storage), the time to compute and journal a full rebalance of 10,000
 * networks over 100 agents, and to rebuild the scheduler's state from
 * 1,000,000 heartbeat events (replayed from JetStream, and folded in memory).
 * Counts are bounded and can be lowered with BENCH_* variables.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Journal, connectNats, startNatsServer } from '@leasehold/journal';
import type { AgentHeartbeatData } from '@leasehold/protocol';
import { agentSubject, networkSubject, toAgentEnvelope, toNetworkEnvelope } from '@leasehold/resources';
import { agentLoads, createProjection, decide, schedulerConfig, schedulerEvent, startScheduler, type SchedulerEvent } from '@leasehold/scheduler';
import { machineLine, pipelined } from './harness.js';

const NETWORKS = Number(process.env.BENCH_NETWORKS ?? 10_000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 100);
const HEARTBEATS = Number(process.env.BENCH_HEARTBEATS ?? 1_000_000);
const WINDOW = 1000;
const MAX_MS = 120_000;

const storeDir = mkdtempSync(join(tmpdir(), 'lh-bench-scheduler-'));
const server = await startNatsServer({ storeDir });
const nc = await connectNats(server.url, { name: 'bench-scheduler' });
const journal = await Journal.open(nc);
console.log(machineLine(`nats-server ${nc.info?.version} (file storage)`));
console.log(`counts: ${NETWORKS} networks, ${AGENTS} agents, ${HEARTBEATS} heartbeats`);

const config = schedulerConfig({ agentsPerNetwork: 1, strategy: 'weight', reportInterval: 3_600_000, agentDownTime: 7_200_000 });
const heartbeatData = (agentId: string): AgentHeartbeatData => ({
  agentId,
  host: agentId,
  availabilityZone: 'nova',
  networks: [],
  load: 0,
  interfaceMappings: {},
  reportIntervalMs: 3_600_000,
  version: 'bench',
});
const heartbeat = (i: number, at = Date.now()) =>
  journal.publish(agentSubject(`agent-${i}`), toAgentEnvelope({ type: 'AgentHeartbeat', at, ...heartbeatData(`agent-${i}`) }, { id: randomUUID() }));
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

try {
  // ---- the networks, as the API journals them ----
  let t0 = performance.now();
  await pipelined(NETWORKS, WINDOW, MAX_MS, async (i) => {
    const id = `net-${i}`;
    const at = Date.now();
    await journal.append(networkSubject(id), [
      toNetworkEnvelope(id, { type: 'NetworkCreated', at, network: { id, name: id, adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null } }, { id: randomUUID() }),
      toNetworkEnvelope(id, { type: 'SubnetCreated', at, subnet: { id: `${id}-s`, networkId: id, name: '', cidr: { address: 0xc6120000, prefix: 24 }, gatewayIp: null, allocationPools: [], dynamicPools: [], dnsNameservers: [], hostRoutes: [], enableDhcp: true, leaseDuration: 86400 } }, { id: randomUUID() }),
    ]);
  });
  console.log(`\nwrote ${NETWORKS} networks in ${secs(performance.now() - t0)}`);

  // ---- one agent takes every network ----
  await heartbeat(0);
  t0 = performance.now();
  // The scheduler alone on purpose (not startSystem): the figure is its rebalance, with no API or agent beside it.
  const scheduler = await startScheduler(config, { journal, name: 'bench-scheduler' });
  await scheduler.schedule();
  const first = agentLoads(scheduler.state()).get('agent-0') ?? 0;
  console.log(`scheduled ${first} networks on one agent (start + decide + journal) in ${secs(performance.now() - t0)}`);

  // ---- 99 agents join: the full rebalance ----
  await pipelined(AGENTS - 1, WINDOW, MAX_MS, (i) => heartbeat(i + 1));
  while (scheduler.state().agents.size < AGENTS) await new Promise((r) => setTimeout(r, 10));
  const decideStart = performance.now();
  const decisions = decide(scheduler.state(), Date.now(), config);
  const decideMs = performance.now() - decideStart;
  t0 = performance.now();
  let written = 0;
  for (let pass = 0; pass < 10; pass++) {
    const out = await scheduler.schedule();
    written += out.length;
    if (out.length === 0) break;
  }
  const rebalanceMs = performance.now() - t0;
  const loads = [...agentLoads(scheduler.state()).values()];
  console.log(`full rebalance over ${AGENTS} agents: decide ${decideMs.toFixed(0)} ms (${decisions.length} events), decide + journal ${secs(rebalanceMs)} (${written} events written), loads now ${Math.min(...loads)}..${Math.max(...loads)}`);
  await scheduler.stop();

  // ---- 1,000,000 heartbeats: rebuild the state from the journal ----
  const base = Date.now();
  t0 = performance.now();
  const wrote = await pipelined(HEARTBEATS, WINDOW, MAX_MS, (i) => heartbeat(i % AGENTS, base + i));
  console.log(`\nwrote ${wrote} heartbeats in ${secs(performance.now() - t0)} (${Math.round(wrote / ((performance.now() - t0) / 1000)).toLocaleString('en-US')}/s)`);

  const memBefore = process.memoryUsage().rss;
  t0 = performance.now();
  const projection = createProjection(config);
  const events: SchedulerEvent[] = [];
  const count = await journal.replay('lh.evt.>', (stored) => {
    const event = schedulerEvent(stored.event);
    if (event) {
      projection.apply(event);
      if (event.type === 'AgentHeartbeat' && events.length < HEARTBEATS) events.push(event);
    }
  });
  const rebuildMs = performance.now() - t0;
  console.log(`rebuilt the scheduler state from the journal: ${count.toLocaleString('en-US')} events in ${secs(rebuildMs)} (${Math.round(count / (rebuildMs / 1000)).toLocaleString('en-US')} events/s), rss +${((process.memoryUsage().rss - memBefore) / 2 ** 20).toFixed(0)} MiB`);

  t0 = performance.now();
  const inMemory = createProjection(config);
  for (const event of events) inMemory.apply(event);
  const foldMs = performance.now() - t0;
  console.log(`folded ${events.length.toLocaleString('en-US')} heartbeats in memory (no I/O, no decoding) in ${foldMs.toFixed(0)} ms (${Math.round(events.length / (foldMs / 1000)).toLocaleString('en-US')}/s)`);
} finally {
  await nc.close();
  await server.stop();
  rmSync(storeDir, { recursive: true, force: true });
}
