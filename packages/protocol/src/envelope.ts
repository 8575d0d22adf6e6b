/**
 * The event envelope every journaled event travels in, and its one msgpackr
 * codec. Events at rest must be readable by a fresh process, so the Packr
 * keeps record definitions inline in each message (no shared structures) and uses structured cloning for
 * Date/Map/Set/Uint8Array/BigInt.
 */
import { Packr } from 'msgpackr';
import { EnvelopeDecodeError, InvalidEventError, UnknownEventTypeError, UnsupportedEventVersionError } from './errors.js';
import { checkStoredEvent } from './events/validators.js';

export interface EventEnvelope<Type extends string = string, Data = unknown> {
  /** Event name, e.g. "LeaseBound". */
  readonly type: Type;
  /** Schema version of `data` for this type. */
  readonly v: number;
  /** Unique event id; also the JetStream publish id, so a retried append is stored once. */
  readonly id: string;
  /** The aggregate this event belongs to, e.g. "lease/net-1/198.18.0.10". */
  readonly aggregate: string;
  /** Milliseconds since the epoch when the event was decided. Machines read time only from here. */
  readonly at: number;
  /** Id of the event or command that caused this one. */
  readonly causation?: string;
  /** Id shared by every event of one user-visible operation. */
  readonly correlation?: string;
  readonly data: Data;
}

/** What a writer gives an envelope besides its type, version, aggregate, time and data. */
export interface EnvelopeIds {
  /** Unique event id (the JetStream publish id). */
  readonly id: string;
  readonly causation?: string;
  readonly correlation?: string;
}

/**
 * Builds an envelope. The one place the envelope's fields are spelled out:
 * every aggregate's builder (@leasehold/resources, @leasehold/lease-actor)
 * comes through here, so no writer can leave a field out or add one. An
 * undefined causation or correlation is left out, so the encoded bytes do not
 * depend on how the ids were passed. Pure.
 */
export function eventEnvelope<Type extends string, Data>(type: Type, v: number, aggregate: string, at: number, data: Data, ids: EnvelopeIds): EventEnvelope<Type, Data> {
  return {
    type,
    v,
    id: ids.id,
    aggregate,
    at,
    data,
    ...(ids.causation !== undefined ? { causation: ids.causation } : {}),
    ...(ids.correlation !== undefined ? { correlation: ids.correlation } : {}),
  };
}

/** An event as machines and folds consume it: its data's fields beside its type and time (`at` travels in the envelope). */
export type FlatEvent<Type extends string = string> = { readonly type: Type; readonly at: number };

/**
 * The envelope of a flat event `{ type, at, ...data }`: the data is the rest,
 * its undefined fields left out (the encoded bytes do not depend on how the
 * event was built). Pure.
 */
export function flatEventEnvelope<Type extends string>(event: FlatEvent<Type>, v: number, aggregate: string, ids: EnvelopeIds): EventEnvelope<Type, Record<string, unknown>> {
  const { type, at, ...rest } = event as FlatEvent<Type> & Record<string, unknown>;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) data[key] = value;
  return eventEnvelope(type, v, aggregate, at, data, ids);
}

/** The flat event `{ ...data, type, at }` of an envelope whose data is a map (the caller has checked it). Pure. */
export function flattenEnvelope<Event extends FlatEvent>(envelope: EventEnvelope): Event {
  return { ...(envelope.data as object), type: envelope.type, at: envelope.at } as unknown as Event;
}

/** Which schema versions of which event types a reader understands. */
export type EventRegistry = ReadonlyMap<string, readonly number[]>;

/** Builds a registry from `{ TypeName: [1, 2] }`. */
export function eventRegistry(types: Record<string, readonly number[]>): EventRegistry {
  return new Map(Object.entries(types));
}

const packr = new Packr({ structuredClone: true, moreTypes: true });

/** Encodes any value with the project's msgpackr settings. Pure. */
export function pack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes msgpack bytes; throws `EnvelopeDecodeError` on anything malformed. Pure. */
export function unpack(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes);
  } catch (cause) {
    throw new EnvelopeDecodeError(`malformed msgpack (${(cause as Error).message})`, 0, { cause });
  }
}

/** Encodes an envelope. Optional fields that are undefined are left out. Pure. */
export function encodeEvent(event: EventEnvelope): Uint8Array {
  const out: Record<string, unknown> = {
    type: event.type,
    v: event.v,
    id: event.id,
    aggregate: event.aggregate,
    at: event.at,
    data: event.data,
  };
  if (event.causation !== undefined) out.causation = event.causation;
  if (event.correlation !== undefined) out.correlation = event.correlation;
  return packr.pack(out);
}

/**
 * Decodes an envelope and checks its shape, and, when a registry is given,
 * that its type and version are known. Throws only `EnvelopeDecodeError` and
 * its subclasses. Pure.
 */
export function decodeEvent(bytes: Uint8Array, registry?: EventRegistry): EventEnvelope {
  if (bytes.length === 0) throw new EnvelopeDecodeError('empty message');
  const value = unpack(bytes);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new EnvelopeDecodeError('not a map');
  }
  const e = value as Record<string, unknown>;
  requireField(e, 'type', typeof e.type === 'string' && e.type.length > 0);
  requireField(e, 'v', Number.isSafeInteger(e.v) && (e.v as number) >= 1);
  requireField(e, 'id', typeof e.id === 'string' && e.id.length > 0);
  requireField(e, 'aggregate', typeof e.aggregate === 'string' && e.aggregate.length > 0);
  requireField(e, 'at', typeof e.at === 'number' && Number.isFinite(e.at));
  requireField(e, 'data', 'data' in e);
  requireField(e, 'causation', e.causation === undefined || typeof e.causation === 'string');
  requireField(e, 'correlation', e.correlation === undefined || typeof e.correlation === 'string');
  if (registry) {
    const versions = registry.get(e.type as string);
    if (!versions) throw new UnknownEventTypeError(e.type as string);
    if (!versions.includes(e.v as number)) throw new UnsupportedEventVersionError(e.type as string, e.v as number, versions);
  }
  return e as unknown as EventEnvelope;
}

/**
 * Decodes a stored event and checks that every fold may apply it
 * (`checkStoredEvent`: version, data, subject). Throws `EnvelopeDecodeError`
 * for bytes that are no envelope and `InvalidEventError` for an envelope no
 * fold may apply. Pure.
 */
export function decodeStoredEvent(subject: string, bytes: Uint8Array, registry?: EventRegistry): EventEnvelope {
  const event = decodeEvent(bytes, registry);
  const problem = checkStoredEvent(subject, event);
  if (problem !== undefined) throw new InvalidEventError(subject, event.type, event.v, problem);
  return event;
}

function requireField(e: Record<string, unknown>, field: string, ok: boolean): void {
  if (!ok) throw new EnvelopeDecodeError(`field "${field}" is missing or has the wrong type`);
}
