/**
 * The scheduler runtime against a real nats-server: it schedules networks
 * written by the API, fails over from an agent that stops heartbeating,
 * and two instances running at once never double-bind and agree.
 */
import { randomUUID } from 'node:crypto';
import { Journal, readMessage } from '@leasehold/journal';
import { startTestNats, type TestNats } from '@leasehold/journal/testing';
import { aggregateSubject, encodeEvent, type AgentHeartbeatData, type EventEnvelope } from '@leasehold/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { schedulerConfig } from './config.js';
import { startScheduler, type RunningScheduler } from './runtime.js';
import { SchedulerFold } from './fold.js';
import { bindingTable } from './state.js';

let nats: TestNats;
let journal: Journal;
beforeAll(async () => {
  nats = await startTestNats();
  journal = await Journal.open(await nats.connect());
});
afterAll(() => nats.stop());

const config = schedulerConfig({ agentsPerNetwork: 1, reportInterval: 200, agentDownTime: 600, strategy: 'weight' });

async function heartbeat(agentId: string, interfaceMappings: Record<string, string> = {}) {
  const data: AgentHeartbeatData = { agentId, host: agentId, availabilityZone: 'nova', networks: [], load: 0, interfaceMappings, reportIntervalMs: 200, version: 'test' };
  const event: EventEnvelope = { type: 'AgentHeartbeat', v: 1, id: randomUUID(), aggregate: `agent/${agentId}`, at: Date.now(), data };
  await journal.append(aggregateSubject('agent', agentId), [event]);
}

/** A network with one DHCP subnet, as the API journals it. */
async function network(tag: string, physicalNetwork: string | null = null) {
  const id = `${tag}-${randomUUID().slice(0, 8)}`;
  const ev = (type: string, data: unknown): EventEnvelope => ({ type, v: 1, id: randomUUID(), aggregate: `network/${id}`, at: Date.now(), data });
  await journal.append(aggregateSubject('network', id), [
    ev('NetworkCreated', { network: { id, name: tag, adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork } }),
    ev('SubnetCreated', { subnet: { id: `${id}-s`, networkId: id, name: '', cidr: { address: 0xc6120000, prefix: 24 }, gatewayIp: null, allocationPools: [], dynamicPools: [], dnsNameservers: [], hostRoutes: [], enableDhcp: true, leaseDuration: 86400 } }),
  ]);
  return id;
}

/** Heartbeats the given agents every 100 ms until stopped. */
function keepAlive(agents: () => string[]) {
  const timer = setInterval(() => void Promise.all(agents().map((a) => heartbeat(a))), 100);
  return () => clearInterval(timer);
}

/**
 * The journal, with every consumer pausing `ms` after its first `after`
 * messages: what a slow disk or a busy server does in the middle of a long
 * replay (each gap longer than the scheduler's 20 ms settle time).
 */
function pausingJournal(after: number, ms: number): Journal {
  const bound = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop, target) as unknown;
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  };
  const consumers = new Proxy(journal.js.consumers, {
    get: (target, prop) =>
      prop !== 'get'
        ? bound(target, prop)
        : async (...args: Parameters<typeof target.get>) => {
            const consumer = await target.get(...args);
            return new Proxy(consumer, {
              get: (c, p) =>
                p !== 'consume'
                  ? bound(c, p)
                  : async (...options: Parameters<typeof c.consume>) => {
                      const messages = await c.consume(...options);
                      let seen = 0;
                      const paused = (async function* () {
                        for await (const msg of messages) {
                          if (++seen === after) await new Promise((r) => setTimeout(r, ms));
                          yield msg;
                        }
                      })();
                      return Object.assign(paused, { stop: () => messages.stop() });
                    },
            });
          },
  });
  const js = new Proxy(journal.js, { get: (target, prop) => (prop === 'consumers' ? consumers : bound(target, prop)) });
  return Object.create(journal, { js: { value: js } }) as Journal;
}

const bindingsOf = (s: RunningScheduler, ids: string[]) =>
  Object.fromEntries([...bindingTable(s.state())].filter(([id, agents]) => ids.includes(id) && agents.length > 0));

