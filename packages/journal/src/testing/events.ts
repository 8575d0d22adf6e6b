/** Small event builders for tests of code that journals events. */
import { randomUUID } from 'node:crypto';
import { eventEnvelope, type EventEnvelope } from '@leasehold/protocol';

/**
 * An envelope with a fresh id and the given type/data (version 1); `at`
 * defaults to a fixed instant. For events of no aggregate of this repo (a
 * test's own kinds); a resource's or a lease's come from its module's builder.
 */
export function testEvent<D>(aggregate: string, type: string, data: D, at = 1_700_000_000_000): EventEnvelope<string, D> {
  return eventEnvelope(type, 1, aggregate, at, data, { id: randomUUID() });
}
