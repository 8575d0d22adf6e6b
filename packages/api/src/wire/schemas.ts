/**
 * Request shapes, with Neutron's field names. zod checks types and refuses
 * unknown fields; meaning (is this a CIDR, is the gateway inside it) is
 * checked by the commands, which know the aggregate's state.
 */
import { z } from 'zod';
import { ApiError } from '../errors.js';

const id = z.string().min(1).max(64);
const name = z.string().max(255);
/** An IPv4 or IPv6 address's text (IPv6 at most 45 characters, with a trailing dotted quad). */
const ipText = z.string().max(45);
const ipVersion = z.union([z.literal(4), z.literal(6)]);
/** Neutron's ipv6_address_mode and ipv6_ra_mode. */
const ipv6Mode = z.enum(['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless']).nullable();
const pool = z.strictObject({ start: ipText, end: ipText });
const hostRoute = z.strictObject({ destination: z.string().max(49), nexthop: ipText });
const extraDhcpOpt = z.strictObject({
  opt_name: z.string().min(1).max(64),
  opt_value: z.string().max(1024),
  ip_version: ipVersion.optional(),
});
const fixedIp = z.strictObject({ subnet_id: id.optional(), ip_address: ipText.optional() });
const azHints = z.array(z.string().min(1).max(255)).max(16);
const revision = z.number().int().nonnegative().optional();
/** Neutron's owner of a resource, by either of its names; set at creation only. */
const project = { project_id: z.string().min(1).max(255).optional(), tenant_id: z.string().min(1).max(255).optional() };
/** Neutron's pagination: at most `limit` items, sorted by id, after the item whose id is `marker`. */
const paging = { limit: z.number().int().min(1).max(10_000).optional(), marker: id.optional() };

/** Neutron's tags (its tagging extension): at most 50 per resource, each 1..255 characters. */
export const MAX_TAGS = 50;
const tag = z.string().min(1).max(255);
/** Neutron's standard attributes on every resource: kept and shown, no effect on serving. */
const standardFields = { description: z.string().max(255).optional(), tags: z.array(tag).max(MAX_TAGS).optional() };
/** Neutron's allowed_address_pairs entry: an IPv4/IPv6 address or CIDR (checked by port/attributes.ts), and a MAC. */
const addressPair = z.strictObject({ ip_address: z.string().min(1).max(49), mac_address: z.string().max(32).optional() });
/** Neutron's binding:profile: a small free-form map (Nova and Ironic put PCI slots and switch ports in it). */
const bindingProfile = z.record(z.string().max(255), z.unknown()).refine((p) => JSON.stringify(p).length <= 4096, 'at most 4,096 characters of JSON');
/** Neutron's tag filters on lists: comma-separated tags, all (tags) or any (tags-any) present, not all (not-tags) or none (not-tags-any). */
const tagFilters = { tags: z.string().max(4096).optional(), 'tags-any': z.string().max(4096).optional(), 'not-tags': z.string().max(4096).optional(), 'not-tags-any': z.string().max(4096).optional() };

const subnetFields = {
  ...standardFields,
  name: name.optional(),
  gateway_ip: ipText.nullable().optional(),
  allocation_pools: z.array(pool).max(64).optional(),
  dynamic_pools: z.array(pool).max(64).optional(),
  dns_nameservers: z.array(ipText).max(16).optional(),
  host_routes: z.array(hostRoute).max(64).optional(),
  enable_dhcp: z.boolean().optional(),
  // Seconds, or -1 for infinite; 0 would hand out leases that expire as they are granted.
  lease_duration: z.number().int().min(-1).max(2 ** 31 - 1).refine((n) => n !== 0, 'must be -1 (infinite) or at least 1 second, not 0').optional(),
};

const portFields = {
  ...standardFields,
  port_security_enabled: z.boolean().optional(),
  'binding:host_id': z.string().max(255).optional(),
  'binding:profile': bindingProfile.optional(),
  allowed_address_pairs: z.array(addressPair).max(64).optional(),
  name: name.optional(),
  mac_address: z.string().max(32).optional(),
  fixed_ips: z.array(fixedIp).max(16).optional(),
  dns_name: z.string().max(63).optional(),
  extra_dhcp_opts: z.array(extraDhcpOpt).max(64).optional(),
  device_owner: z.string().max(255).optional(),
  device_id: z.string().max(255).optional(),
  admin_state_up: z.boolean().optional(),
};

const networkFields = {
  ...standardFields,
  shared: z.boolean().optional(),
  port_security_enabled: z.boolean().optional(),
  name: name.optional(),
  admin_state_up: z.boolean().optional(),
  mtu: z.number().int().min(68).max(65535).optional(),
  dns_domain: z.string().max(253).optional(),
  availability_zone_hints: azHints.optional(),
  'provider:physical_network': z.string().min(1).max(64).nullable().optional(),
  'provider:network_type': z.enum(['flat', 'vlan', 'vxlan']).optional(),
  /** Its range depends on the type (network/segment.ts checks it as Neutron does). */
  'provider:segmentation_id': z.number().int().nullable().optional(),
  /** Leasehold's own extension (leasehold-isolated-metadata): true or false overrides the agents' isolated-metadata settings; null leaves them to decide. */
  'leasehold:isolated_metadata': z.boolean().nullable().optional(),
};

