/**
 * The DHCP servers' packet queue: where datagrams wait between the socket
 * and `DhcpServer.handle` (and `Dhcp6Server.handle`, its packets ranked by
 * dhcp6/queue-priority.ts; net/packet-pump.ts), so that under overload the agent sheds the work
 * nobody waits for any more instead of working through it (Kea's congestion
 * handling, `dhcp-queue-control`, ARM chapter "Congestion Handling": a ring
 * buffer that discards the oldest packets once full).
 *
 * Bounded twice, each bound counted by its reason:
 * - by count (`capacity`): a push beyond it drops the oldest packet that
 *   starts an exchange (a DISCOVER), and only when none waits the oldest
 *   that completes one (`queue_full`);
 * - by age (`maxAgeMs`): a packet older than that when its turn comes is
 *   dropped, not answered (`stale`): its client has retransmitted or given
 *   up, and an OFFER to it would only take an address from the pool.
 * A packet that completes an exchange (REQUEST, and RELEASE, DECLINE,
 * INFORM: `completesExchange`) is taken before any DISCOVER: the work spent
 * on its OFFER is only worth something once it is ACKed.
 *
 * Pure: time comes in as numbers (a monotonic clock's milliseconds, stamped
 * when the datagram was read), nothing here reads a clock or schedules.
 * Every pushed packet is either taken once or counted once in `dropped`.
 */
import { DhcpMessageType } from '@leasehold/protocol';

export const dhcpDropReasons = ['stale', 'queue_full'] as const;

export type DhcpDropReason = (typeof dhcpDropReasons)[number];

export interface PacketQueueLimits {
  /** Packets waiting at most (>= 1). */
  readonly capacity: number;
  /** A packet older than this when its turn comes is dropped unanswered. */
  readonly maxAgeMs: number;
}

/**
 * The agent's queue settings (`AgentConfig.dhcpQueue`). Defaults, chosen
 * against `npm run bench:dhcp` on a loaded two-core machine:
 * - `maxAgeMs` 500: a client gives up on an answer after 1 s (perfdhcp) to
 *   4 s (RFC 2131 4.1's first retransmission); a DISCOVER answered within
 *   half a second leaves its REQUEST time to be answered too. Age counts
 *   from our read, so it is the wait in the agent only.
 * - `capacity` 2,048 datagrams: at the agent's peak (about 5,000 a second
 *   on two cores) that is 0.4 s of work, so under overload the wait stays
 *   under `maxAgeMs` and the count bound sheds first, cheaply, at push
 *   time. Much smaller and a busy host's scheduling gaps shed at loads the
 *   agent does serve: with 256, a 100 ms pause at 1,500 exchanges a second
 *   (3,000 datagrams) dropped a burst. Kea's congestion ring holds 64 by
 *   default, but Kea reads on a thread of its own and answers in about a
 *   third of our time.
 * - `maxInFlight` 1,024: datagrams handed to the server whose answer is not
 *   settled yet, REQUESTs awaiting JetStream's ack; past it the rest wait in
 *   the queue, where they can age out, instead of piling up as writes nobody
 *   waits for. Kea's `parked-packet-limit` (default 256) bounds answers held
 *   for a lease update's acknowledgement the same way; ours is larger
 *   because each write's round trip through nats-server, on the same two
 *   cores, can take tens of milliseconds when the host is busy, and the
 *   writes of one turn travel together.
 */
export interface DhcpQueueConfig extends PacketQueueLimits {
  readonly maxInFlight: number;
}

export const defaultDhcpQueue: DhcpQueueConfig = { capacity: 2048, maxAgeMs: 500, maxInFlight: 1024 };

interface Waiting<T> {
  readonly item: T;
  readonly receivedAt: number;
}

/** A FIFO that pops from the front without shifting the array each time. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the taken half dominates, so memory follows the queue's length.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

export class PacketQueue<T> {
  /** REQUEST, RELEASE, DECLINE, INFORM: taken first. */
  private readonly completing = new Fifo<Waiting<T>>();
  /** DISCOVER and anything not known to complete an exchange. */
  private readonly starting = new Fifo<Waiting<T>>();

  /** `dropped` is counted into, so the caller's stats see each drop as it happens. */
  constructor(
    readonly limits: PacketQueueLimits,
    private readonly dropped: Record<DhcpDropReason, number>,
  ) {
    if (!(limits.capacity >= 1) || !(limits.maxAgeMs >= 0)) throw new RangeError(`packet queue: capacity >= 1 and maxAgeMs >= 0 expected, got ${limits.capacity} and ${limits.maxAgeMs}`);
  }

  /** Packets waiting now. */
  get size(): number {
    return this.completing.length + this.starting.length;
  }

  /** Queues a packet read at `receivedAt`; when full, the oldest DISCOVER (else the oldest of the rest) is dropped. */
  push(item: T, receivedAt: number, completes: boolean): void {
    (completes ? this.completing : this.starting).push({ item, receivedAt });
    if (this.size <= this.limits.capacity) return;
    (this.starting.length > 0 ? this.starting : this.completing).shift();
    this.dropped.queue_full++;
  }

  /** The next packet to handle at `now`, completing exchanges first; packets too old on the way are dropped. */
  take(now: number): T | undefined {
    for (;;) {
      const next = this.completing.shift() ?? this.starting.shift();
      if (next === undefined) return undefined;
      if (now - next.receivedAt <= this.limits.maxAgeMs) return next.item;
      this.dropped.stale++;
    }
  }
}

const MAGIC_COOKIE_AT = 236;
const OPTIONS_AT = 240;

/**
 * Whether a raw DHCP datagram completes an exchange (DHCPREQUEST, DECLINE,
 * RELEASE, INFORM) rather than starting one: option 53 read straight from
 * the bytes, without decoding the message. Anything unreadable counts as
 * starting one (the server's decoder then says what is wrong with it).
 * Option overload (RFC 2132 9.3) is not followed: such a message waits
 * with the DISCOVERs, and is handled all the same. Pure.
 */
export function completesExchange(data: Uint8Array): boolean {
  if (data.length < OPTIONS_AT + 3 || data[MAGIC_COOKIE_AT] !== 99 || data[MAGIC_COOKIE_AT + 1] !== 130 || data[MAGIC_COOKIE_AT + 2] !== 83 || data[MAGIC_COOKIE_AT + 3] !== 99) return false;
  let at = OPTIONS_AT;
  while (at < data.length) {
    const code = data[at]!;
    if (code === 255) return false;
    if (code === 0) {
      at++;
      continue;
    }
    if (at + 1 >= data.length) return false;
    const length = data[at + 1]!;
    if (code === 53) {
      if (length < 1 || at + 2 >= data.length) return false;
      const type = data[at + 2]!;
      return type === DhcpMessageType.Request || type === DhcpMessageType.Decline || type === DhcpMessageType.Release || type === DhcpMessageType.Inform;
    }
    at += 2 + length;
  }
  return false;
}
