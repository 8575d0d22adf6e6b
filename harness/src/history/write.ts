/**
 * Writing a synthetic history into a journal: the live state (through the
 * API, then its heartbeats, bindings and leases), then the history events,
 * with pipelined `journal.publish` (many in flight, each acknowledged), which
 * is how millions of events are written in minutes instead of real time.
 */
import type { Journal } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';
import { pipelined } from '../bench/harness.js';
import { historyEvent, liveEvent, liveEventCount, type LiveState, type PlannedEvent } from './events.js';
import { createLiveResources } from './live.js';
import type { HistoryPlan } from './plan.js';

export interface WriteOptions {
  /** Publishes in flight at once (default 2,000). */
  readonly window?: number;
  /** Gives up after this long (default 60 min); the result says how many were written. */
  readonly maxMs?: number;
  /** Called every `progressEvery` events written (default 100,000). */
  readonly onProgress?: (written: number, total: number) => void;
  readonly progressEvery?: number;
}

/** Publishes `count` planned events in order of index (several in flight); resolves with how many were acknowledged. */
export async function publishEvents(journal: Journal, count: number, event: (i: number) => PlannedEvent, options: WriteOptions = {}): Promise<number> {
  const every = options.progressEvery ?? 100_000;
  let done = 0;
  return pipelined(count, options.window ?? 2_000, options.maxMs ?? 60 * 60_000, async (i) => {
    const { subject, envelope } = event(i);
    await journal.publish(subject, envelope);
    if (++done % every === 0) options.onProgress?.(done, count);
  });
}

/** The live state (API resources, heartbeats, bindings, leases bound), then `plan.events` history events. */
export async function writeHistory(nc: NatsConnection, journal: Journal, plan: HistoryPlan, options: WriteOptions = {}): Promise<{ live: LiveState; events: number }> {
  const live = await createLiveResources(nc, plan);
  const liveCount = liveEventCount(plan);
  const wroteLive = await publishEvents(journal, liveCount, (j) => liveEvent(plan, live, j), { ...options, onProgress: undefined });
  if (wroteLive < liveCount) throw new Error(`only ${wroteLive} of ${liveCount} live-state events were written in time`);
  const events = await publishEvents(journal, plan.events, (i) => historyEvent(plan, live, i), options);
  if (events < plan.events) throw new Error(`only ${events} of ${plan.events} history events were written in time`);
  return { live, events };
}