export const schemas = {
  networkCreate: z.strictObject({ ...project, ...networkFields }),
  networkUpdate: z.strictObject({ id, revision_number: revision, ...networkFields }),
  networkList: z.strictObject({
    ...paging,
    ...tagFilters,
    id: id.optional(),
    name: name.optional(),
    admin_state_up: z.boolean().optional(),
    'provider:physical_network': z.string().optional(),
    'provider:network_type': z.enum(['flat', 'vlan', 'vxlan']).optional(),
    'provider:segmentation_id': z.number().int().optional(),
  }),

  subnetCreate: z.strictObject({
    network_id: id,
    ...project,
    cidr: z.string().max(49),
    ip_version: ipVersion.optional(),
    ipv6_address_mode: ipv6Mode.optional(),
    ipv6_ra_mode: ipv6Mode.optional(),
    ...subnetFields,
  }),
  subnetUpdate: z.strictObject({ id, revision_number: revision, ipv6_address_mode: ipv6Mode.optional(), ipv6_ra_mode: ipv6Mode.optional(), ...subnetFields }),
  subnetList: z.strictObject({
    ...paging,
    ...tagFilters,
    id: id.optional(),
    network_id: id.optional(),
    name: name.optional(),
    cidr: z.string().optional(),
    enable_dhcp: z.boolean().optional(),
    ip_version: ipVersion.optional(),
  }),

  portCreate: z.strictObject({ network_id: id, ...project, ...portFields }),
  portUpdate: z.strictObject({ id, revision_number: revision, ...portFields }),
  portList: z.strictObject({
    ...paging,
    ...tagFilters,
    id: id.optional(),
    network_id: id.optional(),
    name: name.optional(),
    mac_address: z.string().optional(),
    device_owner: z.string().optional(),
    device_id: z.string().optional(),
    ip_address: ipText.optional(),
    subnet_id: id.optional(),
  }),

  byId: z.strictObject({ id }),

  agentList: z.strictObject({ host: z.string().optional(), alive: z.boolean().optional(), admin_state_up: z.boolean().optional() }),
  agentUpdate: z.strictObject({ id, admin_state_up: z.boolean() }),
  bindingChange: z.strictObject({ network_id: id, agent_id: id }),
  /** An agent's request for its own DHCP port: the agent is the subject's, never the body's. */
  agentDhcpPort: z.strictObject({ network_id: id }),
  bindingsOfAgent: z.strictObject({ agent_id: id }),
  bindingsOfNetwork: z.strictObject({ network_id: id }),
  leaseList: z.strictObject({
    ...paging,
    // A lease's marker is `<network id>/<address>`: an IPv6 address makes it longer than an id.
    marker: z.string().min(1).max(64 + 1 + 45).optional(),
    network_id: id.optional(),
    state: z.enum(['bound', 'released', 'expired', 'declined']).optional(),
    mac_address: z.string().optional(),
    ip_version: ipVersion.optional(),
  }),
  leaseShow: z.strictObject({ network_id: id.optional(), mac_address: z.string().optional(), ip_address: ipText.optional(), ip_version: ipVersion.optional() }),
};

export type Schemas = typeof schemas;

/** One page of a list: items sorted by `key`, after `marker`, at most `limit`; `next_marker` when more remain. Pure. */
export function page<T>(items: T[], key: (item: T) => string, f: { limit?: number | undefined; marker?: string | undefined }): { items: T[]; next_marker?: string } {
  const sorted = items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const start = f.marker === undefined ? 0 : sorted.findIndex((item) => key(item) > f.marker!);
  const from = start < 0 ? sorted.length : start;
  const limit = f.limit ?? Number.POSITIVE_INFINITY;
  const out = sorted.slice(from, from + limit);
  return from + limit < sorted.length ? { items: out, next_marker: key(out.at(-1)!) } : { items: out };
}
export type Input<K extends keyof Schemas> = z.infer<Schemas[K]>;

/** Parses a body against a schema; a mismatch is VALIDATION_FAILED naming the first bad field. Pure. */
export function parseRequest<K extends keyof Schemas>(kind: K, body: unknown): Input<K> {
  const result = schemas[kind].safeParse(body);
  if (result.success) return result.data as Input<K>;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const field = fieldPath([...issue.path, issue.keys[0] ?? '']);
    throw new ApiError('VALIDATION_FAILED', `unknown field "${field}"`, field);
  }
  const field = fieldPath(issue.path) || undefined;
  throw new ApiError('VALIDATION_FAILED', field ? `${field}: ${issue.message}` : issue.message, field);
}

/** ["fixed_ips", 0, "ip_address"] → "fixed_ips[0].ip_address". Pure. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