describe('scheduler runtime', () => {
  test('networks are scheduled at once, and a silent agent\'s networks fail over within agent_down_time plus one pass', async () => {
    const tag = randomUUID().slice(0, 6);
    const agents = [`a-${tag}`, `b-${tag}`];
    let alive = [...agents];
    const stopBeats = keepAlive(() => alive);
    await Promise.all(agents.map((a) => heartbeat(a)));
    const scheduler = await startScheduler(config, { journal, name: `sched-${tag}` });
    try {
      const nets = await Promise.all([1, 2, 3, 4].map(() => network(tag)));
      await expect.poll(() => Object.keys(bindingsOf(scheduler, nets)).length, { timeout: 5000 }).toBe(4);
      const before = bindingsOf(scheduler, nets);
      expect(new Set(Object.values(before).flat())).toStrictEqual(new Set(agents));

      const victim = agents[0]!;
      alive = [agents[1]!];
      const stoppedAt = Date.now();
      await expect
        .poll(() => Object.values(bindingsOf(scheduler, nets)).flat().every((a) => a === agents[1]), { timeout: 5000, interval: 20 })
        .toBe(true);
      const failover = Date.now() - stoppedAt;
      // Down after agent_down_time (600 ms) since its last heartbeat, then one pass.
      expect(failover).toBeLessThan(config.agentDownTime + 1000);
      expect(Object.values(bindingsOf(scheduler, nets)).flat()).not.toContain(victim);
    } finally {
      stopBeats();
      await scheduler.stop();
    }
  });

  test('onBindingEvent is called once per binding decision folded, with state() already holding it, and for no other event', async () => {
    // A journal of its own: the other tests' agents fail over in the shared one and would add calls.
    await using own = await startTestNats();
    const ownJournal = await Journal.open(await own.connect());
    const agent = 'h1';
    const beat = async () => {
      const data: AgentHeartbeatData = { agentId: agent, host: agent, availabilityZone: 'nova', networks: [], load: 0, interfaceMappings: {}, reportIntervalMs: 200, version: 'test' };
      await ownJournal.append(aggregateSubject('agent', agent), [{ type: 'AgentHeartbeat', v: 1, id: randomUUID(), aggregate: `agent/${agent}`, at: Date.now(), data }]);
    };
    await beat();
    const timer = setInterval(() => void beat(), 100);
    const seen: (readonly string[])[] = [];
    let scheduler: RunningScheduler | undefined;
    scheduler = await startScheduler(config, { journal: ownJournal, onBindingEvent: () => void seen.push(scheduler ? [...bindingTable(scheduler.state()).values()].flat() : ['replay']) });
    try {
      const id = 'n1';
      const ev = (type: string, data: unknown): EventEnvelope => ({ type, v: 1, id: randomUUID(), aggregate: `network/${id}`, at: Date.now(), data });
      await ownJournal.append(aggregateSubject('network', id), [
        ev('NetworkCreated', { network: { id, name: id, adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null } }),
        ev('SubnetCreated', { subnet: { id: `${id}-s`, networkId: id, name: '', cidr: { address: 0xc6120000, prefix: 24 }, gatewayIp: null, allocationPools: [], dynamicPools: [], dnsNameservers: [], hostRoutes: [], enableDhcp: true, leaseDuration: 86400 } }),
      ]);
      await expect.poll(() => seen, { timeout: 5000 }).toStrictEqual([[agent]]);
      // Heartbeats every 100 ms meanwhile: none of them is a binding event.
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toStrictEqual([[agent]]);
      const bindings = (await ownJournal.read('lh.evt.binding.>')).length;
      expect(bindings).toBe(1);
    } finally {
      clearInterval(timer);
      await scheduler.stop();
    }
  });

  test('garbage on a binding subject is quarantined: the network is still bound, and its next decision there too (issue 15, point 3)', async () => {
    const tag = randomUUID().slice(0, 6);
    let alive = [`a-${tag}`];
    const stopBeats = keepAlive(() => alive);
    await Promise.all(alive.map((a) => heartbeat(a)));
    const logged: string[] = [];
    const scheduler = await startScheduler(config, { journal, name: `poison-${tag}`, log: (line) => void logged.push(line) });
    try {
      // The network's binding subject holds garbage before the scheduler ever writes there.
      const id = `${tag}-${randomUUID().slice(0, 8)}`;
      const subject = aggregateSubject('binding', id);
      const garbage = (await journal.js.publish(subject, encodeEvent({ type: 'NetworkScheduled', v: 1, id: randomUUID(), aggregate: `binding/${id}`, at: Date.now(), data: {} }))).seq;
      const ev = (type: string, data: unknown): EventEnvelope => ({ type, v: 1, id: randomUUID(), aggregate: `network/${id}`, at: Date.now(), data });
      await journal.append(aggregateSubject('network', id), [
        ev('NetworkCreated', { network: { id, name: tag, adminStateUp: true, mtu: 1500, dnsDomain: '', availabilityZoneHints: [], physicalNetwork: null } }),
        ev('SubnetCreated', { subnet: { id: `${id}-s`, networkId: id, name: '', cidr: { address: 0xc6120000, prefix: 24 }, gatewayIp: null, allocationPools: [], dynamicPools: [], dnsNameservers: [], hostRoutes: [], enableDhcp: true, leaseDuration: 86400 } }),
      ]);
      await expect.poll(() => bindingsOf(scheduler, [id])[id], { timeout: 5000 }).toStrictEqual([`a-${tag}`]);
      expect(logged.some((line) => line.includes(`quarantined event ${garbage} on ${subject} (NetworkScheduled v1)`))).toBe(true);
      expect(scheduler.projection.stats.quarantined).toBeGreaterThanOrEqual(1);

      // More garbage after the binding, then its agent dies: the failover is written all the same.
      await journal.js.publish(subject, new Uint8Array([0xc1]));
      alive = [`b-${tag}`];
      await heartbeat(`b-${tag}`);
      await expect.poll(() => bindingsOf(scheduler, [id])[id], { timeout: 5000 }).toStrictEqual([`b-${tag}`]);
    } finally {
      stopBeats();
      await scheduler.stop();
    }
  });

  test('two schedulers at once never double-bind a network and converge to the same bindings', async () => {
    const tag = randomUUID().slice(0, 6);
    const agents = [`a-${tag}`, `b-${tag}`, `c-${tag}`];
    const stopBeats = keepAlive(() => agents);
    await Promise.all(agents.map((a) => heartbeat(a)));
    const [one, two] = await Promise.all([startScheduler(config, { journal, name: `s1-${tag}` }), startScheduler(config, { journal, name: `s2-${tag}` })]);
    try {
      const nets = await Promise.all(Array.from({ length: 12 }, () => network(tag)));
      await expect.poll(() => Object.values(bindingsOf(one, nets)).filter((b) => b.length === 1).length, { timeout: 5000 }).toBe(12);
      await expect.poll(() => JSON.stringify(bindingsOf(two, nets)), { timeout: 5000 }).toBe(JSON.stringify(bindingsOf(one, nets)));
      // The journal itself never holds two live bindings for one network (agents_per_network = 1).
      for (const net of nets) {
        const live = new Set<string>();
        for (const s of await journal.read(aggregateSubject('binding', net))) {
          const data = s.event.data as { agentId: string };
          if (s.event.type === 'NetworkScheduled') live.add(data.agentId);
          else live.delete(data.agentId);
          expect(live.size).toBeLessThanOrEqual(1);
        }
      }
      expect(one.stats.conflicts + two.stats.conflicts).toBeGreaterThanOrEqual(0);
    } finally {
      stopBeats();
      await Promise.all([one.stop(), two.stop()]);
    }
  });

  test('a scheduler whose start-up replay pauses longer than its settle time decides once caught up (regression: issue 14, ReferenceError: Cannot access \'schedule\' before initialization)', async () => {
    const tag = randomUUID().slice(0, 6);
    const agent = `h-${tag}`;
    // A pause of 100 ms in the middle of the replay: a pass armed by an event folded before it
    // fired into a scheduler that had not finished starting.
    await Promise.all(Array.from({ length: 200 }, () => heartbeat(agent)));
    const net = await network(tag);
    const stopBeats = keepAlive(() => [agent]);
    const errors: string[] = [];
    const scheduler = await startScheduler(config, { journal: pausingJournal(100, 100), name: `restart-${tag}`, log: (line) => errors.push(line) });
    try {
      expect(scheduler.stats.passes).toBeGreaterThanOrEqual(1);
      await expect.poll(() => bindingsOf(scheduler, [net])[net], { timeout: 5000 }).toStrictEqual([agent]);
      expect(errors.filter((l) => /failed|ReferenceError/.test(l))).toStrictEqual([]);
    } finally {
      stopBeats();
      await scheduler.stop();
    }
  });

  test('a restarted scheduler starts from its snapshot, folds only the events written since, and holds the state of a full fold', async () => {
    const tag = randomUUID().slice(0, 6);
    const agent = `s-${tag}`;
    const first = await startScheduler(config, { journal, name: `snap-${tag}` });
    await heartbeat(agent);
    const net = await network(tag);
    await expect.poll(() => bindingsOf(first, [net])[net], { timeout: 5000 }).toStrictEqual([agent]);
    // A clean stop stores a final snapshot at the last event folded.
    await first.stop();
    const stoppedAt = first.position();
    await heartbeat(agent);
    const later = await network(`${tag}-b`);
    const second = await startScheduler(config, { journal, name: `snap-${tag}` });
    try {
      expect(second.projection.start.restoredFrom?.seq).toBe(stoppedAt);
      // The heartbeat and the network's one append (two events) since the snapshot, nothing before it.
      expect(second.projection.start.replayedAtStart).toBe(3);
      await expect.poll(() => bindingsOf(second, [later])[later], { timeout: 5000 }).toStrictEqual([agent]);
      // Everything it holds equals a full fold of the same events (as a projection reads them: other tests' garbage is quarantined).
      const full = new SchedulerFold(config);
      await journal.replayRaw('lh.evt.>', (msg) => {
        const read = readMessage(msg);
        if (read.ok) full.apply(read.stored);
        else full.quarantine(msg.subject, msg.seq);
      }, { toSeq: second.position() });
      expect(second.state()).toStrictEqual(full.state);
    } finally {
      await second.stop();
    }
  });

  test('a snapshot taken under another agent_down_time is not used: the scheduler folds everything instead', async () => {
    const tag = randomUUID().slice(0, 6);
    const first = await startScheduler(config, { journal, name: `fp-${tag}` });
    await heartbeat(`f-${tag}`);
    await first.stop();
    const notices: string[] = [];
    const other = await startScheduler({ ...config, agentDownTime: config.agentDownTime + 1 }, { journal, name: `fp-${tag}`, onSnapshot: (n) => notices.push(n.kind === 'refused' ? `refused ${n.refusal.reason}` : n.kind) });
    try {
      expect(notices).toContain('refused fingerprint');
      expect(other.projection.start.restoredFrom).toBeUndefined();
      expect(other.projection.start.replayedAtStart).toBeGreaterThan(0);
    } finally {
      await other.stop();
    }
  });

  // Last: its two agents stay alive for agent_down_time and would take the networks of a test after it.
  test('a network no live agent maps is logged once and left unbound; an agent that maps it joins and gets it, and the log says so', async () => {
    const tag = randomUUID().slice(0, 6);
    const physnet = `phys-${tag}`;
    const lines: string[] = [];
    await heartbeat(`m-${tag}`, { [`other-${tag}`]: 'eth1' });
    const scheduler = await startScheduler(config, { journal, name: `sched-${tag}`, log: (line) => lines.push(line) });
    try {
      const net = await network(tag, physnet);
      await expect.poll(() => lines.filter((l) => l.includes(`network ${net} is bound to no agent: no live agent maps its physical network ${physnet}`)).length).toBe(1);
      await scheduler.schedule();
      expect(bindingsOf(scheduler, [net])).toEqual({});
      expect(lines.filter((l) => l.includes(`network ${net} is bound`)).length).toBe(1);
      await heartbeat(`p-${tag}`, { [physnet]: 'eth1' });
      await expect.poll(() => bindingsOf(scheduler, [net])).toEqual({ [net]: [`p-${tag}`] });
      await expect.poll(() => lines.some((l) => l.includes(`network ${net} is no longer unreachable`))).toBe(true);
    } finally {
      await scheduler.stop();
    }
  });
});
