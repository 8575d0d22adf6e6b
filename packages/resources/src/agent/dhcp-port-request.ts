/**
 * An agent's one request of the API: its own DHCP port on a network bound to
 * it, on `lh.api.agents.<agentId>.dhcp-port` with body `{ network_id }`.
 * Both sides of the contract live here, so the agent can ask without loading
 * the API: the subject (the journal's role table lets only agent `<agentId>`
 * publish there), the device_id that marks the agent's ports, and the request
 * itself, on the API's wire rules (api/src/wire/codec.ts and
 * client/client.ts, held together by api's dhcp-port-request test): a msgpack
 * body, a msgpack reply, and an error reply as the micro-service error
 * headers with `{ error: { code, status, message, field? } }` as its body.
 */
import { pack, unpack } from '@leasehold/protocol';
import type { NatsConnection } from '@nats-io/nats-core';
import { DhcpPortRequestError } from '../errors.js';

/** Prefix of the requests only agents make, one subtree per agent (the journal's AGENT_REQUEST_PREFIX). */
const AGENT_REQUEST_PREFIX = 'lh.api.agents';

const token = /^[A-Za-z0-9_\-:]+$/;

/** The subject on which agent `agentId` asks for its DHCP port. Throws a RangeError for an id that is not one subject token. Pure. */
export function dhcpPortRequestSubject(agentId: string): string {
  if (!token.test(agentId)) throw new RangeError(`agent id "${agentId}" cannot be a subject token`);
  return `${AGENT_REQUEST_PREFIX}.${agentId}.dhcp-port`;
}

/** The agent whose request subtree `subject` is in (`lh.api.agents.<agentId>.…`), or undefined. Pure. */
export function agentOfRequestSubject(subject: string): string | undefined {
  if (!subject.startsWith(`${AGENT_REQUEST_PREFIX}.`)) return undefined;
  const rest = subject.slice(AGENT_REQUEST_PREFIX.length + 1);
  const end = rest.indexOf('.');
  const id = end < 0 ? rest : rest.slice(0, end);
  return token.test(id) ? id : undefined;
}

/** The device_id of agent `agentId`'s DHCP ports (as Neutron's agent sets it: one per agent host). Pure. */
export function dhcpPortDeviceId(agentId: string): string {
  return `dhcp-${agentId}`;
}

/**
 * The device_id of a DHCP port no agent holds (Neutron's
 * DEVICE_ID_RESERVED_DHCP_PORT): a network unbound from its agent keeps its
 * port under this id, and the next agent that asks takes it over, so the
 * network's clients keep their server identifier and DNS address.
 */
export const DHCP_RESERVED_DEVICE_ID = 'reserved_dhcp_port';

/** The agent a DHCP port's device_id names (`dhcp-<agentId>`), or undefined (reserved, or an operator's own id). Pure. */
export function agentOfDhcpDeviceId(deviceId: string): string | undefined {
  return deviceId.startsWith('dhcp-') && deviceId.length > 5 ? deviceId.slice(5) : undefined;
}

/** The reply as far as the agent reads it: the port (the API's port view) and whether this request created it. */
export interface DhcpPortRequestReply {
  readonly port: { readonly id: string };
  /** False when the agent already had its port there (the same port is answered). */
  readonly created: boolean;
}

export interface DhcpPortRequestOptions {
  /** How long to wait for the API's answer (default 10 s, as the API's client). */
  readonly timeoutMs?: number;
}

/**
 * Asks the API for agent `agentId`'s DHCP port on `networkId`. Resolves with
 * the reply; throws `DhcpPortRequestError` with the API's code, message and
 * field when it refuses (FORBIDDEN: not bound; NO_DHCP_SUBNET; UNAVAILABLE),
 * and NATS's own error when no API answers.
 */
export async function requestDhcpPort(nc: Pick<NatsConnection, 'request'>, agentId: string, networkId: string, options: DhcpPortRequestOptions = {}): Promise<DhcpPortRequestReply> {
  const reply = await nc.request(dhcpPortRequestSubject(agentId), pack({ network_id: networkId }), { timeout: options.timeoutMs ?? 10_000 });
  const decoded = reply.data.length === 0 ? {} : (unpack(reply.data) as Record<string, unknown>);
  if (reply.headers?.get('Nats-Service-Error-Code')) {
    const error = decoded.error as { code?: unknown; status?: unknown; message?: unknown; field?: unknown } | undefined;
    if (!error || typeof error.code !== 'string') throw new DhcpPortRequestError('INTERNAL', reply.headers.get('Nats-Service-Error') || 'error without a body');
    const field = typeof error.field === 'string' ? error.field : undefined;
    throw new DhcpPortRequestError(error.code, typeof error.message === 'string' ? error.message : '', field, typeof error.status === 'number' ? error.status : undefined);
  }
  return decoded as unknown as DhcpPortRequestReply;
}
