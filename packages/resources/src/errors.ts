/** Errors of the resource aggregates. */
import { EnvelopeDecodeError } from '@leasehold/protocol';

/**
 * An envelope handed to an aggregate's `from…Envelope` that is not one of its
 * events, or whose data is not what its type and version allow. A
 * DecodeError, as lease-actor's LeaseEventShapeError is, so a fold that
 * counts and drops bad events treats both alike.
 */
export class ResourceEventShapeError extends EnvelopeDecodeError {
  override name = 'ResourceEventShapeError';
  constructor(
    readonly type: string,
    readonly detail: string,
  ) {
    super(`${type}: ${detail}`);
  }
}

/**
 * The API refused an agent's DHCP-port request, or answered with an error:
 * the API's error body as it travels (code, status, field), so the agent
 * reports the same words the API said without loading the API.
 */
export class DhcpPortRequestError extends Error {
  override name = 'DhcpPortRequestError';
  constructor(
    /** The API's error code, e.g. FORBIDDEN, NO_DHCP_SUBNET, UNAVAILABLE. */
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
