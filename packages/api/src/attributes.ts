/**
 * Neutron's fields that Leasehold keeps and shows for clients but that
 * change nothing it serves: description and tags on networks, subnets and
 * ports; shared and port_security_enabled on networks; port_security_enabled,
 * binding:host_id, binding:profile and allowed_address_pairs on ports (no
 * RBAC, no security groups, no L2 binding). From a request's fields to the
 * state's (only those given, for an update's changes), from the state to the
 * view (the defaults Neutron shows for those never set), and the tag filters
 * of lists. All pure.
 */
import { isIP } from 'node:net';
import type { NetworkState, PortState, SubnetState, Subnet6State } from '@leasehold/protocol';
import { ApiError } from './errors.js';
import type { Input } from './wire/schemas.js';

type Standard = Pick<Input<'networkUpdate'>, 'description' | 'tags'>;
type Given<T> = { -readonly [K in keyof T]?: T[K] };

/** Tags as a set, as Neutron keeps them: duplicates dropped, first order kept. */
export function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}

/** A request's description and tags as state fields (only those given). */
export function standardState(req: Standard): Given<Pick<NetworkState, 'description' | 'tags'>> {
  return {
    ...(req.description !== undefined ? { description: req.description } : {}),
    ...(req.tags !== undefined ? { tags: uniqueTags(req.tags) } : {}),
  };
}

export function networkAttributes(req: Standard & Pick<Input<'networkUpdate'>, 'shared' | 'port_security_enabled'>): Given<Pick<NetworkState, 'description' | 'tags' | 'shared' | 'portSecurityEnabled'>> {
  return {
    ...standardState(req),
    ...(req.shared !== undefined ? { shared: req.shared } : {}),
    ...(req.port_security_enabled !== undefined ? { portSecurityEnabled: req.port_security_enabled } : {}),
  };
}

type PortAttributeState = Given<Pick<PortState, 'description' | 'tags' | 'portSecurityEnabled' | 'bindingHostId' | 'bindingProfile' | 'allowedAddressPairs'>>;

/** A port request's kept-for-clients fields; an allowed address pair's ip_address must be an address or CIDR of either version. */
export function portAttributes(req: Pick<Input<'portUpdate'>, 'description' | 'tags' | 'port_security_enabled' | 'binding:host_id' | 'binding:profile' | 'allowed_address_pairs'>): PortAttributeState {
  const pairs = req.allowed_address_pairs?.map((pair, i) => {
    if (!isAddressOrCidr(pair.ip_address)) {
      throw new ApiError('VALIDATION_FAILED', `'${pair.ip_address}' is not a valid IP address or CIDR`, `allowed_address_pairs[${i}].ip_address`);
    }
    if (pair.mac_address !== undefined && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(pair.mac_address)) {
      throw new ApiError('VALIDATION_FAILED', `'${pair.mac_address}' is not a valid MAC address`, `allowed_address_pairs[${i}].mac_address`);
    }
    return { ipAddress: pair.ip_address, ...(pair.mac_address !== undefined ? { macAddress: pair.mac_address.toLowerCase() } : {}) };
  });
  return {
    ...standardState(req),
    ...(req.port_security_enabled !== undefined ? { portSecurityEnabled: req.port_security_enabled } : {}),
    ...(req['binding:host_id'] !== undefined ? { bindingHostId: req['binding:host_id'] } : {}),
    ...(req['binding:profile'] !== undefined ? { bindingProfile: req['binding:profile'] } : {}),
    ...(pairs !== undefined ? { allowedAddressPairs: pairs } : {}),
  };
}

/** "198.18.0.5", "198.18.0.0/24", "2001:db8::5" or "2001:db8::/64". */
function isAddressOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return false;
  if (slash < 0) return true;
  const prefix = text.slice(slash + 1);
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** Neutron's time format: `2026-12-07T05:58:22Z`. */
function neutronTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** When a resource was created and last changed (the read model's `times`). */
export interface ResourceTimes {
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** created_at and updated_at; null for a resource the model has no times of. */
export function timesView(times: ResourceTimes | undefined): { created_at: string | null; updated_at: string | null } {
  return { created_at: times ? neutronTimestamp(times.createdAt) : null, updated_at: times ? neutronTimestamp(times.updatedAt) : null };
}

export function standardView(s: NetworkState | SubnetState | Subnet6State | PortState): { description: string; tags: string[] } {
  return { description: s.description ?? '', tags: [...(s.tags ?? [])] };
}

export function networkAttributesView(n: NetworkState): { description: string; tags: string[]; shared: boolean; port_security_enabled: boolean } {
  return { ...standardView(n), shared: n.shared ?? false, port_security_enabled: n.portSecurityEnabled ?? true };
}

/** A pair without its own MAC shows the port's, as Neutron fills it in. */
export function portAttributesView(p: PortState): {
  description: string;
  tags: string[];
  port_security_enabled: boolean;
  'binding:host_id': string;
  'binding:profile': Record<string, unknown>;
  allowed_address_pairs: { ip_address: string; mac_address: string }[];
} {
  return {
    ...standardView(p),
    port_security_enabled: p.portSecurityEnabled ?? true,
    'binding:host_id': p.bindingHostId ?? '',
    'binding:profile': { ...(p.bindingProfile ?? {}) },
    allowed_address_pairs: (p.allowedAddressPairs ?? []).map((pair) => ({ ip_address: pair.ipAddress, mac_address: pair.macAddress ?? p.macAddress })),
  };
}

/** Neutron's tag filters: each a comma-separated list of tags. */
export interface TagFilters {
  readonly tags?: string | undefined;
  readonly 'tags-any'?: string | undefined;
  readonly 'not-tags'?: string | undefined;
  readonly 'not-tags-any'?: string | undefined;
}

const tagList = (text: string | undefined) => (text === undefined ? undefined : text.split(',').filter((t) => t !== ''));

/**
 * Whether a resource with `tags` passes Neutron's tag filters: all of `tags`,
 * any of `tags-any`, not all of `not-tags`, none of `not-tags-any`.
 */
export function tagsMatch(tags: readonly string[], f: TagFilters): boolean {
  const has = (t: string) => tags.includes(t);
  const all = tagList(f.tags);
  const any = tagList(f['tags-any']);
  const notAll = tagList(f['not-tags']);
  const notAny = tagList(f['not-tags-any']);
  if (all && !all.every(has)) return false;
  if (any && !any.some(has)) return false;
  if (notAll && notAll.length > 0 && notAll.every(has)) return false;
  if (notAny && notAny.some(has)) return false;
  return true;
}
