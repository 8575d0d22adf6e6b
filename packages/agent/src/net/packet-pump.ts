/**
 * Between a DHCP server's sockets and its `handle`: the packet queue
 * (dhcp/packet-queue.ts) and the pump that empties it, shared by the DHCPv4
 * sockets (dhcp-sockets.ts) and the DHCPv6 ones (dhcp6-sockets.ts), which
 * differ only in what they queue and which packets go first.
 *
 * Sockets `push` each datagram as they read it, stamped with the read's
 * time, and never handle it there. The pump hands at most `PUMP_BATCH`
 * packets to `answer` per turn of the event loop, then yields, so the
 * sockets are read (and the queue trimmed) between batches; at most
 * `maxInFlight` answers are unsettled at once, the rest wait in the queue
 * where they can age out (issue 19's overload: shed the work nobody waits
 * for any more instead of working through it).
 */
import { performance } from 'node:perf_hooks';
import { PacketQueue, type DhcpDropReason, type DhcpQueueConfig } from '../dhcp/packet-queue.js';

export interface PacketPumpOptions<T> {
  readonly limits: DhcpQueueConfig;
  /** Counted into per reason as packets are shed (the server's stats). */
  readonly dropped: Record<DhcpDropReason, number>;
  /** Handles one packet; settles once its answer is out (or not), never rejects. */
  readonly answer: (item: T) => Promise<void>;
  /** A monotonic millisecond clock for receive stamps and ages; performance.now by default. */
  readonly clock?: () => number;
  /** Runs the next pump turn after the current I/O; setImmediate by default (tests hold turns back with their own). */
  readonly schedule?: (run: () => void) => void;
}

/** Packets handed to the server per turn of the event loop before the sockets are read again. */
const PUMP_BATCH = 64;

export class PacketPump<T> {
  /** The clock receive stamps come from. */
  readonly clock: () => number;
  private readonly queue: PacketQueue<T>;
  private readonly maxInFlight: number;
  private readonly answer: (item: T) => Promise<void>;
  private readonly schedule: (run: () => void) => void;
  private inFlight = 0;
  private scheduled = false;

  constructor(options: PacketPumpOptions<T>) {
    this.queue = new PacketQueue<T>(options.limits, options.dropped);
    this.maxInFlight = Math.max(1, options.limits.maxInFlight);
    this.answer = options.answer;
    this.clock = options.clock ?? performance.now.bind(performance);
    this.schedule = options.schedule ?? setImmediate;
  }

  /** Packets read and waiting for the server now. */
  get waiting(): number {
    return this.queue.size;
  }

  /** Queues a packet read at `receivedAt` (`completes`: it goes before those that start an exchange) and has the pump run. */
  push(item: T, receivedAt: number, completes: boolean): void {
    this.queue.push(item, receivedAt, completes);
    this.wake();
  }

  private wake(): void {
    if (this.scheduled || this.queue.size === 0 || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    this.schedule(this.turn);
  }

  /** One turn: up to PUMP_BATCH packets to the server, then the event loop reads the sockets again. */
  private readonly turn = (): void => {
    this.scheduled = false;
    const now = this.clock();
    for (let n = 0; n < PUMP_BATCH && this.inFlight < this.maxInFlight; n++) {
      const next = this.queue.take(now);
      if (next === undefined) break;
      this.inFlight++;
      void this.answer(next).then(this.settled, this.settled);
    }
    this.wake();
  };

  private readonly settled = (): void => {
    this.inFlight--;
    this.wake();
  };
}
