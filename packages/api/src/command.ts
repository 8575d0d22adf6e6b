/**
 * What a command is given besides the request and the aggregate's state:
 * the time and fresh ids come from outside, so the commands themselves stay
 * pure and a test can fix both.
 */
import { randomUUID } from 'node:crypto';
import type { EnvelopeIds } from '@leasehold/protocol';

export interface CommandContext {
  readonly now: number;
  readonly newId: () => string;
  /** Carried by every event one request writes, to find them together in the journal. */
  readonly correlation?: string;
}

/** The context of one request: the clock's time, random UUIDs, one correlation id. Not pure (reads the clock). */
export function requestContext(): CommandContext {
  return { now: Date.now(), newId: randomUUID, correlation: randomUUID() };
}

/** The ids of one event a command writes: a fresh id, and the request's correlation. */
export function envelopeIds(ctx: CommandContext): EnvelopeIds {
  return { id: ctx.newId(), ...(ctx.correlation ? { correlation: ctx.correlation } : {}) };
}
