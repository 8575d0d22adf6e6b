/**
 * The lease table of one network: a fold of its lease events (by address, by
 * client, by MAC) plus the allocator the DHCP server asks on every DISCOVER.
 * In memory and pure: no clock (time comes in as `now`), no I/O. Offers live
 * here only; everything else is rebuilt by folding the journal.
 */
import { LeaseConfigError, LeaseRefusedError, type LeaseRefusalReason } from './errors.js';
import {
  clientKey,
  type ClientRef,
  type LeaseDeclined,
  type LeaseEvent,
  type LeaseExpired,
  type LeaseOffered,
} from './events.js';
import { TimeHeap } from './heap.js';
import { formatIpv4 as formatIp, isIpv4, type Ipv4 } from '@leasehold/protocol';
import { Pools, hashKey, type PoolRange } from './pools.js';
import { freeContext, type LeaseContext, type LeaseStatus } from './rules.js';
import { OfferReclaim, type ReclaimCandidate, type ReclaimScan } from './offer-reclaim.js';
import { LEASE_TABLE_DEFAULTS, type Allocation, type AllocationRequest, type DurableTableState, type LeaseTableConfig, type TableLease } from './table-types.js';
import { isHeld, refusalReason, step, type LeaseState } from './step.js';

export type { Allocation, AllocationRequest, AllocationSource, DurableTableState, FixedAddress, LeaseTableConfig, TableLease } from './table-types.js';

const AVAILABLE = new Set<LeaseStatus>(['free', 'released', 'expired']);

export class LeaseTable {
  readonly networkId: string;
  readonly offerTtlMs: number;
  readonly declineQuarantineMs: number;
  readonly offerReclaimMs: number;
  private pools: Pools;
  private readonly excluded = new Set<number>();
  private readonly fixedByMac = new Map<string, number>();
  private readonly fixedByIp = new Map<number, string>();
  /** Every address that is not free (free ones have no record). */
  private readonly records = new Map<number, LeaseState>();
  /** Client key → the address of its latest LeaseBound: the stable preference. */
  private readonly byClient = new Map<string, number>();
  private readonly byMac = new Map<string, number>();
  /** Client key → its outstanding offer (in memory only). */
  private readonly offers = new Map<string, number>();
  private readonly expiries = new TimeHeap();
  private readonly offerEnds = new TimeHeap();
  private readonly quarantineEnds = new TimeHeap();
  private readonly due = new Set<number>();
  private readonly reclaim = new OfferReclaim();

  constructor(config: LeaseTableConfig) {
    this.networkId = config.networkId;
    this.offerTtlMs = config.offerTtlMs ?? LEASE_TABLE_DEFAULTS.offerTtlMs;
    this.declineQuarantineMs = config.declineQuarantineMs ?? LEASE_TABLE_DEFAULTS.declineQuarantineMs;
    this.offerReclaimMs = config.offerReclaimMs ?? LEASE_TABLE_DEFAULTS.offerReclaimMs;
    this.pools = new Pools(config.pools ?? []);
    for (const ip of config.excluded ?? []) {
      if (!isIpv4(ip)) throw new LeaseConfigError(`excluded address ${String(ip)} is not an IPv4 address`);
      this.excluded.add(ip);
      this.pools.setFree(ip, false);
    }
    for (const fixed of config.fixed ?? []) this.setFixed(fixed.mac, fixed.ip);
  }

  /** A table folded from events, in journal order. Pure. */
  static fold(config: LeaseTableConfig, events: Iterable<LeaseEvent>): LeaseTable {
    const table = new LeaseTable(config);
    for (const event of events) table.apply(event);
    return table;
  }

  /**
   * A table with this configuration and `durableState()`, every derived structure
   * rebuilt, answering later events and requests as its source would once its
   * offers lapsed. The heaps get the current leases only (readers skip the stale
   * entries a folded table also has); `due` refills from the heap. Pure.
   */
  static fromDurableState(config: LeaseTableConfig, state: DurableTableState): LeaseTable {
    const table = new LeaseTable(config);
    for (const record of state.leases) {
      const { status, context } = record;
      table.records.set(context.ip, record);
      table.refreshFree(context.ip);
      if (status === 'bound' && context.expiresAt !== null) table.expiries.push(context.expiresAt, context.ip);
      if (status === 'declined' && context.quarantineUntil !== null) table.quarantineEnds.push(context.quarantineUntil, context.ip);
    }
    for (const [key, ip] of state.clients) table.byClient.set(key, ip);
    for (const [mac, ip] of state.macs) table.byMac.set(mac, ip);
    return table;
  }

