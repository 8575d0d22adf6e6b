/**
 * Error types of the wire formats. Decoders throw only these (or return a
 * value): callers on the hot path catch `DecodeError` and count a drop.
 */

/** Base of every error a decoder may throw: names the format, the problem and the byte offset. */
export class DecodeError extends Error {
  override name = 'DecodeError';
  constructor(
    readonly format: string,
    readonly reason: string,
    readonly offset: number,
    options?: ErrorOptions,
  ) {
    super(`${format}: ${reason} at offset ${offset}`, options);
  }
}

/** An event envelope that is not msgpack, or not shaped like an envelope. */
export class EnvelopeDecodeError extends DecodeError {
  override name = 'EnvelopeDecodeError';
  constructor(reason: string, offset = 0, options?: ErrorOptions) {
    super('event envelope', reason, offset, options);
  }
}

/** A well-formed envelope whose `type` this decoder does not know. */
export class UnknownEventTypeError extends EnvelopeDecodeError {
  override name = 'UnknownEventTypeError';
  constructor(readonly type: string) {
    super(`unknown event type ${JSON.stringify(type)}`);
  }
}

/** A known event type at a schema version this decoder cannot read. */
export class UnsupportedEventVersionError extends EnvelopeDecodeError {
  override name = 'UnsupportedEventVersionError';
  constructor(
    readonly type: string,
    readonly version: number,
    readonly supported: readonly number[],
  ) {
    super(`event ${type} has schema version ${version}; this build reads ${supported.join(', ')}`);
  }
}

/**
 * A stored event that decodes but that no fold may apply (`checkStoredEvent`):
 * an unknown version, data its type does not allow, or the wrong subject.
 */
export class InvalidEventError extends EnvelopeDecodeError {
  override name = 'InvalidEventError';
  constructor(
    readonly subject: string,
    readonly type: string,
    readonly version: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}
