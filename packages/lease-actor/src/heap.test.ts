import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { TimeHeap } from './heap.js';

describe('time heap', () => {
  test.prop([fc.array(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.nat(50)), { maxLength: 300 })])(
    'pops entries in order of time, whatever the order they were pushed in',
    (entries) => {
      const heap = new TimeHeap();
      for (const [time, ip] of entries) heap.push(time, ip);
      expect(heap.size).toBe(entries.length);
      const times: number[] = [];
      while (heap.size > 0) {
        times.push(heap.peekTime());
        heap.pop();
      }
      expect(times).toEqual(entries.map(([t]) => t).sort((a, b) => a - b));
      expect(heap.peekTime()).toBe(Infinity);
      expect(heap.pop()).toBeUndefined();
    },
  );
});
