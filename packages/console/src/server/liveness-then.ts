/**
 * Time travel's agents: which were alive at a past moment and which DHCP
 * networks no live agent could reach then, as the scheduler judged them.
 * No rule of the console's: the scheduler's own fold (`SchedulerFold`)
 * takes the same events the time travel replays, heartbeats included, and
 * the scheduler's `liveAgentIds` and `unreachableNetworks` are asked at the
 * moment, as its runtime asks them now.
 */
import { snapshotKind, type ProjectionSnapshots, type SnapshotInfo, type StoredEvent } from '@leasehold/journal';
import { unpack } from '@leasehold/protocol';
import { DEFAULT_SCHEDULER_CONFIG, SCHEDULER_SNAPSHOT_V, SchedulerFold, liveAgentIds, readSchedulerSnapshot, schedulerConfig, schedulerFingerprint, unreachableNetworks, type SchedulerConfig } from '@leasehold/scheduler';

/** The scheduler's fold judging liveness with `agentDownTimeMs` (the other settings do not change who is alive). */
function foldConfig(agentDownTimeMs: number): SchedulerConfig {
  return schedulerConfig({ agentDownTime: agentDownTimeMs, reportInterval: Math.max(1, Math.min(DEFAULT_SCHEDULER_CONFIG.reportInterval, agentDownTimeMs - 1)) });
}

export interface LivenessAt {
  /** Agents alive at the moment, as the scheduler's fold says. */
  readonly alive: ReadonlySet<string>;
  /** DHCP networks no live agent mapped then → their physical network. */
  readonly unreachable: ReadonlyMap<string, string>;
  /** What the fold started from: `history` (every event), `scheduler@<seq>` (a snapshot), or `retained events` (compacted, no snapshot: agents heard only before are not known). */
  readonly from: string;
}

export class LivenessThen {
  private constructor(
    private readonly fold: SchedulerFold,
    /** The first event this fold takes (the ones before are in its start). */
    readonly fromSeq: number,
    private readonly from: string,
  ) {}

  /**
   * Where the fold for the moment `at` starts: nothing, on a full history
   * (`first` is 1); on a compacted one the newest scheduler snapshot taken
   * at or before `at` that reaches `first`, with the same down time; else
   * the retained events alone.
   */
  static start(agentDownTimeMs: number, first: number, at: number, snapshots?: { store: ProjectionSnapshots; infos: readonly SnapshotInfo[] }): Promise<LivenessThen> {
    const config = foldConfig(agentDownTimeMs);
    if (first <= 1 || !snapshots) return Promise.resolve(new LivenessThen(new SchedulerFold(config), 1, first <= 1 ? 'history' : 'retained events'));
    // enableNewAgents is in the fingerprint but decides only a new agent's admin state, not its liveness.
    const fingerprints = new Set([true, false].map((enableNewAgents) => schedulerFingerprint({ ...config, enableNewAgents })));
    const base = snapshots.infos
      .filter((s) => snapshotKind(s.name) === 'scheduler' && s.v === SCHEDULER_SNAPSHOT_V && fingerprints.has(s.fingerprint) && s.seq >= first - 1 && s.at <= at)
      .sort((a, b) => a.seq - b.seq)
      .at(-1);
    return base ? LivenessThen.restore(config, snapshots.store, base, first) : Promise.resolve(new LivenessThen(new SchedulerFold(config), first, 'retained events'));
  }

  private static async restore(config: SchedulerConfig, store: ProjectionSnapshots, base: SnapshotInfo, first: number): Promise<LivenessThen> {
    const read = await store.read(base.name);
    try {
      if (read) return new LivenessThen(new SchedulerFold(config, readSchedulerSnapshot(unpack(read.bytes))), base.seq + 1, `${base.name}@${base.seq}`);
    } catch {
      // A snapshot of another shape: the retained events alone, as below.
    }
    return new LivenessThen(new SchedulerFold(config), first, 'retained events');
  }

  /** Folds one replayed event (those before `fromSeq` are in the start already). */
  apply(stored: StoredEvent): void {
    if (stored.seq < this.fromSeq) return;
    try {
      this.fold.apply(stored);
    } catch {
      // An event the scheduler's fold refuses is one the scheduler skipped too (its quarantine).
    }
  }

  /** Who was alive at `at`, and the networks none could reach. */
  at(at: number): LivenessAt {
    const state = this.fold.state;
    return {
      alive: new Set(liveAgentIds(state, at)),
      unreachable: new Map(unreachableNetworks(state, at).map((u) => [u.networkId, u.physicalNetwork])),
      from: this.from,
    };
  }
}
