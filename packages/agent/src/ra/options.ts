/**
 * The router advertisement settings of the agent (dnsmasq's `enable-ra` and
 * `ra-param`): off by default, as Neutron leaves RAs to its L3 agent's radvd.
 */

export interface RaOptions {
  /** dnsmasq's enable-ra: off (false), on every served network (true), or on these networks (names or ids). Only subnets with an `ipv6_ra_mode` are advertised. */
  readonly enabled: boolean | readonly string[];
  /** MaxRtrAdvInterval (RFC 4861 6.2.1), seconds, 4..1800: 600 as radvd and dnsmasq. */
  readonly maxIntervalS: number;
  /**
   * Advertise this agent's host as the default router (router lifetime 3 ×
   * MaxRtrAdvInterval, dnsmasq's default with enable-ra) on networks with a
   * subnet that has a gateway_ip; false (router lifetime 0: the agent is not
   * a router), true, or these networks (names or ids).
   */
  readonly defaultRouter: boolean | readonly string[];
}

export const defaultRaOptions: RaOptions = { enabled: false, maxIntervalS: 600, defaultRouter: false };

/** Whether a per-network setting applies to a network (by id or name). Pure. */
export function raAppliesTo(setting: boolean | readonly string[], network: { readonly id: string; readonly name?: string | undefined }): boolean {
  if (typeof setting === 'boolean') return setting;
  return setting.includes(network.id) || (network.name !== undefined && setting.includes(network.name));
}
