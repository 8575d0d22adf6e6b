/**
 * A network's IPv4 lease table as the agent model builds it: pools from the
 * network's DHCP-enabled subnets, its ports' first fixed addresses fixed.
 * Built on first use, never on the packet path.
 */
import { LeaseConfigError, LeaseTable, type PoolRange } from '@leasehold/lease-actor';
import type { PortState, SubnetState } from '@leasehold/protocol';
import type { AgentModelOptions } from './model-snapshot.js';

/** The dynamic pools of the subnets that have DHCP enabled. Pure. */
export function dhcpPools(subnets: readonly SubnetState[]): PoolRange[] {
  return subnets.filter((s) => s.enableDhcp).flatMap((s) => s.dynamicPools.map((p) => ({ first: p.first, last: p.last, subnetId: s.id })));
}

/** A new lease table for a network with these subnets and ports, under the model's options. */
export function newNetworkLeaseTable(networkId: string, subnets: readonly SubnetState[], ports: Iterable<PortState>, options: AgentModelOptions): LeaseTable {
  const table = new LeaseTable({
    networkId,
    pools: dhcpPools(subnets),
    ...(options.offerTtlMs !== undefined ? { offerTtlMs: options.offerTtlMs } : {}),
    ...(options.declineQuarantineMs !== undefined ? { declineQuarantineMs: options.declineQuarantineMs } : {}),
  });
  for (const p of ports) if (p.fixedIps[0]) fixAddress(table, p.macAddress, p.fixedIps[0].ipAddress);
  return table;
}

/**
 * Makes `ip` the fixed address of `mac` in the table, unless it is already
 * another port's: the API never gives one address to two ports, but a journal
 * written past it may, and the first port keeps it rather than the table (and
 * every lease of the network after it) failing.
 */
export function fixAddress(table: LeaseTable, mac: string, ip: number): void {
  try {
    table.setFixed(mac, ip);
  } catch (error) {
    if (!(error instanceof LeaseConfigError)) throw error;
  }
}