  /** The configuration as it stands now, after every `setPools` / `setFixed` / `removeFixed`. Pure. */
  configuration(): Required<LeaseTableConfig> {
    return {
      networkId: this.networkId,
      pools: this.pools.ranges(),
      fixed: [...this.fixedByMac].map(([mac, ip]) => ({ mac, ip })),
      excluded: [...this.excluded],
      offerTtlMs: this.offerTtlMs,
      declineQuarantineMs: this.declineQuarantineMs,
      offerReclaimMs: this.offerReclaimMs,
    };
  }

  /** Adds or moves a port's fixed address. The address leaves the dynamic pool. */
  setFixed(mac: string, ip: Ipv4): void {
    if (!isIpv4(ip)) throw new LeaseConfigError(`fixed address ${String(ip)} of ${mac} is not an IPv4 address`);
    const owner = this.fixedByIp.get(ip);
    if (owner !== undefined && owner !== mac) throw new LeaseConfigError(`${formatIp(ip)} is already the fixed address of ${owner}`);
    this.removeFixed(mac);
    this.fixedByMac.set(mac, ip);
    this.fixedByIp.set(ip, mac);
    this.pools.setFree(ip, false);
  }

  /**
   * Replaces the dynamic pools (a subnet was added, removed or got other
   * dhcp ranges). Leases already held keep their records; an address outside
   * the new pools can no longer be offered or renewed, so its holder gets a
   * NAK at its next renewal and moves, as with dnsmasq.
   */
  setPools(ranges: readonly PoolRange[]): void {
    this.pools = new Pools(ranges);
    for (const ip of this.excluded) this.pools.setFree(ip, false);
    for (const ip of this.fixedByIp.keys()) this.pools.setFree(ip, false);
    for (const ip of this.records.keys()) this.refreshFree(ip);
  }

  /** Forgets a port's fixed address; a pool address becomes allocatable again once unused. */
  removeFixed(mac: string): void {
    const ip = this.fixedByMac.get(mac);
    if (ip === undefined) return;
    this.fixedByMac.delete(mac);
    this.fixedByIp.delete(ip);
    this.refreshFree(ip);
  }

  /**
   * Folds one event. Journaled facts and offers follow the lease machine's rules;
   * a refused event leaves the table unchanged and its reason is returned (as
   * xstate would drop it). A Tick only advances the clock.
   */
  apply(event: LeaseEvent): LeaseRefusalReason | undefined {
    if (event.type === 'Tick') {
      this.advance(event.now);
      return undefined;
    }
    const ip = event.ip;
    if (!isIpv4(ip)) return 'wrong-address';
    const before = this.state(ip);
    const after = step(before, event);
    if (typeof after === 'string') return after;
    this.store(ip, after);
    const key = event.type === 'LeaseExpired' ? undefined : clientKey(event);
    switch (event.type) {
      case 'LeaseOffered':
        if (key !== undefined) this.offers.set(key, ip);
        this.offerEnds.push(event.offerExpiresAt, ip);
        break;
      case 'LeaseBound':
        // The previous holder's preference for this address ends here, which keeps
        // both indexes no larger than the number of addresses.
        if (before.context.client !== null) this.forgetPreference(before.context.client, ip);
        if (key !== undefined) {
          this.byClient.set(key, ip);
          this.offers.delete(key);
        }
        this.byMac.set(event.mac, ip);
        this.expiries.push(event.expiresAt, ip);
        break;
      case 'LeaseRenewed':
        this.expiries.push(event.expiresAt, ip);
        break;
      case 'LeaseDeclined':
        // The client saw someone else on this address (RFC 2131 §4.4.1): do not steer it back here.
        this.forgetPreference(event, ip);
        this.quarantineEnds.push(event.quarantineUntil, ip);
        break;
    }
    return undefined;
  }

  /**
   * Checks a command before it is journaled: the lease machine's rules, plus the
   * network's (a fixed address is only for its port's MAC; dynamic addresses only
   * from a pool and never excluded). Undefined means append it. Pure.
   */
  check(event: LeaseEvent): LeaseRefusedError | undefined {
    if (event.type === 'Tick') return undefined;
    const ip = event.ip;
    const reason = !isIpv4(ip) ? 'wrong-address' : (this.reservedFor(ip, event) ?? refusalReason(this.state(ip).status, this.state(ip).context, event));
    return reason === undefined ? undefined : new LeaseRefusedError(event.type, event.ip, reason);
  }

