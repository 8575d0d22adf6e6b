import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  boundAtEnd,
  clientHoldings,
  doubleBindings,
  longestSilence,
  longestWait,
  quantile,
  requestWaits,
  sharedAddresses,
  unjournaledAcks,
  type LeaseFact,
} from './checks.js';
import type { AckRecord, NakRecord, RequestRecord } from './loadgen-records.js';

const ack = (mac: string, ip: string, at: number): AckRecord => ({ client: 0, request: 0, mac, ip, xid: 1, at, server: 's', kind: 'bind', latencyMs: 0, waitMs: 0 });
const fact = (seq: number, type: string, ip: string, mac: string | undefined, at: number, expiresAt?: number): LeaseFact => ({ seq, type, ip, mac, at, ...(expiresAt !== undefined ? { expiresAt } : {}) });

const acksArb = fc.array(fc.record({ mac: fc.constantFrom('m1', 'm2', 'm3'), ip: fc.constantFrom('a', 'b', 'c'), at: fc.integer({ min: 10, max: 10_000 }), lead: fc.integer({ min: 0, max: 9 }) }), { maxLength: 30 });

describe('fault test checks', () => {
  test.prop([acksArb])('every ACK with its own event written before it is journaled; dropping one event leaves exactly one ACK unmatched', (rows) => {
    const acks = rows.map((r) => ack(r.mac, r.ip, r.at));
    const facts = rows.map((r, i) => fact(i, i % 2 ? 'LeaseRenewed' : 'LeaseBound', r.ip, r.mac, r.at - r.lead));
    expect(unjournaledAcks(acks, facts)).toStrictEqual([]);
    if (rows.length > 0) expect(unjournaledAcks(acks, facts.slice(1))).toHaveLength(1);
    // An event for another client, or written after the ACK left, backs nothing.
    const wrong = rows.map((r, i) => fact(i, 'LeaseBound', r.ip, `${r.mac}x`, r.at));
    const end = Math.max(0, ...rows.map((r) => r.at));
    const late = rows.map((r, i) => fact(i, 'LeaseBound', r.ip, r.mac, end + 1));
    expect(unjournaledAcks(acks, wrong)).toHaveLength(rows.length);
    expect(unjournaledAcks(acks, late)).toHaveLength(rows.length);
  });

  test.prop([fc.array(fc.record({ op: fc.constantFrom('bind', 'release', 'expire'), ip: fc.constantFrom('a', 'b'), mac: fc.constantFrom('m1', 'm2', 'm3') }), { maxLength: 40 })])(
    'a history where a client binds only a free address or its own has no double binding, and one intruding bind is reported at its sequence',
    (ops) => {
      const holder = new Map<string, string>();
      const facts: LeaseFact[] = [];
      ops.forEach((op, i) => {
        const current = holder.get(op.ip);
        if (op.op === 'bind' && (current === undefined || current === op.mac)) {
          facts.push(fact(i, current ? 'LeaseRenewed' : 'LeaseBound', op.ip, op.mac, i, i + 1000));
          holder.set(op.ip, op.mac);
        } else if (op.op !== 'bind' && current !== undefined) {
          facts.push(fact(i, op.op === 'release' ? 'LeaseReleased' : 'LeaseExpired', op.ip, current, i));
          holder.delete(op.ip);
        }
      });
      expect(doubleBindings(facts)).toStrictEqual([]);
      expect(boundAtEnd(facts)).toStrictEqual(holder);
      const [ip, mac] = [...holder][0] ?? [];
      if (ip !== undefined) {
        const intruder = fact(1000, 'LeaseBound', ip, `${mac}-other`, 999);
        expect(doubleBindings([...facts, intruder])).toStrictEqual([{ ip, holder: mac, intruder: `${mac}-other`, seq: 1000 }]);
        // Past the holder's end, the address is free again.
        expect(doubleBindings([...facts, { ...intruder, at: 1_000_000 }])).toStrictEqual([]);
      }
    },
  );

  test('a client holds its latest ACK unless a NAK came after it, and two clients on one address are found', () => {
    const holdings = clientHoldings(
      [ack('m1', 'a', 1), ack('m1', 'b', 5), ack('m2', 'c', 1), ack('m3', 'b', 2)],
      [{ client: 1, request: 0, mac: 'm2', at: 3, during: 'renew', ip: 'c' }],
    );
    expect(holdings).toStrictEqual(new Map([['m1', 'b'], ['m3', 'b']]));
    expect(sharedAddresses(holdings)).toStrictEqual(['b']);
  });

  const timesArb = fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 40 });
  const windowArb = fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 })).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

  test.prop([timesArb, windowArb])(
    'the longest silence is at least every gap between consecutive ACKs in the window (edges included), and is one of those gaps',
    (times, [from, to]) => {
      const silence = longestSilence(times, from, to);
      const bounds = [from, ...times.filter((t) => t > from && t < to).sort((a, b) => a - b), to];
      const gaps = bounds.slice(1).map((t, i) => t - bounds[i]!);
      for (const gap of gaps) expect(silence.ms).toBeGreaterThanOrEqual(gap);
      expect(gaps).toContain(silence.ms);
      expect(silence.ms).toBe(silence.end - silence.start);
      // It begins and ends at an ACK or an edge of the window, with no ACK inside it.
      expect([from, ...times]).toContain(silence.start);
      expect([to, ...times]).toContain(silence.end);
      expect(from <= silence.start && silence.end <= to).toBe(true);
      expect(times.filter((t) => t > silence.start && t < silence.end)).toStrictEqual([]);
    },
  );

  test.prop([timesArb, windowArb, fc.integer({ min: -100, max: 1100 })])('adding an ACK never lengthens the longest silence', (times, [from, to], extra) => {
    expect(longestSilence([...times, extra], from, to).ms).toBeLessThanOrEqual(longestSilence(times, from, to).ms);
  });

  test.prop([timesArb, windowArb, fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 10 })])(
    'ACKs outside the window do not change the longest silence, and a window without ACKs is silent throughout',
    (times, [from, to], offsets) => {
      const outside = offsets.flatMap((o) => [from - o, to + o]);
      expect(longestSilence([...times, ...outside], from, to)).toStrictEqual(longestSilence(times, from, to));
      expect(longestSilence(outside, from, to)).toStrictEqual({ start: from, end: to, ms: to - from });
    },
  );

  test('an ACK of a request in flight just after the fault does not hide the silence that follows it (issue 14)', () => {
    // Steady ACKs every 50 ms, the fault at 1000, one ACK 5 ms after it, then nothing until 5000.
    const times = [...Array.from({ length: 20 }, (_, i) => 50 * (i + 1)), 1005, 5000, 5050, 5100];
    expect(longestSilence(times, 0, 6000)).toStrictEqual({ start: 1005, end: 5000, ms: 3995 });
    expect(() => longestSilence(times, 10, 5)).toThrow(RangeError);
  });

  /** Requests of a few clients, each answered after `after` ms (by an ACK, or a NAK) or never. */
  const historyArb = fc.array(
    fc.record({ client: fc.integer({ min: 0, max: 4 }), at: fc.integer({ min: 0, max: 10_000 }), after: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }), nak: fc.boolean() }),
    { maxLength: 30 },
  );
  const records = (rows: { client: number; at: number; after: number | undefined; nak: boolean }[]) => {
    const requests: RequestRecord[] = rows.map((r, id) => ({ id, client: r.client, mac: `m${r.client}`, kind: id % 2 ? 'renew' : 'bind', at: r.at }));
    const answered = rows.flatMap((r, id) => (r.after === undefined ? [] : [{ r, id, at: r.at + r.after }]));
    const acks: AckRecord[] = answered.filter((x) => !x.r.nak).map(({ r, id, at }) => ({ ...ack(`m${r.client}`, 'a', at), client: r.client, request: id, waitMs: at - r.at }));
    const naks: NakRecord[] = answered.filter((x) => x.r.nak).map(({ r, id, at }) => ({ client: r.client, request: id, mac: `m${r.client}`, at, during: 'request', ip: 'a' }));
    return { requests, acks, naks };
  };
  const NOW = 20_000;

  test.prop([historyArb])('each request waits until its ACK or NAK (an ACK\'s own waitMs), or until now while unanswered', (rows) => {
    const { requests, acks, naks } = records(rows);
    const waits = requestWaits(requests, acks, naks, NOW);
    expect(waits).toHaveLength(requests.length);
    rows.forEach((r, id) => {
      expect(waits[id]).toMatchObject({ request: id, client: r.client, start: r.at, ms: r.after ?? NOW - r.at, answer: r.after === undefined ? undefined : r.nak ? 'nak' : 'ack' });
    });
    for (const a of acks) expect(waits[a.request]!.ms).toBe(a.waitMs);
  });

  test.prop([historyArb, windowArb.map(([a, b]): [number, number] => [a * 20, b * 20]), fc.integer({ min: 0, max: 5_000 })])(
    'the longest wait is the longest of the requests open in the window, and neither a wider window nor another request shortens it',
    (rows, [from, to], widen) => {
      const { requests, acks, naks } = records(rows);
      const waits = requestWaits(requests, acks, naks, NOW);
      const open = waits.filter((w) => w.start <= to && w.end >= from);
      const longest = longestWait(waits, from, to);
      if (open.length === 0) expect(longest).toBeUndefined();
      else {
        expect(open).toContain(longest);
        for (const w of open) expect(longest!.ms).toBeGreaterThanOrEqual(w.ms);
      }
      const wider = longestWait(waits, from - widen, to + widen);
      expect(wider?.ms ?? -1).toBeGreaterThanOrEqual(longest?.ms ?? -1);
      const more = requestWaits([...requests, { id: requests.length, client: 9, mac: 'm9', kind: 'bind', at: from }], acks, naks, NOW);
      expect(longestWait(more, from, to)?.ms ?? -1).toBeGreaterThanOrEqual(longest?.ms ?? -1);
    },
  );

  test('a client never answered in the window has the longest wait, counted up to now', () => {
    const requests: RequestRecord[] = [
      { id: 0, client: 0, mac: 'm0', kind: 'bind', at: 100 },
      { id: 1, client: 1, mac: 'm1', kind: 'renew', at: 200 },
      { id: 2, client: 2, mac: 'm2', kind: 'bind', at: 9_000 },
    ];
    const acks = [{ ...ack('m0', 'a', 150), request: 0, waitMs: 50 }];
    const waits = requestWaits(requests, acks, [], 10_000);
    expect(longestWait(waits, 0, 1_000)).toMatchObject({ request: 1, answer: undefined, ms: 9_800 });
    // Answered before the window: not in it.
    expect(longestWait(waits, 8_000, 8_500)).toMatchObject({ request: 1 });
    expect(longestWait(waits.slice(0, 1), 500, 600)).toBeUndefined();
  });

  test.prop([fc.array(fc.integer(), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'a quantile is one of the values and grows with q',
    (values, q1, q2) => {
      const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
      expect(values).toContain(quantile(values, lo));
      expect(quantile(values, lo)!).toBeLessThanOrEqual(quantile(values, hi)!);
      expect(quantile(values, 1)).toBe(Math.max(...values));
    },
  );
});
