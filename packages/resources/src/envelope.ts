/**
 * What every aggregate's `from…Envelope` does, once: refuse a type that is
 * not the aggregate's, check the data against protocol's validator for its
 * type and version (events/validators.ts, the one table the journal's
 * quarantine also reads), and flatten it into `{ type, at, ...data }`. And the
 * registries for `decodeEvent`, cut from protocol's by the aggregate's types.
 */
import { checkEventData, flattenEnvelope, knownEventRegistry, eventRegistry, type EventEnvelope, type EventRegistry, type FlatEvent } from '@leasehold/protocol';
import { ResourceEventShapeError } from './errors.js';

/** The versions protocol has a validator for, of the types in `versions` (what this build reads of one aggregate). Pure. */
export function registryOf(versions: Readonly<Record<string, number>>): EventRegistry {
  return eventRegistry(Object.fromEntries(Object.keys(versions).map((type) => [type, knownEventRegistry.get(type) ?? []])));
}

/**
 * The flat event of `envelope` when its type is one of `versions`' and its
 * data passes protocol's validator; else `ResourceEventShapeError` naming
 * what is wrong (`what`: "a network event"). Pure.
 */
export function checkedEvent<Event extends FlatEvent>(envelope: EventEnvelope, versions: Readonly<Record<string, number>>, what: string): Event {
  if (!Object.hasOwn(versions, envelope.type)) throw new ResourceEventShapeError(envelope.type, `not ${what}`);
  const problem = checkEventData(envelope.type, envelope.v, envelope.data);
  if (problem !== undefined) throw new ResourceEventShapeError(envelope.type, problem);
  return flattenEnvelope<Event>(envelope);
}
