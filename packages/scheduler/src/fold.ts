/**
 * The scheduler's projection of the journal, as its runtime folds it: the
 * scheduler state, the version of every binding subject (the expected
 * sequence of the next decision written there) and the position. Pure: no
 * clock, no I/O; the runtime decides on `state` after each fold.
 */
import type { StoredEvent } from '@leasehold/journal';
import { bindingNetworkIdOf } from '@leasehold/resources';
import type { SchedulerConfig } from './config.js';
import { schedulerEvent } from './envelope.js';
import { createProjection, type SchedulerProjection, type SchedulerState } from './state.js';

export class SchedulerFold {
  private projection: SchedulerProjection;
  /** Binding subject → the sequence of its last event. */
  readonly bindingVersions = new Map<string, number>();
  /** The last stream sequence folded (applied or quarantined). */
  position = 0;

  /** A fold starting from a snapshot's state and binding versions (default: nothing folded). */
  constructor(config: SchedulerConfig, from?: { readonly state: SchedulerState; readonly bindingVersions: Iterable<readonly [string, number]> }) {
    this.projection = createProjection(config, from?.state);
    for (const [subject, seq] of from?.bindingVersions ?? []) this.bindingVersions.set(subject, seq);
  }

  /** The folded state (live: it changes on the next fold). */
  get state(): SchedulerState {
    return this.projection.state;
  }

  /**
   * Folds one stored event (validated by the journal's projection); true when
   * it is one the scheduler reads, so a decision may change. Throws
   * `SchedulerEventShapeError` for data its type does not allow.
   */
  apply(stored: StoredEvent): boolean {
    const event = schedulerEvent(stored.event, stored.subject);
    if (event) {
      this.projection.apply(event);
      if (bindingNetworkIdOf(stored.subject) !== undefined) this.bindingVersions.set(stored.subject, stored.seq);
    }
    if (stored.seq > this.position) this.position = stored.seq;
    return event !== undefined;
  }

  /**
   * A quarantined event (one no fold may apply) at `seq` on `subject`: the
   * state stays as it was; on a binding subject its version becomes `seq`,
   * the server's last sequence, so the next decision written there is not
   * refused for it.
   */
  quarantine(subject: string, seq: number): void {
    if (bindingNetworkIdOf(subject) !== undefined) this.bindingVersions.set(subject, seq);
    if (seq > this.position) this.position = seq;
  }
}
