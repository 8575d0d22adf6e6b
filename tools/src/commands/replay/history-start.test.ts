import { fc, test } from '@fast-check/vitest';
import { READ_MODEL_SNAPSHOT_V } from '@leasehold/api';
import type { SnapshotInfo } from '@leasehold/journal';
import { describe, expect } from 'vitest';
import { WHOLE_HISTORY, bundleBase, chooseBase, historyCompacted, historyJson, historyLine, type HistoryStart } from './history-start.js';

const info = (name: string, seq: number, v = READ_MODEL_SNAPSHOT_V): SnapshotInfo => ({ name, seq, v, fingerprint: '', at: Date.UTC(2026, 11, 7, 14, 5), bytes: 100 });
const compacted: HistoryStart = {
  firstRetained: 21,
  firstRetainedAt: Date.UTC(2026, 11, 7, 14, 0),
  cause: 'compacted',
  snapshot: { name: 'api', seq: 40, at: Date.UTC(2026, 11, 7, 14, 5), v: 1 },
  model: undefined,
  others: [{ name: 'scheduler', seq: 44, at: Date.UTC(2026, 11, 7, 14, 6), v: 1 }],
  problem: undefined,
};

describe('where history starts', () => {
  test('the line names the first retained event, its time and the snapshot that holds what came before; a whole history prints none', () => {
    expect(historyLine(compacted)).toBe(
      'history before event 21 (2026-12-07T14:00:00.000Z) was compacted; state before it comes from snapshot api@40 (2026-12-07T14:05:00.000Z) (other projection snapshots: scheduler@44)',
    );
    expect(historyLine({ ...compacted, cause: 'exported', others: [] })).toBe('this bundle holds history from event 21 (2026-12-07T14:00:00.000Z) on; state before it comes from snapshot api@40 (2026-12-07T14:05:00.000Z)');
    expect(historyLine({ ...compacted, snapshot: undefined, others: [], problem: 'no API read-model snapshot is stored' })).toMatch(/no API read-model snapshot holds what came before \(no API read-model snapshot is stored\): states before it are unknown/);
    expect(historyLine(WHOLE_HISTORY)).toBeUndefined();
  });

  test('--json has firstRetained, firstRetainedAt and the snapshot, times as ISO', () => {
    expect(historyJson(compacted)).toEqual({
      firstRetained: 21,
      firstRetainedAt: '2026-12-07T14:00:00.000Z',
      cause: 'compacted',
      snapshot: { name: 'api', seq: 40, at: '2026-12-07T14:05:00.000Z', v: 1 },
      others: [{ name: 'scheduler', seq: 44, at: '2026-12-07T14:06:00.000Z', v: 1 }],
    });
    expect(historyJson(WHOLE_HISTORY)).toEqual({ firstRetained: 1, firstRetainedAt: null, cause: null, snapshot: null, others: [] });
  });

  test('a state asked for before the first retained event is HISTORY_COMPACTED, exit 1, naming it', () => {
    const error = historyCompacted(compacted, 7, '--to');
    expect(error).toMatchObject({ code: 'HISTORY_COMPACTED', field: '--to', exitCode: 1 });
    expect(error.message).toBe('no state at event 7: history before it was compacted: the first retained is event 21 (2026-12-07T14:00:00.000Z); snapshot api@40 holds the state after event 40');
  });

  test('the snapshot a tool starts from is the oldest API one of this schema that the retained events complete; else it says why none', () => {
    expect(chooseBase([info('api', 40), info('api-2', 25), info('scheduler', 20)], 21).base?.name).toBe('api-2');
    expect(chooseBase([info('scheduler', 30)], 21)).toEqual({ base: undefined, problem: 'no API read-model snapshot is stored' });
    expect(chooseBase([info('api', 40, 99)], 21).problem).toBe(`api@40 has schema v99; this build reads v${READ_MODEL_SNAPSHOT_V}`);
    expect(chooseBase([info('api', 12)], 21).problem).toBe('the newest API snapshot, api@12, ends before event 20: events 13..20 are gone');
    expect(chooseBase([info('api', 20)], 21).base?.seq).toBe(20);
  });

  test.prop([fc.integer({ min: 2, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 5 })])(
    'an export starts no later than asked, and the snapshot it carries plus the events from its start hold everything from the first retained event on',
    (firstRetained, extra, seqs) => {
      const asked = firstRetained + extra;
      const { base, from } = bundleBase(
        seqs.map((s, i) => info(`api-${i}`, s)),
        firstRetained,
        asked,
      );
      expect(from).toBeLessThanOrEqual(asked);
      expect(from).toBeGreaterThanOrEqual(firstRetained);
      if (base) {
        expect(base.seq).toBeGreaterThanOrEqual(firstRetained - 1);
        // No gap between the snapshot and the first event read.
        expect(base.seq + 1).toBeGreaterThanOrEqual(from);
      } else expect(from).toBe(asked);
    },
  );
});
