import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { SummaryBitset } from './bitset.js';

type Op = { op: 'add' | 'delete' | 'next' | 'wrap'; i: number } | { op: 'fill' };

const sizeAndOps = fc.integer({ min: 1, max: 5000 }).chain((size) =>
  fc.tuple(
    fc.constant(size),
    fc.array(
      fc.oneof(
        { weight: 10, arbitrary: fc.record({ op: fc.constantFrom('add', 'delete', 'next', 'wrap'), i: fc.nat(size - 1) }) },
        { weight: 1, arbitrary: fc.constant({ op: 'fill' }) },
      ) as fc.Arbitrary<Op>,
      { maxLength: 200 },
    ),
  ),
);

describe('summary bitset', () => {
  test.prop([sizeAndOps], { numRuns: 200 })('behaves like a sorted set of integers under any operations', ([size, ops]) => {
    const bits = new SummaryBitset(size);
    const model = new Set<number>();
    const nextOf = (from: number): number => {
      let best = -1;
      for (const m of model) if (m >= from && (best < 0 || m < best)) best = m;
      return best;
    };
    for (const op of ops) {
      if (op.op === 'fill') {
        bits.fill();
        for (let i = 0; i < size; i++) model.add(i);
      } else if (op.op === 'add') {
        expect(bits.add(op.i)).toBe(!model.has(op.i));
        model.add(op.i);
      } else if (op.op === 'delete') {
        expect(bits.delete(op.i)).toBe(model.has(op.i));
        model.delete(op.i);
      } else if (op.op === 'next') {
        expect(bits.nextFrom(op.i)).toBe(nextOf(op.i));
      } else {
        const ahead = nextOf(op.i);
        expect(bits.nextWrapping(op.i)).toBe(ahead >= 0 ? ahead : nextOf(0));
      }
      expect(bits.count).toBe(model.size);
    }
    for (let i = 0; i < size; i += 97) expect(bits.has(i)).toBe(model.has(i));
  });

  test('finding the one free member of a full /16 reads a few words, not the whole set', () => {
    const bits = new SummaryBitset(65536);
    bits.fill();
    for (let i = 0; i < 65536; i++) if (i !== 40000) bits.delete(i);
    expect(bits.nextWrapping(40001)).toBe(40000);
    expect(bits.nextFrom(0)).toBe(40000);
    expect(bits.nextFrom(40001)).toBe(-1);
  });

  test('indices outside the set are refused', () => {
    const bits = new SummaryBitset(10);
    expect(() => bits.add(10)).toThrow(RangeError);
    expect(() => bits.delete(-1)).toThrow(RangeError);
    expect(bits.nextFrom(10)).toBe(-1);
  });
});
