/**
 * One replay: read the aggregate's events from a source, step them through
 * its machine, then check the stored snapshot and (on NATS) the running
 * API's projection against the states it went through.
 */
import type { ApiClient } from '@leasehold/api';
import { RequestError, TimeoutError } from '@nats-io/transport-node';
import { replayer, type AggregateRef, type AggregateState, type ReplayStep } from './aggregate.js';
import { checkSnapshot, locateDivergence, type CheckResult } from './check.js';
import { fetchLive, replayedLive } from './live.js';
import type { EventSource } from './source.js';

export interface ReplayReport {
  readonly ref: AggregateRef;
  readonly source: string;
  readonly initial: AggregateState;
  readonly steps: readonly ReplayStep[];
  /** Events that could not be decoded (skipped): sequence and why. */
  readonly bad: readonly { readonly seq: number; readonly error: string }[];
  readonly snapshot: CheckResult;
  readonly live: CheckResult & { readonly asked?: string };
  readonly ms: number;
}

export interface ReplayOptions {
  /** The API to check against; none: the live check is skipped. */
  readonly client?: ApiClient;
  readonly agentDownTime?: number;
  readonly onPending?: (pending: number) => void;
  readonly onStep?: () => void;
  /** The instant the API judges lease ends by (defaults to now). */
  readonly now?: number;
}

/** Replays one aggregate and checks it; never throws for a divergence (the report says). */
export async function runReplay(source: EventSource, ref: AggregateRef, options: ReplayOptions = {}): Promise<ReplayReport> {
  const started = performance.now();
  const r = replayer(ref, options.agentDownTime !== undefined ? { agentDownTime: options.agentDownTime } : {});
  const initial = r.state;
  const steps: ReplayStep[] = [];
  const bad: { seq: number; error: string }[] = [];
  await source.replay(
    ref.subject,
    (stored) => {
      steps.push(r.step(stored));
      options.onStep?.();
    },
    {
      onBadEvent: (seq, _subject, error) => bad.push({ seq, error: error instanceof Error ? error.message : String(error) }),
      ...(options.onPending ? { onPending: options.onPending } : {}),
    },
  );
  const snapshot = checkSnapshot(await source.snapshot(ref.subject), initial, steps);
  const live = options.client ? await checkLive(options.client, ref, initial, steps, options.now ?? Date.now()) : { kind: 'skipped' as const, reason: source.live ? 'not asked (--no-live)' : `no API behind ${source.name}` };
  return { ref, source: source.name, initial, steps, bad, snapshot, live, ms: performance.now() - started };
}

async function checkLive(client: ApiClient, ref: AggregateRef, initial: AggregateState, steps: readonly ReplayStep[], now: number): Promise<CheckResult & { asked?: string }> {
  let live;
  try {
    live = await fetchLive(client, ref);
  } catch (error) {
    if (error instanceof RequestError || error instanceof TimeoutError) return { kind: 'skipped', reason: `no API answered (${error.message})` };
    throw error;
  }
  const views = steps.map((s) => ({ seq: s.seq, view: replayedLive(ref, s, s, now) }));
  return { ...locateDivergence(replayedLive(ref, initial, undefined, now), views, live.view, live.position), asked: live.asked };
}

/** True when a check found the two sides disagree. Pure. */
export function diverged(report: ReplayReport): boolean {
  return report.snapshot.kind === 'diverged' || report.live.kind === 'diverged';
}
