/**
 * Picking free addresses for ports from a subnet's allocation pools. The
 * journal is the arbiter (each address is claimed with an expected
 * sequence); this only proposes candidates that are neither claimed nor
 * already being claimed by a request in flight in this process, starting
 * after the last address handed out so the common case is O(1).
 */
import { compareIpv6, formatIpv6, parseIpv6, type Ipv4, type Subnet6State, type SubnetState } from '@leasehold/protocol';

export class AddressPicker {
  private readonly cursors = new Map<string, Ipv4>();

  /**
   * The next address of `subnet`'s allocation pools for which `taken` is
   * false, scanning each pool address at most once; undefined when full.
   */
  pick(subnet: SubnetState, taken: (ip: Ipv4) => boolean): Ipv4 | undefined {
    const pools = [...subnet.allocationPools].sort((a, b) => a.first - b.first);
    if (pools.length === 0) return undefined;
    const start = this.cursors.get(subnet.id) ?? pools[0]!.first;
    // Visit pool addresses from `start` to the end, then from the beginning up to `start`.
    for (const pass of [0, 1]) {
      for (const pool of pools) {
        const from = pass === 0 ? Math.max(pool.first, start) : pool.first;
        const to = pass === 0 ? pool.last : Math.min(pool.last, start - 1);
        for (let ip = from; ip <= to; ip++) {
          if (ip === subnet.gatewayIp || taken(ip)) continue;
          this.cursors.set(subnet.id, ip + 1);
          return ip;
        }
      }
    }
    return undefined;
  }
}

/**
 * Most pool addresses one IPv6 pick looks at. A /64 pool holds 2^64
 * addresses: scanning one to its end is no option, and a pick that meets
 * this many taken addresses in a row from its cursor reports the pool full
 * (IP_EXHAUSTED) rather than loop on.
 */
export const MAX_SCAN6 = 4096;

/** The IPv6 counterpart of `AddressPicker`: pool addresses as RFC 5952 text, from a cursor, each pick bounded by `MAX_SCAN6`. */
export class AddressPicker6 {
  private readonly cursors = new Map<string, bigint>();

  /** The next address of `subnet`'s pools (not its gateway) for which `taken` is false, or undefined. */
  pick(subnet: Subnet6State, taken: (ip: string) => boolean): string | undefined {
    const pools = subnet.allocationPools.map((p) => ({ first: parseIpv6(p.first), last: parseIpv6(p.last) })).sort((a, b) => compareIpv6(a.first, b.first));
    if (pools.length === 0) return undefined;
    const start = this.cursors.get(subnet.id) ?? pools[0]!.first;
    let budget = MAX_SCAN6;
    for (const pass of [0, 1]) {
      for (const pool of pools) {
        const from = pass === 0 ? (pool.first > start ? pool.first : start) : pool.first;
        const to = pass === 0 ? pool.last : pool.last < start - 1n ? pool.last : start - 1n;
        for (let ip = from; ip <= to; ip++) {
          if (budget-- <= 0) return undefined;
          const text = formatIpv6(ip);
          if (text === subnet.gatewayIp || taken(text)) continue;
          this.cursors.set(subnet.id, ip + 1n);
          return text;
        }
      }
    }
    return undefined;
  }
}
