/**
 * The agent's model folded from the journal: every event on `lh.evt.>`
 * through `AgentModel.apply`, starting from the model's last stored
 * snapshot when one fits (same schema version, same fold options) and
 * storing new ones as it goes. An event no fold may apply is quarantined:
 * skipped, its lease address still writable, said once at error level.
 */
import {
  ProjectionSnapshots,
  projectionStartOptions,
  quarantineLine,
  startSnapshottedProjection,
  type Journal,
  type ProjectionStartOptions,
  type RunningSnapshottedProjection,
} from '@leasehold/journal';
import type { AgentConfig } from './config.js';
import type { AgentModel } from './state/agent-model.js';
import { AGENT_MODEL_SNAPSHOT_V, modelFingerprint, type AgentModelSnapshot } from './state/model-snapshot.js';

export interface ModelProjectionOptions {
  readonly config: Pick<AgentConfig, 'agentId' | 'offerTtlMs' | 'declineQuarantineMs'>;
  readonly journal: Journal;
  readonly model: AgentModel;
  /**
   * Told of the snapshot the model was restored from: a restore sends no change
   * notices, so what listeners built from them is seeded here instead.
   */
  readonly restored: (snapshot: AgentModelSnapshot) => void;
  readonly log: (line: string) => void;
}

/** Starts folding; the projection's `caughtUp` rejects (the projection stopped) when the replay makes no progress for the stall limit. */
export async function startModelProjection(options: ModelProjectionOptions, start: ProjectionStartOptions = {}): Promise<RunningSnapshottedProjection> {
  const { config, journal, model, log } = options;
  const name = `agent-${config.agentId}`;
  return startSnapshottedProjection(journal, {
    name,
    filter: 'lh.evt.>',
    snapshots: await ProjectionSnapshots.open(journal),
    fold: {
      v: AGENT_MODEL_SNAPSHOT_V,
      fingerprint: modelFingerprint({ offerTtlMs: config.offerTtlMs, declineQuarantineMs: config.declineQuarantineMs }),
      take: () => model.snapshot(),
      // All or nothing: the model stays empty on a refusal.
      restore: (state) => options.restored(model.restore(state)),
    },
    ...projectionStartOptions(start),
    apply: (stored) => model.apply(stored),
    // The agent's own lease writes come back here after it folded them on their acknowledgement.
    alreadyFolded: (subject, seq) => model.alreadyFolded(subject, seq),
    onQuarantine: (event) => {
      model.quarantine(event.subject, event.seq);
      log(`agent: ${quarantineLine(name, event)}`);
    },
    onError: (error) => log(`agent: journal: ${(error as Error).message}`),
  });
}
