/**
 * One request at one of the API's endpoints: admitted (rate limits,
 * requests in flight) before its body is decoded, decoded in the format it
 * came in (JSON or msgpack), handled, and answered in that format; or
 * answered with its `ApiError` (anything else as INTERNAL) and the
 * micro-service error headers.
 */
import type { ServiceMsg } from '@nats-io/services';
import { headers } from '@nats-io/transport-node';
import { ApiError } from './errors.js';
import { RateLimitedError, type ApiAdmission } from './rate-limit.js';
import { DEFAULT_MAX_REQUEST_BYTES, decodeBody, encodeBody, requestFormat } from './wire/codec.js';

/** One operation of `lh.api.v1.<resource>.<verb>`: a decoded request body to a reply body, or a thrown `ApiError`. */
export type Handler = (body: Record<string, unknown>) => Promise<unknown>;

/** One verb of the agents' own requests: the subject (`lh.api.agents.<agentId>.<verb>`) names the agent. */
export type AgentRequestHandler = (body: Record<string, unknown>, subject: string) => Promise<unknown>;

export interface EndpointOptions {
  /** Bodies above this are PAYLOAD_TOO_LARGE (default 64 KiB). */
  readonly maxRequestBytes?: number;
  /** Called with unexpected (non-ApiError) failures; the caller gets INTERNAL. */
  readonly onInternalError?: (error: unknown, subject: string) => void;
  /** The largest reply the server carries (its max_payload less room for headers). */
  readonly replyLimit: number;
}

/** Handles and answers `msg` for `operation` (the name admission classes as a write or a read). Never throws. */
export async function answer(msg: ServiceMsg, operation: string, handler: AgentRequestHandler, admission: ApiAdmission, options: EndpointOptions): Promise<void> {
  const format = requestFormat(msg.data, msg.headers?.get('content-type'));
  const h = headers();
  h.set('content-type', format === 'json' ? 'application/json' : 'application/msgpack');
  let admitted = false;
  try {
    // Before decoding: a refused request costs a short reply and nothing held.
    admission.admit(operation);
    admitted = true;
    const body = decodeBody(msg.data, format, options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES);
    const reply = encodeBody(await handler(body, msg.subject), format);
    // A reply over the server's max_payload would be dropped and the caller left waiting.
    if (reply.length > options.replyLimit) {
      throw new ApiError('REPLY_TOO_LARGE', `the reply is ${reply.length} bytes, over what the server carries (${options.replyLimit}); narrow it with filters or page it with limit and marker`);
    }
    msg.respond(reply, { headers: h });
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL', 'internal error', undefined, { cause: error });
    if (!(error instanceof ApiError)) options.onInternalError?.(error, msg.subject);
    if (error instanceof RateLimitedError && error.retryAfterMs !== undefined) h.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    msg.respondError(apiError.status, apiError.message, encodeBody({ error: apiError.toBody() }, format), { headers: h });
  } finally {
    if (admitted) admission.release();
  }
}
