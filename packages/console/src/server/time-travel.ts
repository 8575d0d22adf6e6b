/**
 * Time travel: a network as it was at a moment, as `leasehold replay` shows
 * history: the journal's events up to that moment folded into a fresh
 * copy of the API's own read model (on a compacted journal, one restored
 * from an API snapshot), then read through the API's own list
 * handlers over that copy (only reads: the copy is never written through),
 * and compared with the network now.
 */
import { ApiError, READ_MODEL_SNAPSHOT_V, ReadModel, apiHandlers, type AgentView, type LeaseView, type NetworkView, type PortView, type SubnetView } from '@leasehold/api';
import { ProjectionSnapshots, firstRetainedOf, snapshotKind, type Journal, type SnapshotInfo } from '@leasehold/journal';
import { EVENT_SUBJECT_PREFIX, unpack } from '@leasehold/protocol';
import { leasePage, leaseRow, networkPage } from './compose.js';
import { DEFAULT_SCHEDULER_CONFIG } from '@leasehold/scheduler';
import { LivenessThen, type LivenessAt } from './liveness-then.js';
import type { LeaseRowJson, NetworkAt, NetworkPage } from './shapes.js';

/** A longer journal is refused rather than replayed on a request (a replay of this many takes seconds). */
export const MAX_TIME_TRAVEL_EVENTS = 2_000_000;
const MAX_LEASES = 500;

type Read = (operation: 'networks.show' | 'subnets.list' | 'ports.list' | 'leases.list' | 'agents.list', body: Record<string, unknown>) => Promise<unknown>;

interface NetworkState {
  readonly page: ReturnType<typeof networkPage> | null;
  readonly leases: readonly LeaseView[];
}

/** The network through `read` (the API's handlers over some read model), or null where it is not. */
async function networkState(read: Read, id: string, now: number): Promise<NetworkState> {
  let network: NetworkView;
  try {
    ({ network } = (await read('networks.show', { id })) as { network: NetworkView });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'NOT_FOUND') return { page: null, leases: [] };
    throw error;
  }
  const [agents, subnets, ports, leases] = await Promise.all([
    read('agents.list', {}).then((a) => (a as { agents: AgentView[] }).agents),
    read('subnets.list', { network_id: id }).then((a) => (a as { subnets: SubnetView[] }).subnets),
    read('ports.list', { network_id: id }).then((a) => (a as { ports: PortView[] }).ports),
    read('leases.list', { network_id: id }).then((a) => (a as { leases: LeaseView[] }).leases),
  ]);
  // A lease's state is judged at `now` (a lease bound then and expired since was still bound then).
  const judged = leases.map((l) => (l.state === 'expired' && l.expires_at !== null && Date.parse(l.expires_at) > now ? { ...l, state: 'bound' } : l));
  return { page: networkPage(network, { agents, subnets, ports, leases: judged }), leases: judged };
}

const holding = (leases: readonly LeaseView[]) => new Map(leases.filter((l) => l.state === 'bound').map((l) => [l.ip_address, leaseRow(l)] as const));

/** What changed between two states of a network. Pure. */
export function networkDiff(then: NetworkState, now: NetworkState): NetworkAt['diff'] {
  const before = holding(then.leases);
  const after = holding(now.leases);
  const changed: { then: LeaseRowJson; now: LeaseRowJson }[] = [];
  for (const [ip, lease] of after) {
    const old = before.get(ip);
    if (old && (old.mac_address !== lease.mac_address || old.state !== lease.state)) changed.push({ then: old, now: lease });
  }
  const portsThen = new Set(then.page?.ports.map((p) => p.id) ?? []);
  const portsNow = new Set(now.page?.ports.map((p) => p.id) ?? []);
  return {
    leasesAdded: [...after.values()].filter((l) => !before.has(l.ip_address)),
    leasesGone: [...before.values()].filter((l) => !after.has(l.ip_address)),
    leasesChanged: changed,
    portsAdded: [...portsNow].filter((id) => !portsThen.has(id)),
    portsGone: [...portsThen].filter((id) => !portsNow.has(id)),
  };
}

type Snapshots = { readonly store: ProjectionSnapshots; readonly infos: readonly SnapshotInfo[] };

