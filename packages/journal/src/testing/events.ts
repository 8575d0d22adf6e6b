/** Small event builders for tests of code that journals events. */
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@leasehold/protocol';

/** An envelope with a fresh id and the given type/data; `at` defaults to a fixed instant. */
export function testEvent<D>(aggregate: string, type: string, data: D, at = 1_700_000_000_000): EventEnvelope<string, D> {
  return { type, v: 1, id: randomUUID(), aggregate, at, data };
}
