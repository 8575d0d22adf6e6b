import { AGENT_REQUEST_PREFIX, API_REQUEST_PREFIX, agentDhcpPortSubject as journalDhcpPortSubject } from '@leasehold/journal';
import { describe, expect, test } from 'vitest';
import { dhcpPortRequestSubject } from '@leasehold/resources';
import { AGENT_REQUEST_PREFIX as WIRE_AGENT_PREFIX, API_SUBJECT_PREFIX } from './subjects.js';

describe("the client's subjects", () => {
  test("are the journal's role table's, so what a client sends is what the server lets through", () => {
    expect(API_SUBJECT_PREFIX).toBe(API_REQUEST_PREFIX);
    expect(WIRE_AGENT_PREFIX).toBe(AGENT_REQUEST_PREFIX);
    for (const id of ['agent-1', 'a_b:c', 'host-01-example']) expect(dhcpPortRequestSubject(id)).toBe(journalDhcpPortSubject(id));
  });

  test('an agent id that is not one subject token is refused, as the journal refuses it', () => {
    for (const id of ['', 'a.b', 'a*', 'a>', 'a b']) {
      expect(() => dhcpPortRequestSubject(id)).toThrow(RangeError);
      expect(() => journalDhcpPortSubject(id)).toThrow(RangeError);
    }
  });
});
