/**
 * The API's errors as Neutron words them: one table from each `ErrorCode`
 * to Neutron's HTTP status, exception type name and message (Neutron's
 * own formula where the request holds what it needs, the API's message
 * otherwise), answered as `{"NeutronError": {"type", "message", "detail"}}`.
 * The statuses follow Neutron, not the NATS API's (an overlapping subnet is
 * 400 InvalidInput there, overlapping pools 409): an OpenStack client
 * branches on them.
 */
import { ApiError, type ErrorCode } from '../errors.js';

export interface NeutronErrorBody {
  readonly NeutronError: { readonly type: string; readonly message: string; readonly detail: string };
}

/** What the request said, for Neutron's messages that name it. */
export interface ErrorContext {
  /** The resource of the route (`network`, `subnet`, `port`, `agent`). */
  readonly resource?: string;
  /** The decoded (unwrapped) request body. */
  readonly body?: Readonly<Record<string, unknown>>;
  /** The request carried If-Match: a version conflict is Neutron's 412. */
  readonly ifMatch?: boolean;
  /** The ports that keep a network from being deleted, which Neutron's NetworkInUse names. */
  readonly portsInUse?: readonly string[];
}

interface Mapped {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
const invalidInput = (message: string): Mapped => ({ status: 400, type: 'InvalidInput', message: `Invalid input for operation: ${message}` });
const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
/** The first dotted quad or IPv6 address (RFC 5952 text) an API message names (the address it refused). */
const firstAddress = (message: string) => /\b\d{1,3}(?:\.\d{1,3}){3}\b|(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])/.exec(message)?.[0] ?? '';
/** The id after `subnet ` in an API message. */
const subnetIdIn = (message: string) => /subnet (\S+?)(?:[ ,.]|$)/.exec(message)?.[1] ?? '';

