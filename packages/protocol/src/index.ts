export { DecodeError, EnvelopeDecodeError, UnknownEventTypeError, UnsupportedEventVersionError } from './errors.js';
export { decodeEvent, encodeEvent, eventRegistry, pack, unpack } from './envelope.js';
export type { EventEnvelope, EventRegistry } from './envelope.js';
export { EVENT_SUBJECT_PREFIX, aggregateKindSubject, aggregateSubject, subjectToken } from './subjects.js';
export type { AggregateKind } from './subjects.js';
