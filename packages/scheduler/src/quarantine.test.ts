/**
 * Poison never spreads into the scheduler (issue 15, point 3): folded the
 * way its runtime folds (journal's `readMessage`, then `SchedulerFold`),
 * valid events with garbage between them give the state of the valid events
 * alone, the same decisions, and each binding subject's version is the
 * server's last sequence for it, so the next decision written there is not
 * refused for the garbage.
 */
import { isDeepStrictEqual } from 'node:util';
import { test } from '@fast-check/vitest';
import { readMessage } from '@leasehold/journal';
import { poisonedStreamArb, type StreamMessage } from '@leasehold/protocol/testing';
import { describe, expect } from 'vitest';
import { schedulerConfig } from './config.js';
import { decide } from './decide.js';
import { SchedulerFold } from './fold.js';

const config = schedulerConfig({ agentsPerNetwork: 1, enableNewAgents: true });

function fold(messages: readonly StreamMessage[]): SchedulerFold {
  const f = new SchedulerFold(config);
  for (const msg of messages) {
    const read = readMessage(msg);
    // A valid event never makes the fold throw (the runner would quarantine it, but it is a bug).
    if (read.ok) f.apply(read.stored);
    else f.quarantine(msg.subject, msg.seq);
  }
  return f;
}

const lastSeqOf = (messages: readonly StreamMessage[], subject: string) => Math.max(0, ...messages.filter((m) => m.subject === subject).map((m) => m.seq));

describe('the scheduler under poison', () => {
  test.prop([poisonedStreamArb({ maxLength: 80 })], { numRuns: 300 })(
    'valid events with garbage between them fold to the state of the valid events alone, decide the same, and every binding version is its subject\'s last sequence',
    (messages) => {
      const withGarbage = fold(messages);
      const validOnly = fold(messages.filter((m) => m.valid));
      expect(withGarbage.state).toEqual(validOnly.state);
      expect(isDeepStrictEqual(withGarbage.state, validOnly.state)).toBe(true);
      const now = Math.max(withGarbage.state.now, 1_700_001_000_000);
      expect(decide(withGarbage.state, now, config)).toStrictEqual(decide(validOnly.state, now, config));
      expect(withGarbage.position).toBe(messages.at(-1)?.seq ?? 0);
      const bindingSubjects = new Set(messages.map((m) => m.subject).filter((s) => s.startsWith('lh.evt.binding.')));
      for (const subject of bindingSubjects) expect(withGarbage.bindingVersions.get(subject), subject).toBe(lastSeqOf(messages, subject));
    },
  );
});
