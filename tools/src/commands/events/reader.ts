/**
 * Reading the events stream for tools, read-only: an ordered consumer on
 * one filter subject from a sequence or an instant, to the end as it is now
 * (dump, export, replay) or on and on (tail). Nothing is provisioned: a tool
 * that opened the journal would create or reconfigure the stream.
 */
import { DeliverPolicy, jetstream, type JsMsg, type OrderedConsumerOptions, type StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeEvent } from '@leasehold/protocol';
import { defaultLayout, jetstreamManagerAfterReloads } from '@leasehold/journal';
import { CliError, EXIT_FAILURE } from '../resources/errors.js';
import type { Start } from './filter.js';
import type { EventRecord } from './render.js';

export const EVENTS_STREAM = defaultLayout.stream;

/** A message as tools keep it: enough to decode it again, or to write it to a bundle unchanged. */
export interface RawEvent {
  readonly seq: number;
  readonly subject: string;
  /** When the server stored it, ms since the epoch. */
  readonly stored: number;
  readonly data: Uint8Array;
}

export interface ReadOptions {
  /** One subject filter (nats-server 2.9 takes no lists). */
  readonly filter: string;
  readonly start?: Start;
  /** Without `start`: only events stored from now on (tail), instead of from the first. */
  readonly onlyNew?: boolean;
  /** Without `start`: only the last message of each subject (a KV bucket's current values). */
  readonly lastPerSubject?: boolean;
  /** Stop after this sequence. */
  readonly toSeq?: number;
  /** Keep reading new events until `signal` aborts. */
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
  /** Called once with how many events the filter holds from the start (before any is read). */
  readonly onPending?: (pending: number) => void;
}

/** The stream's info; a missing stream becomes a CliError that says so. */
export async function eventsStreamInfo(nc: NatsConnection, stream = EVENTS_STREAM): Promise<StreamInfo> {
  const jsm = await jetstreamManagerAfterReloads(nc);
  try {
    return await jsm.streams.info(stream);
  } catch (error) {
    if (error instanceof Error && /stream not found/i.test(error.message)) {
      throw new CliError('NO_JOURNAL', `stream ${stream} does not exist on this server: nothing was ever journaled here`, undefined, EXIT_FAILURE, { cause: error });
    }
    throw error;
  }
}

/**
 * Calls `onEvent` for each message matching the filter, in stream order;
 * `onEvent` returning false stops. Resolves with the count delivered. Without
 * `follow` it stops at the end of the stream as it was when called.
 */
export async function readEvents(nc: NatsConnection, options: ReadOptions, onEvent: (raw: RawEvent) => boolean | void, stream = EVENTS_STREAM): Promise<number> {
  await eventsStreamInfo(nc, stream);
  const js = jetstream(nc);
  const start = options.start;
  const config: Partial<OrderedConsumerOptions> = {
    filter_subjects: options.filter,
    ...(start === undefined
      ? { deliver_policy: options.onlyNew ? DeliverPolicy.New : options.lastPerSubject ? DeliverPolicy.LastPerSubject : DeliverPolicy.All }
      : 'seq' in start
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.seq }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(start.time).toISOString() }),
  };
  const consumer = await js.consumers.get(stream, config);
  const pending = (await consumer.info(true)).num_pending;
  options.onPending?.(pending);
  if (!options.follow && pending === 0) return 0;
  if (options.signal?.aborted) return 0;
  const end = options.toSeq ?? Number.POSITIVE_INFINITY;
  const messages = await consumer.consume({ max_messages: 10_000 });
  const stop = () => messages.stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  let count = 0;
  try {
    for await (const msg of messages) {
      if (msg.seq > end) break;
      count++;
      if (onEvent(toRaw(msg)) === false) break;
      if (msg.seq >= end) break;
      if (!options.follow && msg.info.pending === 0) break;
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    messages.stop();
  }
  return count;
}

function toRaw(msg: JsMsg): RawEvent {
  return { seq: msg.seq, subject: msg.subject, stored: Number(msg.timestampNanos / 1_000_000n), data: msg.data };
}

/** Decodes a raw message into what the renderer takes; a message that cannot be decoded keeps its error. Pure. */
export function decodeRaw(raw: RawEvent): EventRecord {
  try {
    return { seq: raw.seq, subject: raw.subject, stored: raw.stored, event: decodeEvent(raw.data) };
  } catch (error) {
    return { seq: raw.seq, subject: raw.subject, stored: raw.stored, error: error instanceof Error ? error.message : String(error) };
  }
}
