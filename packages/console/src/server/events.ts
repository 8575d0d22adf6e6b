/**
 * The journal's events for the console: as JSON, filtered, the latest ones
 * (a bounded scan back from the end of the stream) and the new ones as they
 * are stored (one ordered consumer shared by every open stream, started by
 * the first listener and stopped with the last).
 */
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { Journal, StoredEvent } from '@leasehold/journal';
import { EVENT_SUBJECT_PREFIX, decodeEvent } from '@leasehold/protocol';
import type { EventJson } from './shapes.js';

/** What the events page filters on; every field given must match. */
export interface EventFilter {
  /** Event types, any of them (`LeaseBound`). */
  readonly types?: readonly string[];
  /** The aggregate or its start (`lease`, `lease/net-1`). */
  readonly aggregate?: string;
  readonly network?: string;
  readonly mac?: string;
}

/**
 * The network an event belongs to: its aggregate's first id (network,
 * lease, binding), else its data's (a created port's networkId, a deleted
 * one's). Pure. A PortUpdated names no network: filtered by network, it is
 * not shown.
 */
export function networkOf(aggregate: string, data: unknown): string | null {
  const [kind, first] = aggregate.split('/');
  if ((kind === 'network' || kind === 'lease' || kind === 'binding') && first) return first;
  const d = data as { networkId?: unknown; port?: { networkId?: unknown } } | null;
  const id = d?.networkId ?? d?.port?.networkId;
  return typeof id === 'string' ? id : null;
}

export function eventJson(stored: StoredEvent): EventJson {
  const e = stored.event;
  return {
    seq: stored.seq,
    type: e.type,
    aggregate: e.aggregate,
    network_id: networkOf(e.aggregate, e.data),
    at: e.at,
    id: e.id,
    causation: e.causation ?? null,
    correlation: e.correlation ?? null,
    data: e.data,
  };
}

/** Pure. */
export function matches(event: EventJson, filter: EventFilter): boolean {
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  if (filter.aggregate && event.aggregate !== filter.aggregate && !event.aggregate.startsWith(`${filter.aggregate}/`)) return false;
  if (filter.network && event.network_id !== filter.network) return false;
  if (filter.mac && (event.data as { mac?: unknown } | null)?.mac !== filter.mac.toLowerCase()) return false;
  return true;
}

/** The most events `recentEvents` reads back from the end, whatever matches. */
export const RECENT_SCAN = 20_000;

/** The last `limit` events matching `filter` among the last RECENT_SCAN stored, oldest first. */
export async function recentEvents(journal: Journal, filter: EventFilter, limit: number): Promise<EventJson[]> {
  const { state } = await journal.jsm.streams.info(journal.layout.stream);
  if (state.messages === 0) return [];
  const fromSeq = Math.max(state.first_seq, state.last_seq - RECENT_SCAN + 1);
  const out: EventJson[] = [];
  await journal.replay(
    `${EVENT_SUBJECT_PREFIX}.>`,
    (stored) => {
      const event = eventJson(stored);
      if (!matches(event, filter)) return;
      out.push(event);
      if (out.length > limit) out.shift();
    },
    { fromSeq, toSeq: state.last_seq, onBadEvent: () => {} },
  );
  return out;
}

export type EventListener = (event: EventJson) => void;

/** New events as they are stored, to any number of listeners up to `maxListeners`. */
export class EventTail {
  private readonly listeners = new Set<EventListener>();
  private messages: ConsumerMessages | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly journal: Journal,
    readonly maxListeners = 64,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Adds a listener (false when there are maxListeners already); resolves once new events flow to it. */
  async add(listener: EventListener): Promise<boolean> {
    if (this.listeners.size >= this.maxListeners) return false;
    this.listeners.add(listener);
    this.starting ??= this.start();
    await this.starting;
    return true;
  }

  remove(listener: EventListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.stop();
  }

  stop(): void {
    this.messages?.stop();
    this.messages = undefined;
    this.starting = undefined;
  }

  private async start(): Promise<void> {
    const consumer = await this.journal.js.consumers.get(this.journal.layout.stream, { filter_subjects: `${EVENT_SUBJECT_PREFIX}.>`, deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume({ max_messages: 1_000 });
    // Every listener may have gone while the consumer was made.
    if (this.listeners.size === 0) {
      messages.stop();
      return;
    }
    this.messages = messages;
    void (async () => {
      try {
        for await (const msg of messages) {
          let event: EventJson;
          try {
            event = eventJson({ seq: msg.seq, subject: msg.subject, event: decodeEvent(msg.data, this.journal.registry) });
          } catch {
            continue; // An event this build cannot read is the journal's quarantine's business, not the console's.
          }
          for (const listener of this.listeners) listener(event);
        }
      } catch (error) {
        this.onError(error);
      }
    })();
  }
}
