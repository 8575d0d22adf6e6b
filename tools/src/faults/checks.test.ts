import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { boundAtEnd, clientHoldings, doubleBindings, quantile, serviceGap, sharedAddresses, unjournaledAcks, type LeaseFact } from './checks.js';
import type { AckRecord } from './loadgen.js';

const ack = (mac: string, ip: string, at: number): AckRecord => ({ client: 0, mac, ip, xid: 1, at, server: 's', kind: 'bind', latencyMs: 0, waitMs: 0 });
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
      [{ client: 1, mac: 'm2', at: 3, during: 'renew', ip: 'c' }],
    );
    expect(holdings).toStrictEqual(new Map([['m1', 'b'], ['m3', 'b']]));
    expect(sharedAddresses(holdings)).toStrictEqual(['b']);
  });

  test.prop([fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 50 }), fc.integer({ min: 0, max: 1000 })])(
    'the service gap spans the fault with no ACK strictly inside it',
    (times, at) => {
      const gap = serviceGap(times, at);
      if (gap.lastBefore !== undefined) expect(gap.lastBefore).toBeLessThanOrEqual(at);
      if (gap.firstAfter !== undefined) expect(gap.firstAfter).toBeGreaterThan(at);
      if (gap.gapMs !== undefined) {
        expect(gap.gapMs).toBeGreaterThan(0);
        expect(times.filter((t) => t > gap.lastBefore! && t < gap.firstAfter!)).toStrictEqual([]);
      }
      expect(gap.gapMs === undefined).toBe(!times.some((t) => t <= at) || !times.some((t) => t > at));
    },
  );

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
