/**
 * Which addresses each chaddr holds (offered or bound) on each network,
 * across all its client ids: what the per-MAC lease cap counts. The lease
 * table indexes leases by client key and remembers only a MAC's latest
 * binding; a chaddr that churns client ids would hold many addresses
 * unseen there.
 *
 * Fed with every address given to a chaddr (the server's offers, and every
 * journaled LeaseBound, the agent's own and its peers'); read through the
 * lease table, which stays the truth: an address whose offer lapsed, or
 * whose lease ended or went to another client, is dropped when read. Memory
 * is bounded by the addresses in use: each address belongs to at most one
 * chaddr here, and a chaddr's entry goes when its last address does.
 */
import type { ClientRef, LeaseTable } from '@leasehold/lease-actor';
import type { Ipv4 } from '@leasehold/protocol';

export interface Holding {
  readonly ip: Ipv4;
  /** The client (chaddr and client id) the table shows holding it. */
  readonly holder: ClientRef;
  /** Bound (or renewing, rebinding) rather than only offered. */
  readonly bound: boolean;
}

export class MacHoldings {
  /** network → address → chaddr. */
  private readonly owners = new Map<string, Map<Ipv4, string>>();
  /** network + chaddr → its addresses. */
  private readonly byMac = new Map<string, Set<Ipv4>>();

  /** Records that `ip` was given to `mac` on a network (any earlier owner loses it). */
  note(networkId: string, mac: string, ip: Ipv4): void {
    let owners = this.owners.get(networkId);
    if (!owners) this.owners.set(networkId, (owners = new Map()));
    const previous = owners.get(ip);
    if (previous === mac) return;
    if (previous !== undefined) this.unlink(networkId, previous, ip);
    owners.set(ip, mac);
    const key = `${networkId}/${mac}`;
    let ips = this.byMac.get(key);
    if (!ips) this.byMac.set(key, (ips = new Set()));
    ips.add(ip);
  }

  /** Forgets `ip` (released, declined, expired). */
  drop(networkId: string, ip: Ipv4): void {
    const owners = this.owners.get(networkId);
    const mac = owners?.get(ip);
    if (mac === undefined) return;
    owners!.delete(ip);
    this.unlink(networkId, mac, ip);
  }

  /**
   * The addresses `mac` holds on a network as of `now`, checked against the
   * table (stale entries are forgotten on the way). Pure apart from that.
   */
  held(networkId: string, mac: string, table: LeaseTable, now: number): Holding[] {
    const ips = this.byMac.get(`${networkId}/${mac}`);
    const out: Holding[] = [];
    for (const ip of ips ?? []) {
      const view = table.lease(ip, now);
      const holder = view?.status === 'offered' ? view.offer?.client : view && isHeldStatus(view.status) ? view.client : undefined;
      if (holder && holder.mac === mac) out.push({ ip, holder, bound: view!.status !== 'offered' });
      else this.drop(networkId, ip);
    }
    // The table's own index knows a MAC's latest binding even when it predates this index.
    const latest = table.leaseOf({ mac }, now);
    if (latest?.client && isHeldStatus(latest.status) && !out.some((h) => h.ip === latest.ip)) {
      out.push({ ip: latest.ip, holder: latest.client, bound: true });
      this.note(networkId, mac, latest.ip);
    }
    return out;
  }

  /** Addresses tracked in all (for the bounded-memory check). */
  get size(): number {
    let n = 0;
    for (const owners of this.owners.values()) n += owners.size;
    return n;
  }

  private unlink(networkId: string, mac: string, ip: Ipv4): void {
    const key = `${networkId}/${mac}`;
    const ips = this.byMac.get(key);
    if (!ips) return;
    ips.delete(ip);
    if (ips.size === 0) this.byMac.delete(key);
  }
}

function isHeldStatus(status: string): boolean {
  return status === 'bound' || status === 'renewing' || status === 'rebinding';
}
