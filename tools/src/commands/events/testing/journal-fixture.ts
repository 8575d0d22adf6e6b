/**
 * A small but real history for the journal tools' tests: a real API over a
 * real nats-server creates a network, a subnet and a port; two agents
 * heartbeat; the scheduler's own pure `decide` binds the network; and lease
 * events in the shapes the agent writes (lease-actor's `toEnvelope`) bind the
 * port's fixed address, a pool address chosen by the allocator, and an
 * address a client asked for.
 */
import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '@leasehold/api/testing';
import { LeaseTable, leaseSubject, leaseTimes, toEnvelope as leaseEnvelope, type JournaledLeaseEvent } from '@leasehold/lease-actor';
import { formatIpv4, parseIpv4, type Ipv4 } from '@leasehold/protocol';
import { agentSubject, bindingSubject, toAgentEnvelope, toBindingEnvelope, type AgentHeartbeat } from '@leasehold/resources';
import { decide, replay as schedulerReplay, schedulerConfig, schedulerEvent, type SchedulerEvent } from '@leasehold/scheduler';

export const FIXED_MAC = 'fa:16:3e:00:00:05';
export const FIXED_IP = '198.18.0.5';
export const POOL_MAC = '52:54:00:aa:bb:01';
export const ASKING_MAC = '52:54:00:aa:bb:02';
export const ASKED_IP = '198.18.0.150';
export const LEASE_MS = 3_600_000;

export interface Fixture {
  readonly t: TestApi;
  readonly networkId: string;
  readonly subnetId: string;
  readonly portId: string;
  /** Where the allocator put POOL_MAC. */
  readonly poolIp: string;
  readonly bindingAgent: string;
  /** Sequences of the interesting events. */
  readonly seqs: { fixedBound: number; poolBound: number; poolRenewed: number; askedBound: number; scheduled: number };
  /** Appends one lease event as an agent does; resolves with its sequence. */
  lease(event: JournaledLeaseEvent): Promise<number>;
  /** Appends a heartbeat as an agent does; resolves with its sequence. */
  heartbeat(agentId: string, at: number, zone: string): Promise<number>;
}

const ip = (text: string): Ipv4 => parseIpv4(text);

function heartbeat(agentId: string, at: number, zone: string): AgentHeartbeat {
  return { type: 'AgentHeartbeat', at, agentId, host: `host-${agentId}`, availabilityZone: zone, networks: [], load: 0, interfaceMappings: {}, reportIntervalMs: 30_000, version: 'test' };
}

export async function startFixture(): Promise<Fixture> {
  const t = await startTestApi();
  const { client, journal } = t;
  const network = await client.networks.create({ name: 'tools-net', mtu: 1450 });
  const subnet = await client.subnets.create({
    network_id: network.id,
    cidr: '198.18.0.0/24',
    gateway_ip: '198.18.0.1',
    allocation_pools: [{ start: '198.18.0.2', end: '198.18.0.99' }],
    dynamic_pools: [{ start: '198.18.0.100', end: '198.18.0.199' }],
    dns_nameservers: ['198.18.0.53'],
  });
  const port = await client.ports.create({ network_id: network.id, name: 'vm-1', mac_address: FIXED_MAC, fixed_ips: [{ subnet_id: subnet.id, ip_address: FIXED_IP }] });

  // Heartbeats half a minute ago (alive: agent_down_time is 75 s), the decision and the leases from now on.
  const now = Date.now();
  const t0 = now - 30_000;
  for (const hb of [heartbeat('agent-a', t0, 'az1'), heartbeat('agent-b', t0 + 10, 'az2')]) {
    await journal.append(agentSubject(hb.agentId), [toAgentEnvelope(hb, { id: randomUUID() })]);
  }
  // The scheduler's own decision over what is journaled now.
  const folded: SchedulerEvent[] = [];
  for (const stored of await journal.read('lh.evt.>')) {
    const event = schedulerEvent(stored.event);
    if (event) folded.push(event);
  }
  const config = schedulerConfig({ strategy: 'weight', agentsPerNetwork: 1 });
  const decisions = decide(schedulerReplay(folded, config), now + 500, config).filter((d) => d.networkId === network.id);
  const decision = decisions[0];
  if (!decision || decision.type !== 'NetworkScheduled') throw new Error('the scheduler made no decision for the test network');
  const scheduled = await journal.append(bindingSubject(decision.networkId), [toBindingEnvelope(decision, { id: randomUUID() })], 0);

  const lease = async (event: JournaledLeaseEvent) => {
    const subject = leaseSubject(network.id, event.ip);
    const result = await journal.append(subject, [leaseEnvelope(network.id, event, { id: randomUUID() })]);
    return result.version;
  };
  const bound = (mac: string, address: Ipv4, at: number, type: 'LeaseBound' | 'LeaseRenewed' = 'LeaseBound'): JournaledLeaseEvent => ({
    type,
    ip: address,
    mac,
    at,
    ...leaseTimes(at, LEASE_MS),
  });

  const fixedBound = await lease(bound(FIXED_MAC, ip(FIXED_IP), now + 1000));
  const table = new LeaseTable({
    networkId: network.id,
    pools: [{ first: ip('198.18.0.100'), last: ip('198.18.0.199'), subnetId: subnet.id }],
    fixed: [{ mac: FIXED_MAC, ip: ip(FIXED_IP) }],
  });
  const allocation = table.allocate({ mac: POOL_MAC, subnetId: subnet.id, now: now + 2000 });
  if (!allocation.ok) throw new Error('the pool is empty');
  const poolBound = await lease(bound(POOL_MAC, allocation.ip, now + 2000));
  const poolRenewed = await lease(bound(POOL_MAC, allocation.ip, now + 3000, 'LeaseRenewed'));
  const askedBound = await lease(bound(ASKING_MAC, ip(ASKED_IP), now + 4000));
  const poolIp = formatIpv4(allocation.ip);
  if (poolIp === ASKED_IP) throw new Error('the hash picked the asked address; choose another');
  const beat = async (agentId: string, at: number, zone: string) => {
    const hb = heartbeat(agentId, at, zone);
    return (await journal.append(agentSubject(hb.agentId), [toAgentEnvelope(hb, { id: randomUUID() })])).version;
  };
  // Let the API's read model fold everything before tests ask it.
  await t.api.model.waitFor(askedBound);
  return {
    t,
    networkId: network.id,
    subnetId: subnet.id,
    portId: port.id,
    poolIp,
    bindingAgent: decision.agentId,
    seqs: { fixedBound, poolBound, poolRenewed, askedBound, scheduled: scheduled.version },
    lease,
    heartbeat: beat,
  };
}

