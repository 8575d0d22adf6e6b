/**
 * Picking free addresses for ports from a subnet's allocation pools. The
 * journal is the arbiter (each address is claimed with an expected
 * sequence); this only proposes candidates that are neither claimed nor
 * already being claimed by a request in flight in this process, starting
 * after the last address handed out so the common case is O(1).
 */
import type { Ipv4, SubnetState } from '@leasehold/protocol';

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
