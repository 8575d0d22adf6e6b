/**
 * The read model kept up to date: a snapshotted journal projection named
 * `api` over `lh.evt.>`, restored from its last snapshot when one fits this
 * build, then fed every event after it. Quarantined events (they do not
 * validate) only move their aggregate's version, so it stays writable.
 */
import type { Journal, ProjectionStartOptions, QuarantinedEvent, RunningSnapshottedProjection } from '@leasehold/journal';
import { ProjectionSnapshots, projectionStartOptions, quarantineLine, startSnapshottedProjection } from '@leasehold/journal';
import { ReadModel } from './read-model.js';
import { READ_MODEL_SNAPSHOT_V } from './snapshot.js';

export interface ReadModelOptions extends ProjectionStartOptions {
  /** Trouble the projection recovers from by itself (a lost consumer), for the log. */
  readonly onProjectionError?: (error: unknown) => void;
  /** Each event quarantined, once, for the log at error level. Default: `onProjectionError` with the line. */
  readonly onQuarantine?: (event: QuarantinedEvent, line: string) => void;
}

export interface RunningReadModel {
  /** The model, caught up with the journal as it was when the projection started. */
  readonly model: ReadModel;
  readonly projection: RunningSnapshottedProjection;
}

/**
 * Starts the projection and resolves once it has caught up; rejects (the
 * projection stopped) when the replay makes no progress for the stall limit.
 */
export async function startReadModel(journal: Journal, options: ReadModelOptions = {}): Promise<RunningReadModel> {
  let model = new ReadModel();
  const projection = await startSnapshottedProjection(journal, {
    name: 'api',
    filter: 'lh.evt.>',
    snapshots: await ProjectionSnapshots.open(journal),
    fold: {
      v: READ_MODEL_SNAPSHOT_V,
      take: () => model.snapshot(),
      // ReadModel.restore checks the shape before building anything; the handlers are made after this.
      restore: (state) => (model = ReadModel.restore(state)),
    },
    ...projectionStartOptions(options),
    apply: (stored) => model.apply(stored),
    onQuarantine: (event) => {
      model.quarantine(event.subject, event.seq);
      const line = quarantineLine('api', event);
      if (options.onQuarantine) options.onQuarantine(event, line);
      else options.onProjectionError?.(new Error(line, { cause: event.error }));
    },
    ...(options.onProjectionError ? { onError: options.onProjectionError } : {}),
  });
  await projection.caughtUp;
  return { model, projection };
}
