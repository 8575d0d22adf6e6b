/**
 * The journal fixture's history, compacted the way the running system
 * compacts it, for the journal tools' tests:
 *
 * 1. the fixture's history (network, subnet, port, heartbeats, a binding,
 *    four lease events); the API read model's snapshot of it is kept (S1);
 * 2. more events through the real API and in the agent's shapes: the network
 *    updated, the pool lease renewed, a new client's lease bound, agent-a's
 *    heartbeat, agent-b bound by hand; the read model's snapshot then (S2);
 * 3. two more: the pool lease renewed again and the port renamed;
 * 4. every aggregate replayed on the whole history (the reference);
 * 5. S1 stored as the API's projection snapshot and the journal compacted
 *    with no retention window (`compactJournal(..., { windowMs: 0 })`): the
 *    stream keeps the events after S1; then S2 stored in its place, as the
 *    API's next periodic snapshot would be.
 *
 * So the first retained event is S1's + 1, the tools start from S2, and
 * every kind of aggregate is there: wholly compacted (agent-b), begun
 * before compaction and changed after (network, port, pool lease, binding),
 * and wholly retained (the new lease, agent-a's latest heartbeat).
 */
import { READ_MODEL_SNAPSHOT_V } from '@leasehold/api';
import { ProjectionSnapshots, compactJournal } from '@leasehold/journal';
import { leaseTimes } from '@leasehold/lease-actor';
import { parseIpv4 } from '@leasehold/protocol';
import { parseAggregate } from '../../replay/aggregate.js';
import { finalView, runReplay } from '../../replay/run.js';
import { natsSource } from '../../replay/source.js';
import { FIXED_IP, LEASE_MS, POOL_MAC, startFixture, type Fixture } from './journal-fixture.js';

export const NEW_MAC = '52:54:00:aa:bb:03';
export const NEW_IP = '198.18.0.160';

export interface CompactedFixture extends Fixture {
  /** The first retained event: the event after S1. */
  readonly firstRetained: number;
  /** S2's sequence: the snapshot the tools start from. */
  readonly snapshotSeq: number;
  /** Events written after S1. */
  readonly later: { readonly networkUpdated: number; readonly poolRenewed2: number; readonly newBound: number; readonly poolRenewed3: number; readonly portUpdated: number };
  /** The aggregates the tests replay, by name. */
  readonly aggregates: { readonly network: string; readonly port: string; readonly poolLease: string; readonly newLease: string; readonly fixedLease: string; readonly agentA: string; readonly agentB: string; readonly binding: string };
  /** What each aggregate's replay over the whole history ends in: its state and the API view of it (leases judged at `now`). */
  readonly before: ReadonlyMap<string, { readonly state: { readonly value: string; readonly context: unknown }; readonly view: unknown }>;
  readonly now: number;
}

export async function startCompactedFixture(): Promise<CompactedFixture> {
  const f = await startFixture();
  const { t } = f;
  const settle = async () => t.api.model.waitFor((await t.journal.jsm.streams.info(t.journal.layout.stream)).state.last_seq);
  const s1 = t.api.model.snapshot();

  const pool = parseIpv4(f.poolIp);
  const at = Date.now() + 10_000;
  const networkUpdated = (await t.client.networks.update(f.networkId, { mtu: 9000 })).revision_number;
  const poolRenewed2 = await f.lease({ type: 'LeaseRenewed', ip: pool, mac: POOL_MAC, at, ...leaseTimes(at, LEASE_MS) });
  const newBound = await f.lease({ type: 'LeaseBound', ip: parseIpv4(NEW_IP), mac: NEW_MAC, at: at + 100, ...leaseTimes(at + 100, LEASE_MS) });
  await f.heartbeat('agent-a', Date.now(), 'az1');
  await t.client.request('bindings.add', { network_id: f.networkId, agent_id: 'agent-b' });
  await settle();
  const s2 = t.api.model.snapshot();

  const poolRenewed3 = await f.lease({ type: 'LeaseRenewed', ip: pool, mac: POOL_MAC, at: at + 1000, ...leaseTimes(at + 1000, LEASE_MS) });
  const portUpdated = (await t.client.ports.update(f.portId, { name: 'vm-1b' })).revision_number;
  await settle();

  const aggregates = {
    network: `network/${f.networkId}`,
    port: `port/${f.portId}`,
    poolLease: `lease/${f.networkId}/${f.poolIp}`,
    newLease: `lease/${f.networkId}/${NEW_IP}`,
    fixedLease: `lease/${f.networkId}/${FIXED_IP}`,
    agentA: 'agent/agent-a',
    agentB: 'agent/agent-b',
    binding: `binding/${f.networkId}`,
  };
  const now = Date.now();
  const source = natsSource(t.nc, t.nats.url);
  const before = new Map<string, ReturnType<typeof finalView>>();
  for (const name of Object.values(aggregates)) before.set(name, finalView(await runReplay(source, parseAggregate(name), { now }), now));

  const snapshots = await ProjectionSnapshots.open(t.journal);
  await snapshots.save('api', { v: READ_MODEL_SNAPSHOT_V }, s1.position, s1);
  const compacted = await compactJournal(t.journal, snapshots, { windowMs: 0, requiredKinds: ['api'] });
  if (compacted.floor !== s1.position + 1) throw new Error(`compaction stopped at ${compacted.floor}, not after the snapshot at ${s1.position}`);
  await snapshots.save('api', { v: READ_MODEL_SNAPSHOT_V }, s2.position, s2);
  return {
    ...f,
    firstRetained: compacted.floor,
    snapshotSeq: s2.position,
    later: { networkUpdated, poolRenewed2, newBound, poolRenewed3, portUpdated },
    aggregates,
    before,
    now,
  };
}
