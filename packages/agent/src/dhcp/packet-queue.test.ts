import { fc, test } from '@fast-check/vitest';
import { DhcpMessageType } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { clientPacket } from '../testing/packets.js';
import { PacketQueue, completesExchange, type DhcpDropReason } from './packet-queue.js';

const counters = (): Record<DhcpDropReason, number> => ({ stale: 0, queue_full: 0 });

/** Takes until the queue is empty, all at `now`. */
function drain<T>(queue: PacketQueue<T>, now: number): T[] {
  const taken: T[] = [];
  for (let item = queue.take(now); item !== undefined; item = queue.take(now)) taken.push(item);
  return taken;
}

describe('the packet queue', () => {
  test('drops the oldest DISCOVER when a push goes past capacity, counted as queue_full', () => {
    const dropped = counters();
    const queue = new PacketQueue<string>({ capacity: 3, maxAgeMs: 1000 }, dropped);
    queue.push('d1', 0, false);
    queue.push('d2', 1, false);
    queue.push('d3', 2, false);
    queue.push('d4', 3, false);
    expect(dropped).toStrictEqual({ stale: 0, queue_full: 1 });
    expect(drain(queue, 3)).toStrictEqual(['d2', 'd3', 'd4']);
  });

  test('when full, a REQUEST pushes out the oldest DISCOVER, not an older REQUEST', () => {
    const dropped = counters();
    const queue = new PacketQueue<string>({ capacity: 2, maxAgeMs: 1000 }, dropped);
    queue.push('r1', 0, true);
    queue.push('d1', 1, false);
    queue.push('r2', 2, true);
    expect(drain(queue, 2)).toStrictEqual(['r1', 'r2']);
    expect(dropped.queue_full).toBe(1);
  });

  test('a DISCOVER pushed onto a queue full of REQUESTs is the one dropped', () => {
    const dropped = counters();
    const queue = new PacketQueue<string>({ capacity: 2, maxAgeMs: 1000 }, dropped);
    queue.push('r1', 0, true);
    queue.push('r2', 1, true);
    queue.push('d1', 2, false);
    expect(drain(queue, 2)).toStrictEqual(['r1', 'r2']);
    expect(dropped.queue_full).toBe(1);
  });

  test('takes REQUESTs before DISCOVERs, each in arrival order', () => {
    const queue = new PacketQueue<string>({ capacity: 10, maxAgeMs: 1000 }, counters());
    queue.push('d1', 0, false);
    queue.push('r1', 1, true);
    queue.push('d2', 2, false);
    queue.push('r2', 3, true);
    expect(drain(queue, 3)).toStrictEqual(['r1', 'r2', 'd1', 'd2']);
  });

  test('drops packets older than maxAgeMs when their turn comes, counted as stale, and hands out the next fresh one', () => {
    const dropped = counters();
    const queue = new PacketQueue<string>({ capacity: 10, maxAgeMs: 500 }, dropped);
    queue.push('old discover', 0, false);
    queue.push('old request', 100, true);
    queue.push('fresh discover', 900, false);
    queue.push('fresh request', 950, true);
    // At 1000: the old ones are 1000 and 900 ms old, the fresh ones 100 and 50.
    expect(drain(queue, 1000)).toStrictEqual(['fresh request', 'fresh discover']);
    expect(dropped).toStrictEqual({ stale: 2, queue_full: 0 });
  });

  test('a packet exactly maxAgeMs old is still answered', () => {
    const dropped = counters();
    const queue = new PacketQueue<string>({ capacity: 1, maxAgeMs: 500 }, dropped);
    queue.push('p', 0, false);
    expect(queue.take(500)).toBe('p');
    expect(dropped.stale).toBe(0);
  });

  test('refuses a capacity below 1', () => {
    expect(() => new PacketQueue({ capacity: 0, maxAgeMs: 1 }, counters())).toThrow(RangeError);
  });

  const ops = fc.array(
    fc.oneof(
      fc.record({ op: fc.constant('push' as const), completes: fc.boolean(), advance: fc.integer({ min: 0, max: 400 }) }),
      fc.record({ op: fc.constant('take' as const), advance: fc.integer({ min: 0, max: 400 }) }),
    ),
    { maxLength: 300 },
  );

  test.prop([ops, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 1000 })])(
    'every packet is taken once or counted once as dropped, never both; none is taken older than maxAgeMs; the size never passes capacity',
    (steps, capacity, maxAgeMs) => {
      const dropped = counters();
      const queue = new PacketQueue<{ id: number; at: number; completes: boolean }>({ capacity, maxAgeMs }, dropped);
      const taken: { id: number; at: number; completes: boolean }[] = [];
      let now = 0;
      let pushed = 0;
      const take = () => {
        const before = dropped.stale;
        const item = queue.take(now);
        if (item) {
          expect(now - item.at).toBeLessThanOrEqual(maxAgeMs);
          taken.push(item);
        }
        return dropped.stale - before;
      };
      for (const step of steps) {
        now += step.advance;
        if (step.op === 'push') queue.push({ id: pushed++, at: now, completes: step.completes }, now, step.completes);
        else take();
        expect(queue.size).toBeLessThanOrEqual(capacity);
      }
      while (queue.size > 0) take();
      const ids = taken.map((t) => t.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(taken.length + dropped.stale + dropped.queue_full).toBe(pushed);
    },
  );

  test.prop([fc.array(fc.boolean(), { maxLength: 100 }), fc.integer({ min: 1, max: 200 })])(
    'within one moment, every waiting REQUEST is taken before any DISCOVER',
    (kinds, capacity) => {
      const queue = new PacketQueue<boolean>({ capacity, maxAgeMs: 0 }, counters());
      for (const completes of kinds) queue.push(completes, 0, completes);
      const taken = drain(queue, 0);
      const firstDiscover = taken.indexOf(false);
      expect(firstDiscover === -1 || !taken.slice(firstDiscover).includes(true)).toBe(true);
    },
  );
});

describe('completesExchange', () => {
  const mac = '02:00:00:00:00:01';

  test('a REQUEST, RELEASE, DECLINE or INFORM completes an exchange; a DISCOVER does not', () => {
    const kinds = [DhcpMessageType.Discover, DhcpMessageType.Request, DhcpMessageType.Decline, DhcpMessageType.Release, DhcpMessageType.Inform];
    expect(kinds.map((type) => completesExchange(clientPacket({ type, mac })))).toStrictEqual([false, true, true, true, true]);
  });

  test('bytes that are not a DHCP message wait with the DISCOVERs', () => {
    const request = clientPacket({ type: DhcpMessageType.Request, mac });
    expect(completesExchange(new Uint8Array(0))).toBe(false);
    expect(completesExchange(request.subarray(0, 240))).toBe(false);
    const noCookie = Uint8Array.from(request);
    noCookie[236] = 0;
    expect(completesExchange(noCookie)).toBe(false);
  });

  test.prop([fc.uint8Array({ maxLength: 600 })])('never throws, whatever the bytes', (bytes) => {
    expect(typeof completesExchange(bytes)).toBe('boolean');
  });
});
