/**
 * The DHCP server's flood and starvation limits: settings and defaults. The
 * buckets themselves (KeyedTokenBuckets, bounded tables in O(1) per packet)
 * are the protocol package's, shared with the API.
 */
import type { TokenBucketLimit } from '@leasehold/protocol';

/** The DHCP server's defences against floods and pool starvation. */
export interface DhcpLimits {
  /** Per client hardware address (chaddr), whichever network it is on. */
  readonly perMac: TokenBucketLimit;
  /** Per relay (giaddr) for relayed packets. */
  readonly perRelay: TokenBucketLimit;
  /**
   * Addresses (offered or bound) one chaddr may hold per network across all
   * its client ids. A chaddr at the cap that asks with a new client id is
   * served the address it already holds, or nothing. 0 turns the cap off.
   * Ports' MACs (fixed addresses) are exempt.
   */
  readonly maxLeasesPerMac: number;
  /**
   * Dynamic leases (offered or bound addresses of the dynamic pools) one
   * network may have, dnsmasq's dhcp-lease-max: a client that would take one
   * more is refused ('lease-max'); clients already holding or offered an
   * address go on. Ports (fixed addresses) never count and are never refused.
   * 0 turns the cap off.
   */
  readonly leaseMax: number;
}

/**
 * Defaults. Per MAC: 10 packets at once, then 2 per second (a client's
 * whole DORA with retransmissions fits; dhclient and udhcpc send about one
 * DISCOVER per second while waiting). Per relay: 20,000 at once and 20,000
 * per second, i.e. 10,000 DORA/s through one relay (above what one agent
 * serves on a two-core machine, so `npm run bench:dhcp`, which is one relay
 * in front of 50,000 clients, is never cut); set it to the relay's share on
 * larger deployments. One address per MAC per network, as a host with one
 * NIC needs; raise it for hosts that boot several OSes with distinct client
 * ids and must keep each lease.
 */
export const defaultDhcpLimits: DhcpLimits = {
  perMac: { burst: 10, perSecond: 2, maxKeys: 65_536 },
  perRelay: { burst: 20_000, perSecond: 20_000, maxKeys: 4_096 },
  maxLeasesPerMac: 1,
  leaseMax: 0,
};

/** Defaults with some settings replaced (each bucket field by field). Pure. */
export function dhcpLimits(overrides: DhcpLimitsOverrides = {}): DhcpLimits {
  return {
    perMac: { ...defaultDhcpLimits.perMac, ...overrides.perMac },
    perRelay: { ...defaultDhcpLimits.perRelay, ...overrides.perRelay },
    maxLeasesPerMac: overrides.maxLeasesPerMac ?? defaultDhcpLimits.maxLeasesPerMac,
    leaseMax: overrides.leaseMax ?? defaultDhcpLimits.leaseMax,
  };
}

export interface DhcpLimitsOverrides {
  readonly perMac?: Partial<TokenBucketLimit>;
  readonly perRelay?: Partial<TokenBucketLimit>;
  readonly maxLeasesPerMac?: number;
  readonly leaseMax?: number;
}