/**
 * Where the replay to `at` starts: nothing, on a full history; on a
 * compacted one, the newest API read-model snapshot taken at or before
 * `at` that reaches the first retained event (as `leasehold replay` starts
 * from one). Refuses a moment no snapshot covers.
 */
async function replayBase(snapshots: Snapshots | undefined, first: number, at: number): Promise<{ model: ReadModel; fromSeq: number; snapshot: string | null }> {
  if (first <= 1) return { model: new ReadModel(), fromSeq: 1, snapshot: null };
  const usable = (snapshots?.infos ?? [])
    .filter((s) => snapshotKind(s.name) === 'api' && s.v === READ_MODEL_SNAPSHOT_V && s.seq >= first - 1 && s.at <= at)
    .sort((a, b) => a.seq - b.seq);
  const base = usable.at(-1);
  const read = base ? await snapshots!.store.read(base.name) : undefined;
  if (!base || !read) {
    throw new ApiError('VALIDATION_FAILED', `the journal's history before event ${first} was compacted, and no API snapshot taken at or before ${new Date(at).toISOString()} holds what came before: pick a later moment`, 'time');
  }
  return { model: ReadModel.restore(unpack(read.bytes) as Parameters<typeof ReadModel.restore>[0]), fromSeq: base.seq + 1, snapshot: `${base.name}@${base.seq}` };
}

/** The network's agents then, judged alive or down at `at` by the scheduler's fold (not by the clock now). Pure. */
function withLivenessThen(page: NetworkPage | null, liveness: LivenessAt): NetworkPage | null {
  return page && { ...page, bindings: page.bindings.map((a) => ({ ...a, alive: liveness.alive.has(a.id) })) };
}

/**
 * The network `id` at `at` (ms) and its diff against `readNow` (the live
 * API). On a compacted journal the replay starts from an API snapshot (see
 * replayBase); a replay of more than MAX_TIME_TRAVEL_EVENTS is refused.
 * The same events feed the scheduler's fold, which says which agents were
 * alive then (`agentDownTimeMs`: when silence made one down).
 */
export async function networkAt(journal: Journal, readNow: Read, id: string, at: number, agentDownTimeMs = DEFAULT_SCHEDULER_CONFIG.agentDownTime): Promise<NetworkAt> {
  const { state } = await journal.jsm.streams.info(journal.layout.stream);
  const first = firstRetainedOf(state);
  const store = first > 1 ? await ProjectionSnapshots.openReadOnly(journal.nc, journal.layout) : undefined;
  const snapshots = store ? { store, infos: await store.list() } : undefined;
  const base = await replayBase(snapshots, first, at);
  const liveness = await LivenessThen.start(agentDownTimeMs, first, at, snapshots);
  const fromSeq = Math.min(base.fromSeq, liveness.fromSeq);
  if (state.last_seq - fromSeq + 1 > MAX_TIME_TRAVEL_EVENTS) throw new ApiError('VALIDATION_FAILED', `the replay would read ${state.last_seq - fromSeq + 1} events, over the ${MAX_TIME_TRAVEL_EVENTS} a request may replay`, 'time');
  const model = base.model;
  let seq = base.fromSeq - 1;
  let events = 0;
  if (state.last_seq >= fromSeq) {
    await journal.replay(
      `${EVENT_SUBJECT_PREFIX}.>`,
      (stored) => {
        if (stored.event.at > at) return;
        liveness.apply(stored);
        if (stored.seq < base.fromSeq) return;
        model.apply(stored);
        seq = stored.seq;
        events++;
      },
      { fromSeq, toSeq: state.last_seq, onBadEvent: () => {} },
    );
  }
  const handlers = apiHandlers(journal, model);
  const readThen: Read = (operation, body) => handlers[operation]!(body);
  const [then, now] = await Promise.all([networkState(readThen, id, at), networkState(readNow, id, Date.now())]);
  const agents = liveness.at(at);
  return {
    at,
    seq,
    events,
    snapshot: base.snapshot,
    then: withLivenessThen(then.page, agents),
    leases: leasePage(then.leases, '', 0, MAX_LEASES).leases,
    agents: { alive: [...agents.alive], unreachable_physnet: agents.unreachable.get(id) ?? null, from: agents.from },
    diff: networkDiff(then, now),
  };
}
