/**
 * Only short-lived consumers on the events stream.
 *
 * Every part of the system reads the journal through ordered consumers:
 * ephemeral, in memory, gone seconds after their reader stops. A durable
 * consumer is state the server keeps for ever, so a role that may create
 * consumers could pile them up. nats-server 2.9 cannot refuse one by
 * permission: its consumer-create subject
 * (`$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>`) is the same for both
 * kinds, the difference is in the request body. So the stream's
 * `max_consumers` bounds how many there can be at once, and the owner of the
 * store (the admin connection) removes any durable one it finds on the events
 * stream, each said in the log, within one interval.
 */
import type { ConsumerInfo } from '@nats-io/jetstream';
import type { Journal } from '../journal.js';

export interface ConsumerSurvey {
  /** Consumers on the events stream now. */
  readonly consumers: number;
  /** The stream's limit (-1: none, a stream created before Leasehold set one). */
  readonly limit: number;
  /** The durable consumers removed by this pass. */
  readonly removed: readonly string[];
}

/** Whether the guard removes this consumer: a durable one (it outlives its reader). Pure. */
export function isForbiddenConsumer(info: Pick<ConsumerInfo, 'config'>): boolean {
  return typeof info.config.durable_name === 'string' && info.config.durable_name !== '';
}

/** One pass: lists the events stream's consumers and deletes the durable ones. Needs the admin role. */
export async function guardConsumers(journal: Journal): Promise<ConsumerSurvey> {
  const stream = journal.layout.stream;
  const infos: ConsumerInfo[] = [];
  for await (const info of journal.jsm.consumers.list(stream)) infos.push(info);
  const removed: string[] = [];
  for (const info of infos.filter(isForbiddenConsumer)) {
    // Already gone (its creator deleted it meanwhile) is as good as deleted.
    await journal.jsm.consumers.delete(stream, info.name).catch((error: unknown) => {
      if (!/not found/i.test(String((error as Error)?.message ?? error))) throw error;
    });
    removed.push(info.name);
  }
  const limit = (await journal.jsm.streams.info(stream)).config.max_consumers ?? -1;
  return { consumers: infos.length - removed.length, limit, removed };
}

export interface ConsumerGuardOptions {
  readonly everyMs: number;
  readonly onSurvey?: (survey: ConsumerSurvey) => void;
  readonly onError?: (error: unknown) => void;
}

export interface RunningConsumerGuard {
  stop(): Promise<void>;
}

/** Runs `guardConsumers` now and every `everyMs`, one pass at a time. */
export function startConsumerGuard(journal: Journal, options: ConsumerGuardOptions): RunningConsumerGuard {
  let running: Promise<void> | undefined;
  const pass = () => {
    if (running) return;
    running = guardConsumers(journal)
      .then((survey) => options.onSurvey?.(survey), (error: unknown) => options.onError?.(error))
      .finally(() => (running = undefined));
  };
  pass();
  const timer = setInterval(pass, options.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
