import { fc, test } from '@fast-check/vitest';
import { pack } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { checkSnapshot, locateDivergence } from './check.js';
import { diff } from './diff.js';

/** Distinct views after each of n events at increasing sequences. */
const history = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 12, maxLength: 12 }))
  .map(([n, gaps]) => {
    let seq = 0;
    return Array.from({ length: n }, (_, i) => ({ seq: (seq += gaps[i]!), view: { count: i + 1 } }));
  });

describe('locating a divergence', () => {
  test.prop([history, fc.nat()])('the state after an event, claimed at that event, agrees', (steps, pick) => {
    const k = pick % steps.length;
    expect(locateDivergence({ count: 0 }, steps, steps[k]!.view, steps[k]!.seq)).toMatchObject({ kind: 'agree', at: steps[k]!.seq });
  });

  test.prop([history, fc.nat(), fc.nat()])('an old state claimed at a later event diverges at the event right after the old one', (steps, a, b) => {
    fc.pre(steps.length >= 2);
    const old = a % (steps.length - 1);
    const claimed = old + 1 + (b % (steps.length - old - 1));
    const result = locateDivergence({ count: 0 }, steps, steps[old]!.view, steps[claimed]!.seq);
    expect(result).toMatchObject({ kind: 'diverged', seq: steps[old + 1]!.seq, lastAgreed: steps[old]!.seq, at: steps[claimed]!.seq });
  });

  test.prop([history])('a state the replay never went through diverges at the first event', (steps) => {
    const result = locateDivergence({ count: 0 }, steps, { count: -1 }, undefined);
    expect(result).toMatchObject({ kind: 'diverged', seq: steps[0]!.seq, lastAgreed: null });
  });

  test('a claim past the last event diverges, naming that sequence', () => {
    expect(locateDivergence({ n: 0 }, [{ seq: 4, view: { n: 1 } }], { n: 1 }, 9)).toMatchObject({ kind: 'diverged', seq: 9 });
  });

  test('a snapshot of another schema version is not compared, and none stored is not a failure', () => {
    const initial = { value: 'absent', context: {} };
    expect(checkSnapshot(pack({ v: 7, seq: 1, state: {} }), initial, []).kind).toBe('skipped');
    expect(checkSnapshot(undefined, initial, []).kind).toBe('skipped');
  });
});

describe('diff', () => {
  const record = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.oneof(fc.integer(), fc.string(), fc.constant(null)));

  test.prop([record])('a state compared with itself has no changes', (r) => {
    expect(diff(r, structuredClone(r))).toEqual([]);
  });

  test.prop([record, record])('applying the changes to the first state gives the second', (a, b) => {
    const patched: Record<string, unknown> = { ...a };
    for (const change of diff(a, b)) {
      if (change.op === '-') delete patched[change.path];
      else patched[change.path] = change.after;
    }
    const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
    expect(defined(patched)).toEqual(defined(b));
  });
});
