/**
 * Poison never spreads into the agent's model (issue 15, point 3): folded
 * the way the agent's projection folds (journal's `readMessage`: apply, or
 * quarantine), valid events with garbage between them give the model of the
 * valid events alone, and each lease subject's version is the server's last
 * sequence for it, so the agent's next lease write there is accepted.
 */
import { isDeepStrictEqual } from 'node:util';
import { fc, test } from '@fast-check/vitest';
import { readMessage } from '@leasehold/journal';
import { poisonedStreamArb, type StreamMessage } from '@leasehold/protocol/testing';
import { describe, expect } from 'vitest';
import { AgentModel, type ModelChange } from './agent-model.js';

type Message = StreamMessage;

/** The foundation (networks with a DHCP subnet, bound), then valid events with garbage between them. */
const streamArb = poisonedStreamArb({ maxLength: 80 });

const OPTIONS = { offerTtlMs: 5_000, declineQuarantineMs: 120_000 };

/**
 * Folds messages as the agent's projection does; returns the model, its
 * change notices, and each lease subject's expected version: the sequence of
 * its last event the table took or that was quarantined, unless the table
 * refused the last journaled event of it (that version stays behind on purpose).
 */
function fold(messages: readonly Message[]) {
  const model = new AgentModel(OPTIONS);
  const notices: ModelChange[] = [];
  model.onChange((change) => notices.push(change));
  const expected = new Map<string, number>();
  const stale = new Set<string>();
  for (const msg of messages) {
    const read = readMessage(msg);
    const lease = msg.subject.startsWith('lh.evt.lease.');
    if (read.ok) {
      const refused = model.refusedLeaseEvents;
      model.apply(read.stored);
      if (lease && model.refusedLeaseEvents > refused) stale.add(msg.subject);
      else if (lease) (stale.delete(msg.subject), expected.set(msg.subject, msg.seq));
    } else {
      model.quarantine(msg.subject, msg.seq);
      if (lease && msg.subject.split('.').length === 5 && !stale.has(msg.subject)) expected.set(msg.subject, msg.seq);
    }
  }
  return { model, notices, expected };
}

/** Everything the model holds but its versions and position. */
function stateOf(model: AgentModel) {
  const { leaseVersions: _versions, position: _position, ...state } = model.snapshot();
  return state;
}

describe('the agent model under poison', () => {
  test.prop([streamArb], { numRuns: 300 })(
    'valid events with garbage between them fold to the model of the valid events alone (state and change notices), and every lease subject\'s version is the server\'s last sequence for it',
    (messages) => {
      const withGarbage = fold(messages);
      const validOnly = fold(messages.filter((m) => m.valid));
      // toEqual, then node's strict comparison: vitest's toStrictEqual takes a map's own "constructor" key (a subnet id here) for its class.
      expect(stateOf(withGarbage.model)).toEqual(stateOf(validOnly.model));
      expect(isDeepStrictEqual(stateOf(withGarbage.model), stateOf(validOnly.model))).toBe(true);
      expect(isDeepStrictEqual(withGarbage.notices, validOnly.notices)).toBe(true);
      expect(withGarbage.model.position).toBe(messages.at(-1)?.seq ?? 0);
      for (const [subject, seq] of withGarbage.expected) expect(withGarbage.model.leaseVersion(subject), subject).toBe(seq);
    },
  );
});
