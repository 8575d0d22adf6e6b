/** Errors of the scheduler core. The fold and `decide` never throw on events they do not understand; these are for the edges. */
import { EnvelopeDecodeError } from '@leasehold/protocol';

/** A scheduler envelope whose data lacks what its type and version promise. A DecodeError, so a subscriber counts and skips it. */
export class SchedulerEventShapeError extends EnvelopeDecodeError {
  override name = 'SchedulerEventShapeError';
  constructor(
    readonly type: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${type}: ${detail}`, undefined, options);
  }
}

/** A scheduler configuration value that cannot be used (thrown by `schedulerConfig`). */
export class SchedulerConfigError extends Error {
  override name = 'SchedulerConfigError';
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`scheduler config ${field}: ${detail}`);
  }
}

/** A stored snapshot that is not a scheduler snapshot of this version (it is ignored and the journal folded instead). */
export class SchedulerSnapshotError extends Error {
  override name = 'SchedulerSnapshotError';
}