  /**
   * Chooses an address for a client (DISCOVER, or a REQUEST without a lease):
   * its port's fixed address; else, in its subnet's pools, the address it holds,
   * was offered, or had before; else the one it requested, if free; else the first
   * free one probing linearly from a hash of its client key, so one client tends
   * to get the same address. Deterministic given the table and the request. Pure
   * apart from settling offers and quarantines that ended by `now`.
   */
  allocate(request: AllocationRequest): Allocation {
    this.advance(request.now);
    const key = clientKey(request);
    const fixed = this.fixedByMac.get(request.mac);
    if (fixed !== undefined) {
      return this.availableFor(fixed, key, request.now)
        ? { ok: true, ip: fixed, source: 'fixed' }
        : { ok: false, reason: 'fixed-address-in-use' };
    }
    const { subnetId, now } = request;
    const usable = (ip: number | undefined): ip is number =>
      isIpv4(ip) && this.isDynamic(ip, subnetId) && this.availableFor(ip, key, now);
    const previous = this.byClient.get(key);
    if (usable(previous) && isHeld(this.state(previous).status)) return { ok: true, ip: previous, source: 'current' };
    const offered = this.offers.get(key);
    if (usable(offered) && this.state(offered).status === 'offered') return { ok: true, ip: offered, source: 'offered' };
    if (usable(previous)) return { ok: true, ip: previous, source: 'previous' };
    const requested = request.requestedIp;
    if (usable(requested)) return { ok: true, ip: requested, source: 'requested' };
    const ip = this.pools.probe(hashKey(key), subnetId, (candidate) => usable(candidate)) ?? this.reclaimOffer(now, subnetId);
    return ip === undefined ? { ok: false, reason: 'pool-exhausted' } : { ok: true, ip, source: 'pool' };
  }

  /**
   * Folds an event that is already in the journal: a fact, not a request.
   * The only thing that may stand in its way in a live table is an offer
   * this process made in memory (to another client, or before the event's
   * writer won the address); that offer is withdrawn and the fact applied.
   * Returns the refusal reason if the table still cannot take it, which means
   * the table and the journal disagree: the caller must not treat the
   * address's version as known then.
   */
  applyJournaled(event: Exclude<LeaseEvent, { type: 'Tick' | 'LeaseOffered' }>): LeaseRefusalReason | undefined {
    const refused = this.apply(event);
    if (refused === undefined) return undefined;
    const { status, context } = this.state(event.ip);
    if (status !== 'offered' || !context.offer) return refused;
    const lapsed = step(this.state(event.ip), { type: 'Tick', now: context.offer.until });
    if (typeof lapsed === 'string') return refused;
    const key = clientKey(context.offer.client);
    if (this.offers.get(key) === event.ip) this.offers.delete(key);
    this.store(event.ip, lapsed);
    return this.apply(event);
  }

  /**
   * Pool-starvation defence: withdraws the oldest offer made at least
   * `offerReclaimMs` ago that its client never requested, and returns its
   * address (now free). Called only when the pool is exhausted, i.e. for
   * every DISCOVER of a flood of made-up MACs: OfferReclaim keeps that cheap.
   */
  private reclaimOffer(now: number, subnetId: string | undefined): Ipv4 | undefined {
    return this.reclaim.next(
      subnetId ?? '',
      now,
      () => this.scanReclaimable(now, subnetId),
      (c) => {
        const { status, context } = this.state(c.ip);
        if (status !== 'offered' || context.offer?.until !== c.until || this.offers.get(c.key) !== c.ip || !this.isDynamic(c.ip, subnetId)) return false;
        // The offer lapses now, as it would at its end: the address returns to how its last lease ended.
        const lapsed = step(this.state(c.ip), { type: 'Tick', now: c.until });
        if (typeof lapsed === 'string' || !AVAILABLE.has(lapsed.status)) return false;
        this.offers.delete(c.key);
        this.store(c.ip, lapsed);
        return true;
      },
    );
  }

