/**
 * Per-project quotas, as Neutron's `[quotas]` section: how many networks,
 * subnets and ports a project may hold (-1: unlimited). Usage is counted by
 * the read model (the fold of the journal), so every API instance sees the
 * same counts as soon as it has folded the same events; two creates racing on
 * two instances can overshoot by the creates in flight, as Neutron's
 * DbQuotaNoLockDriver can.
 *
 * Ports with device_owner network:dhcp (the agents' own ports) are never
 * counted nor refused: an agent must always be able to serve a network,
 * whatever its project holds.
 */
import { ApiError } from './errors.js';

export interface Quotas {
  /** Neutron's quota_network (default 100). */
  readonly quota_network: number;
  /** Neutron's quota_subnet (default 100). */
  readonly quota_subnet: number;
  /** Neutron's quota_port (default 500); DHCP ports do not count. */
  readonly quota_port: number;
}

/** Neutron's defaults (neutron/conf/quota.py). */
export const defaultQuotas: Quotas = { quota_network: 100, quota_subnet: 100, quota_port: 500 };

/**
 * The project of a resource created without project_id or tenant_id. Without
 * Keystone the project is what the caller says it is: this is where callers
 * that say nothing share a quota.
 */
export const DEFAULT_PROJECT_ID = 'default';

/** How a view shows a resource's project: under both of Neutron's names, the default project when it has none. Pure. */
export const projectFields = (project: string | undefined) => ({ project_id: project ?? DEFAULT_PROJECT_ID, tenant_id: project ?? DEFAULT_PROJECT_ID });

export type QuotaResource = 'network' | 'subnet' | 'port';

/** Resources a project holds, as the read model counts them. */
export interface ProjectUsage {
  network: number;
  subnet: number;
  port: number;
}

/**
 * Refuses one more `resource` for a project that holds `used` of them when
 * its quota is reached: OVER_QUOTA (409), with Neutron's OverQuota message.
 * Pure.
 */
export function checkQuota(quotas: Quotas, resource: QuotaResource, used: number): void {
  const limit = quotas[`quota_${resource}`];
  if (limit >= 0 && used + 1 > limit) throw overQuota(resource);
}

/** Neutron's OverQuota: `Quota exceeded for resources: ['network'].` Pure. */
export function overQuota(resource: QuotaResource): ApiError {
  return new ApiError('OVER_QUOTA', `Quota exceeded for resources: ['${resource}'].`, 'project_id');
}

/**
 * The project a create request names: project_id or tenant_id (Neutron takes
 * either; both must then agree), else `fallback`. Pure.
 */
export function requestedProject(req: { project_id?: string | undefined; tenant_id?: string | undefined }, fallback: string): string {
  if (req.project_id !== undefined && req.tenant_id !== undefined && req.project_id !== req.tenant_id) {
    throw new ApiError('VALIDATION_FAILED', `project_id ${req.project_id} and tenant_id ${req.tenant_id} differ; give one, or the same in both`, 'tenant_id');
  }
  return req.project_id ?? req.tenant_id ?? fallback;
}

/** Quotas from partial settings: unset fields take `defaultQuotas`. Pure. */
export function resolveQuotas(overrides: Partial<Quotas> = {}): Quotas {
  return { ...defaultQuotas, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}