/** Each code's Neutron status, type and message. */
const NEUTRON_ERRORS: Readonly<Record<ErrorCode, (e: ApiError, ctx: ErrorContext) => Mapped>> = {
  BAD_REQUEST: (e) => ({ status: 400, type: 'HTTPBadRequest', message: e.message }),
  VALIDATION_FAILED: (e) => invalidInput(e.message),
  PAYLOAD_TOO_LARGE: (e) => ({ status: 413, type: 'HTTPRequestEntityTooLarge', message: e.message }),
  REPLY_TOO_LARGE: (e) => ({ status: 413, type: 'HTTPRequestEntityTooLarge', message: e.message }),
  INVALID_CIDR: (e, ctx) => invalidInput(ctx.body?.cidr !== undefined && e.field === 'cidr' ? `${text(ctx.body.cidr)} is not in a CIDR format.` : e.message),
  INVALID_IP: (e) =>
    /is not a host address of subnet/.test(e.message)
      ? { status: 400, type: 'InvalidIpForSubnet', message: `IP address ${firstAddress(e.message)} is not a valid IP for the specified subnet.` }
      : invalidInput(e.message),
  GATEWAY_OUTSIDE_CIDR: (e) => ({ status: 400, type: 'InvalidInput', message: `Invalid input for operation: ${e.message}` }),
  POOL_OUTSIDE_CIDR: (e) => ({ status: 400, type: 'OutOfBoundsAllocationPool', message: e.message }),
  POOL_OVERLAP: (e, ctx) => {
    const pools = ctx.body?.allocation_pools as { start: string; end: string }[] | undefined;
    const both = /^allocation_pools\[(\d+)\] overlaps allocation_pools\[(\d+)\]$/.exec(e.message);
    const [a, b] = both && pools ? [pools[Number(both[2])], pools[Number(both[1])]] : [];
    if (!a || !b) return { status: 409, type: 'OverlappingAllocationPools', message: e.message };
    return { status: 409, type: 'OverlappingAllocationPools', message: `Found overlapping allocation pools: ${a.start}-${a.end} ${b.start}-${b.end}${ctx.body?.cidr ? ` for subnet ${text(ctx.body.cidr)}` : ''}.` };
  },
  INVALID_MAC: (e, ctx) => ({ status: 400, type: 'InvalidInput', message: `Invalid input for mac_address. Reason: '${text(ctx.body?.mac_address)}' is not a valid MAC address.` }),
  IP_OUTSIDE_SUBNETS: (e) => ({ status: 400, type: 'InvalidIpForNetwork', message: `IP address ${firstAddress(e.message)} is not a valid IP for any of the subnets on the specified network.` }),
  SUBNET_OVERLAP: (_e, ctx) => invalidInput(`Requested subnet with cidr: ${text(ctx.body?.cidr)} for network: ${text(ctx.body?.network_id)} overlaps with another subnet.`),
  MAC_IN_USE: (e, ctx) => ({
    status: 409,
    type: 'MacAddressInUse',
    message: `Unable to complete operation for network ${text(ctx.body?.network_id) || (/network (\S+)$/.exec(e.message)?.[1] ?? '')}. The mac address ${text(ctx.body?.mac_address)} is in use.`,
  }),
  IP_ALREADY_ALLOCATED: (e) =>
    /is the gateway/.test(e.message)
      ? { status: 409, type: 'IpAddressInUse', message: e.message }
      : { status: 409, type: 'IpAddressAlreadyAllocated', message: `IP address ${firstAddress(e.message)} already allocated in subnet ${subnetIdIn(e.message)}` },
  IP_EXHAUSTED: (e, ctx) => ({ status: 409, type: 'IpAddressGenerationFailure', message: `No more IP addresses available on network ${text(ctx.body?.network_id) || subnetIdIn(e.message)}.` }),
  NETWORK_IN_USE: (e, ctx) => ({
    status: 409,
    type: 'NetworkInUse',
    message: e.message.replace(
      /^network (\S+) .*$/,
      `Unable to complete operation on network $1. There are one or more ports still in use on the network${ctx.portsInUse ? `, id for these ports is: ${ctx.portsInUse.join(',')}` : ''}.`,
    ),
  }),
  // Neutron's VlanIdInUse, TunnelIdInUse and FlatNetworkInUse; network/segment.ts words the message as Neutron does.
  SEGMENT_IN_USE: (e) => ({ status: 409, type: e.message.includes('flat') ? 'FlatNetworkInUse' : e.message.includes('VLAN') ? 'VlanIdInUse' : 'TunnelIdInUse', message: e.message }),
  SUBNET_IN_USE: (e) => ({ status: 409, type: 'SubnetInUse', message: e.message.replace(/^subnet (\S+) .*$/, 'Unable to complete operation on subnet $1: One or more ports have an IP allocation from this subnet.') }),
  AGENT_ALIVE: (e) => ({ status: 409, type: 'Conflict', message: e.message }),
  AGENT_CANNOT_REACH: (e) => ({ status: 409, type: 'Conflict', message: e.message }),
  NO_DHCP_SUBNET: (e) => ({ status: 409, type: 'Conflict', message: e.message }),
  OVER_QUOTA: (e) => ({ status: 409, type: 'OverQuota', message: e.message }),
  VERSION_CONFLICT: (e, ctx) =>
    ctx.ifMatch ? { status: 412, type: 'RevisionNumberConstraintFailed', message: `Constrained to revision number; ${e.message}` } : { status: 409, type: 'Conflict', message: e.message },
  FORBIDDEN: (e) => ({ status: 403, type: 'PolicyNotAuthorized', message: e.message }),
  NOT_FOUND: (e, ctx) => {
    const bound = /^network (\S+) is not bound to agent (\S+)$/.exec(e.message);
    if (bound) return { status: 409, type: 'NetworkNotHostedByDhcpAgent', message: `The network ${bound[1]} is not hosted by the DHCP Agent ${bound[2]}.` };
    const named = /^(network|subnet|port|agent) (\S+) not found$/.exec(e.message);
    const what = named?.[1] ?? ctx.resource ?? 'resource';
    return { status: 404, type: `${capitalized(what)}NotFound`, message: named ? `${capitalized(what)} ${named[2]} could not be found.` : e.message };
  },
  RATE_LIMITED: (e) => ({ status: 429, type: 'OverLimit', message: e.message }),
  UNAVAILABLE: (e) => ({ status: 503, type: 'ServiceUnavailable', message: e.message }),
  INTERNAL: () => ({ status: 500, type: 'HTTPInternalServerError', message: 'Request Failed: internal server error while processing your request.' }),
};

/** A failure as Neutron answers it: its status and body. Anything but an `ApiError` is INTERNAL. Pure. */
export function neutronError(error: unknown, ctx: ErrorContext = {}): { status: number; body: NeutronErrorBody } {
  const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL', 'internal error');
  const { status, type, message } = NEUTRON_ERRORS[apiError.code](apiError, ctx);
  return { status, body: { NeutronError: { type, message, detail: '' } } };
}

/** An error of Neutron's own HTTP layer, with no API code behind it (unknown route, missing wrapper, bad token). Pure. */
export function httpError(status: number, type: string, message: string): { status: number; body: NeutronErrorBody } {
  return { status, body: { NeutronError: { type, message, detail: '' } } };
}
