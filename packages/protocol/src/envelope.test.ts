import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { decodeEvent, encodeEvent, eventEnvelope, eventRegistry, flatEventEnvelope, flattenEnvelope, type EventEnvelope } from './envelope.js';
import { EnvelopeDecodeError, UnknownEventTypeError, UnsupportedEventVersionError } from './errors.js';

const data = fc.oneof(
  // Through JSON once: fast-check's JSON values may hold -0, which JSON (and msgpack's integers) cannot; see the -0 test.
  // No "__proto__" key: msgpackr renames it on decode (against prototype pollution); see the test below.
  fc.jsonValue().filter((v) => !JSON.stringify(v).includes('"__proto__"')).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
  fc.record({ mac: fc.uint8Array({ minLength: 6, maxLength: 6 }), at: fc.date({ noInvalidDate: true }) }),
  fc.dictionary(fc.string(), fc.integer()).map((o) => new Map(Object.entries(o))),
);

const envelope: fc.Arbitrary<EventEnvelope> = fc.record(
  {
    type: fc.constantFrom('LeaseBound', 'LeaseReleased', 'NetworkCreated'),
    v: fc.integer({ min: 1, max: 3 }),
    id: fc.uuid(),
    aggregate: fc.string({ minLength: 1 }),
    at: fc.integer({ min: 0, max: 2 ** 45 }),
    causation: fc.uuid(),
    correlation: fc.uuid(),
    data,
  },
  { requiredKeys: ['type', 'v', 'id', 'aggregate', 'at', 'data'] },
);

const registry = eventRegistry({ LeaseBound: [1, 2, 3], LeaseReleased: [1, 2, 3], NetworkCreated: [1, 2, 3] });

describe('event envelope', () => {
  test.prop([envelope])('decoding an encoded envelope gives back the same envelope', (event) => {
    // fast-check builds records without a prototype; the decoder gives plain objects.
    expect(decodeEvent(encodeEvent(event), registry)).toStrictEqual({ ...event, data: plain(event.data) });
  });

  test('-0 in event data comes back as 0 (msgpack writes it as the integer 0), the one value not kept exactly', () => {
    const event: EventEnvelope = { type: 'LeaseBound', v: 1, id: '00000000-0000-1000-8000-000000000000', aggregate: 'a', at: 0, data: { x: -0, y: 0.5 } };
    expect(decodeEvent(encodeEvent(event), registry).data).toStrictEqual({ x: 0, y: 0.5 });
  });

  test('a "__proto__" key in event data comes back renamed, never as a prototype (msgpackr guards against prototype pollution)', () => {
    const event: EventEnvelope = { type: 'LeaseBound', v: 1, id: '00000000-0000-1000-8000-000000000000', aggregate: 'a', at: 0, data: JSON.parse('{"__proto__":{"polluted":1},"a":2}') };
    const data = decodeEvent(encodeEvent(event), registry).data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect((data as { polluted?: unknown }).polluted).toBeUndefined();
    expect(data.a).toBe(2);
  });

  test.prop([fc.uint8Array({ maxLength: 256 })], { numRuns: 20_000 })(
    'decoding arbitrary bytes returns an envelope or throws EnvelopeDecodeError, nothing else',
    (bytes) => {
      try {
        const event = decodeEvent(bytes);
        expect(typeof event.type).toBe('string');
      } catch (error) {
        expect(error).toBeInstanceOf(EnvelopeDecodeError);
      }
    },
  );

  test('an unknown event type is a typed error naming the type', () => {
    const bytes = encodeEvent({ type: 'Mystery', v: 1, id: 'a', aggregate: 'x', at: 1, data: null });
    expect(() => decodeEvent(bytes, registry)).toThrow(UnknownEventTypeError);
    expect(() => decodeEvent(bytes, registry)).toThrow(/Mystery/);
  });

  test('an unknown schema version is a typed error naming the versions this build reads', () => {
    const bytes = encodeEvent({ type: 'LeaseBound', v: 9, id: 'a', aggregate: 'x', at: 1, data: {} });
    expect(() => decodeEvent(bytes, registry)).toThrow(UnsupportedEventVersionError);
    expect(() => decodeEvent(bytes, registry)).toThrow(/version 9; this build reads 1, 2, 3/);
  });

  test('a map missing a field is rejected with the field named', () => {
    const bytes = encodeEvent({ type: 'LeaseBound', v: 1, id: '', aggregate: 'x', at: 1, data: {} });
    expect(() => decodeEvent(bytes)).toThrow(/field "id"/);
  });
});

describe('building an envelope', () => {
  test.prop([envelope])('eventEnvelope gives the envelope whose fields it is given, and nothing else', (event) => {
    const { type, v, aggregate, at, data, id, causation, correlation } = event;
    // fast-check builds records without a prototype: compare with a plain copy.
    expect(eventEnvelope(type, v, aggregate, at, data, { id, causation, correlation })).toStrictEqual({ ...event });
  });

  test('an undefined causation or correlation is left out, so the bytes do not depend on how the ids were passed', () => {
    const built = eventEnvelope('NetworkDeleted', 1, 'network/n1', 5, {}, { id: 'e1', causation: undefined, correlation: undefined });
    expect(Object.keys(built)).toStrictEqual(['type', 'v', 'id', 'aggregate', 'at', 'data']);
    expect(encodeEvent(built)).toStrictEqual(encodeEvent(eventEnvelope('NetworkDeleted', 1, 'network/n1', 5, {}, { id: 'e1' })));
  });

  test('a flat event becomes an envelope whose data is its other fields, undefined ones left out, and comes back flat', () => {
    const flat = { type: 'LeaseReleased', at: 7, ip: 1, mac: 'aa', clientId: undefined } as const;
    const built = flatEventEnvelope(flat, 1, 'lease/n/0.0.0.1', { id: 'e1', correlation: 'c1' });
    expect(built).toStrictEqual({ type: 'LeaseReleased', v: 1, id: 'e1', aggregate: 'lease/n/0.0.0.1', at: 7, data: { ip: 1, mac: 'aa' }, correlation: 'c1' });
    expect(flattenEnvelope(decodeEvent(encodeEvent(built)))).toStrictEqual({ type: 'LeaseReleased', at: 7, ip: 1, mac: 'aa' });
  });
});

function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date || value instanceof Map) return value;
  if (Array.isArray(value)) return value.map(plain);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}
