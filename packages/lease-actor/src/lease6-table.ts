/**
 * One network's IPv6 leases as the DHCPv6 server reads them: the binding of
 * each IA (DUID + IAID, RFC 8415 section 12) and the holder of each address.
 * A fold of the journaled `Lease6*` events, nothing else: an address has at
 * most one holder, and an IA at most one address (a later bind moves it).
 *
 * Deliberately smaller than the IPv4 table: no offers (an ADVERTISE reserves
 * nothing, RFC 8415 18.3.1; two REQUESTs for one address meet at the
 * journal's expected version instead), no bitsets (a /64 pool is probed, not
 * enumerated). An expired lease stays its IA's binding (a late RENEW may have
 * it back) but stops holding its address, so the allocator may give it to
 * another IA, whose bind then ends the old one.
 */
import { parseIpv6, type Ipv6 } from '@leasehold/protocol';
import type { JournaledLease6Event } from './lease6-events.js';

export interface Lease6 {
  /** `<duid hex>/<iaid>`: the key the DHCPv6 server looks bindings up by. */
  readonly identity: string;
  readonly duid: string;
  readonly iaid: number;
  readonly mac?: string;
  /** The first label of the client's FQDN (option 39), for its AAAA and PTR. */
  readonly hostname?: string;
  readonly address: Ipv6;
  /** The valid lifetime's end, ms since the epoch. */
  readonly validUntil: number;
}

/** The snapshot of one table: [identity-less lease tuples, declined addresses with their end]. */
export interface Lease6TableSnapshot {
  readonly networkId: string;
  /** [address text, duid, iaid, mac or null, validUntil, host name or null (absent in snapshots written before host names)]. */
  readonly leases: readonly (readonly [ip: string, duid: string, iaid: number, mac: string | null, validUntil: number, hostname?: string | null])[];
  /** [address text, quarantined until]. */
  readonly declined: readonly (readonly [ip: string, until: number])[];
}

/** The identity of an IA in the table: the DUID's hex and the IAID. Pure. */
export function lease6Identity(duid: string, iaid: number): string {
  return `${duid}/${iaid}`;
}

export class Lease6Table {
  private readonly byIdentity = new Map<string, Lease6>();
  private readonly byAddress = new Map<Ipv6, Lease6>();
  private readonly declined = new Map<Ipv6, number>();

  /** `declineQuarantineMs`: how long a declined address is kept from every client (as the IPv4 table's). */
  constructor(
    readonly networkId: string,
    private readonly declineQuarantineMs: number,
  ) {}

  get size(): number {
    return this.byIdentity.size;
  }

  /** Folds one journaled event. Never throws for a well-formed event. */
  apply(event: JournaledLease6Event): void {
    const address = parseIpv6(event.ip);
    switch (event.type) {
      case 'Lease6Bound':
      case 'Lease6Renewed': {
        const identity = lease6Identity(event.duid, event.iaid);
        const before = this.byIdentity.get(identity);
        // A renewal without a host name keeps the one the client sent before (as the IPv4 leases' names do).
        const hostname = event.hostname ?? (event.type === 'Lease6Renewed' && before?.address === address ? before.hostname : undefined);
        const lease: Lease6 = {
          identity,
          duid: event.duid,
          iaid: event.iaid,
          ...(event.mac !== undefined ? { mac: event.mac } : {}),
          ...(hostname !== undefined ? { hostname } : {}),
          address,
          validUntil: event.expiresAt,
        };
        this.forget(this.byAddress.get(address));
        this.forget(before);
        this.declined.delete(address);
        this.byIdentity.set(lease.identity, lease);
        this.byAddress.set(address, lease);
        return;
      }
      case 'Lease6Released':
      case 'Lease6Declined': {
        const held = this.byAddress.get(address);
        if (held !== undefined && held.identity === lease6Identity(event.duid, event.iaid)) this.forget(held);
        if (event.type === 'Lease6Declined') this.declined.set(address, event.at + this.declineQuarantineMs);
        return;
      }
      case 'Lease6Expired': {
        const held = this.byAddress.get(address);
        if (held !== undefined && held.validUntil <= event.expiresAt) this.forget(held);
        return;
      }
    }
  }

  /** The IA's lease, expired or not (a RENEW may revive it while no one else took the address). */
  binding(identity: string): Lease6 | undefined {
    return this.byIdentity.get(identity);
  }

  /** Who holds `address` at `now`: a lease's identity, `declined` while quarantined, else undefined (free). */
  holderAt(address: Ipv6, now: number): string | undefined {
    const lease = this.byAddress.get(address);
    if (lease !== undefined && lease.validUntil > now) return lease.identity;
    const until = this.declined.get(address);
    return until !== undefined && until > now ? 'declined' : undefined;
  }

  /** Every lease, expired ones included. */
  leases(): IterableIterator<Lease6> {
    return this.byIdentity.values();
  }

  /** Up to `limit` leases whose valid lifetime ended by `now` (the expiry pass writes `Lease6Expired` for them). */
  expired(now: number, limit: number): Lease6[] {
    const out: Lease6[] = [];
    for (const lease of this.byIdentity.values()) {
      if (out.length >= limit) break;
      if (lease.validUntil <= now) out.push(lease);
    }
    return out;
  }

  /** The table as plain data (addresses as text) for the agent model's snapshot. Pure. */
  snapshot(format: (address: Ipv6) => string): Lease6TableSnapshot {
    return {
      networkId: this.networkId,
      leases: [...this.byIdentity.values()].map((l) => [format(l.address), l.duid, l.iaid, l.mac ?? null, l.validUntil, l.hostname ?? null] as const),
      declined: [...this.declined].map(([address, until]) => [format(address), until] as const),
    };
  }

  /** A table filled from `snapshot`; throws (RangeError, InvalidIpv6Error) on a malformed one. */
  static restore(snapshot: Lease6TableSnapshot, declineQuarantineMs: number): Lease6Table {
    const table = new Lease6Table(snapshot.networkId, declineQuarantineMs);
    for (const [ip, duid, iaid, mac, validUntil, hostname] of snapshot.leases) {
      if (typeof duid !== 'string' || !Number.isSafeInteger(iaid) || typeof validUntil !== 'number') throw new RangeError(`malformed IPv6 lease of ${String(ip)}`);
      const named = typeof hostname === 'string' ? { hostname } : {};
      table.apply({ type: 'Lease6Bound', at: 0, ip, duid, iaid, ...(typeof mac === 'string' ? { mac } : {}), ...named, expiresAt: validUntil });
    }
    for (const [ip, until] of snapshot.declined) {
      if (typeof until !== 'number') throw new RangeError(`malformed declined address ${String(ip)}`);
      table.declined.set(parseIpv6(ip), until);
    }
    return table;
  }

  private forget(lease: Lease6 | undefined): void {
    if (lease === undefined) return;
    if (this.byIdentity.get(lease.identity) === lease) this.byIdentity.delete(lease.identity);
    if (this.byAddress.get(lease.address) === lease) this.byAddress.delete(lease.address);
  }
}
