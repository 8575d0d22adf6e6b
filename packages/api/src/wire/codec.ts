/**
 * Request and reply bodies: JSON when the request says so (header
 * `content-type: application/json`, or a body whose first non-blank byte is
 * `{`), msgpack otherwise; the reply uses the request's format. This lets the
 * `nats req` command-line client drive the API by hand.
 */
import { pack, unpack } from '@leasehold/protocol';
import { ApiError } from '../errors.js';

export type BodyFormat = 'json' | 'msgpack';

export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;

/** Which format a request is in. Pure. */
export function requestFormat(body: Uint8Array, contentType: string | undefined): BodyFormat {
  if (contentType?.toLowerCase().startsWith('application/json')) return 'json';
  if (contentType?.toLowerCase().startsWith('application/msgpack')) return 'msgpack';
  for (const byte of body) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b /* { */ ? 'json' : 'msgpack';
  }
  return 'json';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Decodes a request body into a plain object; an empty body is `{}`. Throws `ApiError`. Pure. */
export function decodeBody(body: Uint8Array, format: BodyFormat, maxBytes = DEFAULT_MAX_REQUEST_BYTES): Record<string, unknown> {
  if (body.length > maxBytes) {
    throw new ApiError('PAYLOAD_TOO_LARGE', `request body is ${body.length} bytes; the limit is ${maxBytes}`);
  }
  if (body.length === 0) return {};
  let value: unknown;
  if (format === 'json') {
    try {
      const text = utf8.decode(body);
      value = text.trim() === '' ? {} : JSON.parse(text);
    } catch (cause) {
      throw new ApiError('BAD_REQUEST', `request body is not valid JSON: ${(cause as Error).message}`, undefined, { cause });
    }
  } else {
    try {
      value = unpack(body);
    } catch (cause) {
      throw new ApiError('BAD_REQUEST', `request body is not valid msgpack (send JSON with content-type: application/json)`, undefined, { cause });
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || value instanceof Map) {
    throw new ApiError('BAD_REQUEST', 'request body must be an object');
  }
  return value as Record<string, unknown>;
}

/** Encodes a reply in the request's format. Pure. */
export function encodeBody(value: unknown, format: BodyFormat): Uint8Array {
  return format === 'json' ? encoder.encode(JSON.stringify(value)) : pack(value);
}