  /** The offers old enough to reclaim at `now`, and when the next one could become so. */
  private scanReclaimable(now: number, subnetId: string | undefined): ReclaimScan {
    const candidates: ReclaimCandidate[] = [];
    // An offer made from now on is old enough at now + offerReclaimMs at the earliest.
    let nextAt = now + this.offerReclaimMs;
    for (const [key, ip] of this.offers) {
      const { status, context } = this.state(ip);
      if (status !== 'offered' || !context.offer || !this.isDynamic(ip, subnetId)) continue;
      const oldEnoughAt = context.offer.until - this.offerTtlMs + this.offerReclaimMs;
      if (oldEnoughAt > now) nextAt = Math.min(nextAt, oldEnoughAt);
      else candidates.push({ key, ip, until: context.offer.until });
    }
    return { candidates, nextAt };
  }

  /**
   * DISCOVER: allocates and holds the address for `offerTtlMs` (in memory only).
   * Returns the allocation and the LeaseOffered it applied. When the client
   * already holds the address there is no offer: the address is its own until
   * the lease's `expiresAt` (after which a REQUEST may be refused).
   */
  offer(request: AllocationRequest): { allocation: Allocation; event?: LeaseOffered } {
    const allocation = this.allocate(request);
    if (!allocation.ok) return { allocation };
    if (isHeld(this.state(allocation.ip).status)) return { allocation };
    const event: LeaseOffered = {
      type: 'LeaseOffered',
      ip: allocation.ip,
      mac: request.mac,
      ...(request.clientId !== undefined ? { clientId: request.clientId } : {}),
      at: request.now,
      offerExpiresAt: request.now + this.offerTtlMs,
    };
    const refused = this.apply(event);
    return refused === undefined ? { allocation, event } : { allocation };
  }

  /** A LeaseDeclined for a holder's DECLINE, with this network's quarantine. Pure. */
  declineEvent(client: ClientRef, ip: Ipv4, now: number, message?: string): LeaseDeclined {
    return {
      type: 'LeaseDeclined',
      ip,
      mac: client.mac,
      ...(client.clientId !== undefined ? { clientId: client.clientId } : {}),
      at: now,
      quarantineUntil: now + this.declineQuarantineMs,
      ...(message !== undefined ? { message } : {}),
    };
  }

  /**
   * The LeaseExpired events the runtime should append: every held lease whose
   * `expiresAt` is at or before `now`, earliest first. Amortised O(k log n) for k
   * due leases; the table changes only when those events are applied.
   */
  expired(now: number): LeaseExpired[] {
    while (this.expiries.peekTime() <= now) this.due.add(this.expiries.pop() as number);
    const out: LeaseExpired[] = [];
    for (const ip of this.due) {
      const { status, context } = this.state(ip);
      if (!isHeld(status) || context.expiresAt === null || context.expiresAt > now) {
        this.due.delete(ip);
        continue;
      }
      out.push({ type: 'LeaseExpired', ip, at: now, expiresAt: context.expiresAt });
    }
    return out.sort((a, b) => a.expiresAt - b.expiresAt || a.ip - b.ip);
  }

  /** Lets offers lapse and quarantines end as of `now` (as the machine does on a Tick). */
  advance(now: number): void {
    for (const heap of [this.offerEnds, this.quarantineEnds]) {
      while (heap.peekTime() <= now) {
        const ip = heap.pop() as number;
        const before = this.state(ip);
        const after = step(before, { type: 'Tick', now });
        if (typeof after === 'string' || !AVAILABLE.has(after.status)) continue;
        if (before.status === 'offered' && before.context.offer) {
          const key = clientKey(before.context.offer.client);
          if (this.offers.get(key) === ip) this.offers.delete(key);
        }
        this.store(ip, after);
      }
    }
  }

  /** One address's lease as of `now`, or undefined if the address has never been used (or is free again). */
  lease(ip: Ipv4, now: number): TableLease | undefined {
    const record = this.records.get(ip);
    if (!record) return undefined;
    let { status, context } = record;
    const ticked = step(record, { type: 'Tick', now });
    if (typeof ticked !== 'string') {
      ({ status, context } = ticked);
      // bound may pass T1 and T2 in one tick.
      const again = step(ticked, { type: 'Tick', now });
      if (typeof again !== 'string') ({ status, context } = again);
    }
    return { ...context, status };
  }

