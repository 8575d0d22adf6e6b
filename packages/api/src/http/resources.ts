/**
 * Resources between the API's views and Neutron's bodies. Out: each view
 * with the fields Neutron shows that Leasehold does not keep, at the
 * values Neutron shows when nobody set them (every view field passes
 * through, so a field the API gains is shown without a change here). In:
 * a request's fields go to the API's handler as they are when its schema
 * takes them (description, tags, shared, port security, binding:host_id,
 * binding:profile and allowed_address_pairs are kept, see ../attributes.ts);
 * a Neutron field the API does not keep is accepted only at its default
 * value (what clients send when nobody asked for it) and refused
 * otherwise, never silently dropped.
 */
import { ApiError } from '../errors.js';
import type { AgentView, NetworkView, PortView, SubnetView } from '../wire/views.js';
import { schemas } from '../wire/schemas.js';

const NEUTRON_NETWORK = {
  'router:external': false,
  'provider:segmentation_id': null,
  ipv4_address_scope: null,
  ipv6_address_scope: null,
  availability_zones: [],
};
const NEUTRON_SUBNET = {
  service_types: [],
  subnetpool_id: null,
  ipv6_ra_mode: null,
  ipv6_address_mode: null,
  segment_id: null,
};
const NEUTRON_PORT = {
  security_groups: [],
  'binding:vnic_type': 'normal',
  'binding:vif_type': 'unbound',
  'binding:vif_details': {},
};

/** Pure. `availabilityZones`: the zones of the agents hosting it. */
export function neutronNetwork(view: NetworkView, availabilityZones: readonly string[] = []): Record<string, unknown> {
  // Without a physical network a network is Neutron's `local` type; with one, `flat` (a segment's own type, when the view has one, wins).
  const networkType = view['provider:physical_network'] ? 'flat' : 'local';
  // Neutron shows a network without a DNS domain as null.
  const dnsDomain = view.dns_domain === '' ? null : view.dns_domain;
  return { ...NEUTRON_NETWORK, ...view, dns_domain: dnsDomain, 'provider:network_type': view['provider:network_type'] ?? networkType, availability_zones: [...availabilityZones] };
}

/** Pure. */
export function neutronSubnet(view: SubnetView): Record<string, unknown> {
  return { ...NEUTRON_SUBNET, ...view };
}

/** Pure. */
export function neutronPort(view: PortView): Record<string, unknown> {
  return { ...NEUTRON_PORT, ...view };
}

/** Neutron writes agents' times as `2026-12-07 05:58:22` (UTC, no zone). Pure. */
export function neutronTime(iso: string | null): string | null {
  return iso === null ? null : iso.slice(0, 19).replace('T', ' ');
}

/** Pure. */
export function neutronAgent(view: AgentView): Record<string, unknown> {
  return {
    topic: 'dhcp_agent',
      resources_synced: null,
    ...view,
    heartbeat_timestamp: neutronTime(view.heartbeat_timestamp),
  };
}

/** Neutron fields the API does not keep, with the one value each may take (what a client sends by default). */
const ACCEPTED_DEFAULTS: Readonly<Record<string, unknown>> = {
  'router:external': false,
  security_groups: [],
  'binding:vnic_type': 'normal',
  ipv6_ra_mode: null,
  ipv6_address_mode: null,
  subnetpool_id: null,
  use_default_subnetpool: false,
  segment_id: null,
  service_types: [],
};

/** The handler schema whose fields a request to `operation` may carry. */
const SCHEMA_OF = {
  'networks.create': schemas.networkCreate,
  'networks.update': schemas.networkUpdate,
  'subnets.create': schemas.subnetCreate,
  'subnets.update': schemas.subnetUpdate,
  'ports.create': schemas.portCreate,
  'ports.update': schemas.portUpdate,
} as const;

export type WriteOperation = keyof typeof SCHEMA_OF;

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A Neutron request's resource as the handler of `operation` takes it:
 * the schema's fields as given, Neutron-only fields at their default left
 * out, anything else refused (400 InvalidInput). Pure.
 */
export function handlerRequest(operation: WriteOperation, fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const known = SCHEMA_OF[operation].shape as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key in known) out[key] = value;
    else if (key in ACCEPTED_DEFAULTS) {
      if (!sameValue(value, ACCEPTED_DEFAULTS[key])) {
        throw new ApiError('VALIDATION_FAILED', `Leasehold does not keep ${key}; it is always ${JSON.stringify(ACCEPTED_DEFAULTS[key])}`, key);
      }
    } else throw new ApiError('VALIDATION_FAILED', `Unrecognized attribute(s) '${key}'`, key);
  }
  return out;
}

/** A `{"<member>": {...}}` body's resource, or a 400. Pure. */
export function unwrap(body: unknown, member: string): Record<string, unknown> {
  const inner = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[member] : undefined;
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
    throw new ApiError('BAD_REQUEST', `Resource body required: {"${member}": {...}}`);
  }
  return inner as Record<string, unknown>;
}
