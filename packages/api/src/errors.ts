/**
 * Errors a user can act on: a stable code, an HTTP-like status, the offending
 * field, and a message. Every failure the API answers with is one of these;
 * anything else is answered as INTERNAL and logged.
 */

export const errorStatus = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  REPLY_TOO_LARGE: 413,
  INVALID_CIDR: 400,
  INVALID_IP: 400,
  GATEWAY_OUTSIDE_CIDR: 400,
  POOL_OUTSIDE_CIDR: 400,
  POOL_OVERLAP: 400,
  INVALID_MAC: 400,
  IP_OUTSIDE_SUBNETS: 400,
  SUBNET_OVERLAP: 409,
  MAC_IN_USE: 409,
  IP_ALREADY_ALLOCATED: 409,
  IP_EXHAUSTED: 409,
  NETWORK_IN_USE: 409,
  SUBNET_IN_USE: 409,
  /** Another live network serves on the segment (Neutron's VlanIdInUse, TunnelIdInUse, FlatNetworkInUse). */
  SEGMENT_IN_USE: 409,
  AGENT_ALIVE: 409,
  /** A manual binding to an agent whose mappings do not reach the network's physical network (the scheduler would remove it). */
  AGENT_CANNOT_REACH: 409,
  /** A network without a subnet that has DHCP enabled: no DHCP port to give. */
  NO_DHCP_SUBNET: 409,
  /** A project holds its quota of networks, subnets or ports (Neutron's OverQuota). */
  OVER_QUOTA: 409,
  VERSION_CONFLICT: 409,
  /** The caller may not do this to that resource (an agent asking for a port on a network not bound to it). */
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** An API instance's write or read rate, or its requests in flight, is at its limit: retry later. */
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ApiErrorBody {
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
  readonly field?: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.status = errorStatus[code];
  }

  toBody(): ApiErrorBody {
    return { code: this.code, status: this.status, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }

  static fromBody(body: ApiErrorBody): ApiError {
    return new ApiError(body.code in errorStatus ? body.code : 'INTERNAL', body.message, body.field);
  }
}

export const notFound = (what: string, id: string, field = 'id') => new ApiError('NOT_FOUND', `${what} ${id} not found`, field);

/**
 * A stored read-model snapshot this build cannot use (not one, or not shaped
 * like one). The caller starts from an empty model and replays instead.
 */
export class ReadModelSnapshotError extends Error {
  override name = 'ReadModelSnapshotError';
}

/** A read-model snapshot written with another schema version: detected and refused, never misread. */
export class ReadModelSnapshotVersionError extends ReadModelSnapshotError {
  override name = 'ReadModelSnapshotVersionError';
  constructor(
    readonly found: unknown,
    readonly expected: number,
  ) {
    super(`read-model snapshot has schema version ${String(found)}, this build reads ${expected}; replay instead`);
  }
}