  /** The client's current or latest lease (by client key, then by MAC), as of `now`. */
  leaseOf(client: ClientRef, now: number): TableLease | undefined {
    const ip = this.byClient.get(clientKey(client)) ?? this.byMac.get(client.mac);
    if (ip === undefined) return undefined;
    const view = this.lease(ip, now);
    return view?.client && view.client.mac === client.mac ? view : undefined;
  }

  /** Free addresses in the pools (of one subnet, or all), as of the last `advance`. */
  freeCount(subnetId?: string): number {
    return this.pools.freeCount(subnetId);
  }

  /**
   * Pool addresses given to clients (offered, bound, or declined and still in
   * quarantine) as of the last `advance`: what a cap on dynamic leases
   * (dnsmasq's dhcp-lease-max) counts. Excluded and fixed (port) addresses
   * inside a pool do not count. Costs the pools plus the fixed addresses.
   */
  dynamicInUse(): number {
    let size = 0;
    for (const r of this.pools.ranges()) size += r.last - r.first + 1;
    let reserved = 0;
    for (const ip of this.excluded) if (this.pools.contains(ip)) reserved++;
    for (const ip of this.fixedByIp.keys()) if (!this.excluded.has(ip) && this.pools.contains(ip)) reserved++;
    return size - reserved - this.pools.freeCount();
  }

  /** The table without offers, canonically ordered: equal for a replay and the live table at the same `now`. */
  durableState(): DurableTableState {
    const leases: { ip: number; status: LeaseStatus; context: LeaseContext }[] = [];
    for (const [ip, { status, context }] of this.records) {
      if (status === 'offered') {
        const rest = context.ended ?? 'free';
        if (rest !== 'free') leases.push({ ip, status: rest, context: { ...context, offer: null } });
      } else leases.push({ ip, status, context });
    }
    leases.sort((a, b) => a.ip - b.ip);
    const sortEntries = (map: Map<string, number>): [string, Ipv4][] => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      leases: leases.map(({ status, context }) => ({ status, context })),
      clients: sortEntries(this.byClient),
      macs: sortEntries(this.byMac),
    };
  }

  private state(ip: number): LeaseState {
    return this.records.get(ip) ?? { status: 'free', context: freeContext(ip) };
  }

  private store(ip: number, state: LeaseState): void {
    // T1/T2 are derived from the clock at read time, so the table keeps held leases as `bound`.
    const status = isHeld(state.status) ? 'bound' : state.status;
    if (status === 'free') this.records.delete(ip);
    else this.records.set(ip, status === state.status ? state : { status, context: state.context });
    this.refreshFree(ip);
  }

  private forgetPreference(client: ClientRef, ip: Ipv4): void {
    const key = clientKey(client);
    if (this.byClient.get(key) === ip) this.byClient.delete(key);
    if (this.byMac.get(client.mac) === ip) this.byMac.delete(client.mac);
  }

  private refreshFree(ip: number): void {
    if (!this.pools.contains(ip)) return;
    const usable = !this.excluded.has(ip) && !this.fixedByIp.has(ip) && AVAILABLE.has(this.state(ip).status);
    this.pools.setFree(ip, usable);
  }

  private isDynamic(ip: number, subnetId?: string): boolean {
    return this.pools.contains(ip, subnetId) && !this.excluded.has(ip) && !this.fixedByIp.has(ip);
  }

  /** Whether `key` may be given ip at `now` as far as the lease goes (not the network's reservations). */
  private availableFor(ip: number, key: string, now: number): boolean {
    const record = this.records.get(ip);
    if (record === undefined) return true;
    const { status, context } = record;
    switch (status) {
      case 'free':
      case 'released':
      case 'expired':
        return true;
      case 'offered':
        return context.offer !== null && (clientKey(context.offer.client) === key || now >= context.offer.until);
      case 'declined':
        return context.quarantineUntil !== null && now >= context.quarantineUntil;
      default:
        return context.client !== null && clientKey(context.client) === key;
    }
  }

  private reservedFor(ip: number, event: Exclude<LeaseEvent, { type: 'Tick' }>): LeaseRefusalReason | undefined {
    if (event.type !== 'LeaseOffered' && event.type !== 'LeaseBound' && event.type !== 'LeaseRenewed') return undefined;
    const owner = this.fixedByIp.get(ip);
    if (owner !== undefined) return owner === event.mac ? undefined : 'reserved';
    return this.isDynamic(ip) ? undefined : 'reserved';
  }
}
