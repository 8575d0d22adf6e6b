/**
 * The dynamic pools of one network (dnsmasq's dhcp-range): which addresses are
 * free to hand out, and the deterministic probe that picks one for a client.
 */
import { SummaryBitset } from './bitset.js';
import { LeaseConfigError } from './errors.js';
import { FNV_OFFSET, fmix32, fnv1a, formatIpv4 as formatIp, isIpv4, type Ipv4 } from '@leasehold/protocol';

/**
 * One dynamic range first..last, inclusive (the shape of protocol's Ipv4Range),
 * optionally tied to a subnet (relayed requests pick the subnet by giaddr).
 */
export interface PoolRange {
  readonly first: Ipv4;
  readonly last: Ipv4;
  readonly subnetId?: string;
}

interface Pool {
  readonly start: number;
  readonly end: number;
  readonly subnetId: string | undefined;
  /** Bit i set: start + i may be handed out now. */
  readonly free: SummaryBitset;
}

/** Largest pool accepted: a /8 (the bitset then takes about 2 MB). */
const MAX_POOL_SIZE = 2 ** 24;

export class Pools {
  private readonly pools: Pool[];

  constructor(ranges: readonly PoolRange[]) {
    this.pools = ranges.map((range) => {
      const { first: start, last: end } = range;
      if (!isIpv4(start) || !isIpv4(end)) throw new LeaseConfigError(`pool ${String(start)}-${String(end)} is not two IPv4 addresses`);
      const text = `${formatIp(start)}-${formatIp(end)}`;
      if (end < start) throw new LeaseConfigError(`pool ${text} ends before it starts`);
      if (end - start + 1 > MAX_POOL_SIZE) throw new LeaseConfigError(`pool ${text} is larger than a /8`);
      return { start, end, subnetId: range.subnetId, free: new SummaryBitset(end - start + 1) };
    });
    for (const pool of this.pools) pool.free.fill();
    const sorted = [...this.pools].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1] as Pool;
      const next = sorted[i] as Pool;
      if (next.start <= prev.end) {
        throw new LeaseConfigError(`pools ${formatIp(prev.start)}-${formatIp(prev.end)} and ${formatIp(next.start)}-${formatIp(next.end)} overlap`);
      }
    }
  }

  /** The ranges, in configuration order (what the constructor was given). Pure. */
  ranges(): PoolRange[] {
    return this.pools.map(({ start, end, subnetId }) => (subnetId === undefined ? { first: start, last: end } : { first: start, last: end, subnetId }));
  }

  /** The pool holding ip (restricted to a subnet when given), or undefined. */
  poolOf(ip: number, subnetId?: string): Pool | undefined {
    for (const pool of this.pools) {
      if (ip >= pool.start && ip <= pool.end) return subnetId === undefined || pool.subnetId === subnetId ? pool : undefined;
    }
    return undefined;
  }

  contains(ip: number, subnetId?: string): boolean {
    return this.poolOf(ip, subnetId) !== undefined;
  }

  /** Marks ip as free to hand out, or not. Addresses outside every pool are ignored. */
  setFree(ip: number, free: boolean): void {
    const pool = this.poolOf(ip);
    if (!pool) return;
    if (free) pool.free.add(ip - pool.start);
    else pool.free.delete(ip - pool.start);
  }

  isFree(ip: number): boolean {
    const pool = this.poolOf(ip);
    return pool !== undefined && pool.free.has(ip - pool.start);
  }

  /** How many addresses are free, over the pools of a subnet (or all). */
  freeCount(subnetId?: string): number {
    let n = 0;
    for (const pool of this.pools) if (subnetId === undefined || pool.subnetId === subnetId) n += pool.free.count;
    return n;
  }

  /**
   * Linear probing from `hash` within each pool (in configuration order): the
   * first free address that `accept` agrees to. The bitset skips taken runs
   * in O(log32 n), so a nearly full /16 costs a handful of word reads. Pure.
   */
  probe(hash: number, subnetId: string | undefined, accept: (ip: number) => boolean): number | undefined {
    for (const pool of this.pools) {
      if (subnetId !== undefined && pool.subnetId !== subnetId) continue;
      const size = pool.end - pool.start + 1;
      const origin = hash % size;
      let i = pool.free.nextWrapping(origin);
      // At most `count` members to visit; `accept` normally agrees at once.
      for (let visited = 0; i >= 0 && visited < pool.free.count; visited++) {
        const ip = pool.start + i;
        if (accept(ip)) return ip;
        i = pool.free.nextWrapping((i + 1) % size);
      }
    }
    return undefined;
  }
}

/**
 * FNV-1a over a string's UTF-16 code units, then murmur3's fmix32 (FNV's low
 * bits barely depend on the last characters, and MACs differ mostly there): a
 * stable spread of client keys over a pool. Pure.
 */
export function hashKey(key: string): number {
  return fmix32(fnv1a(FNV_OFFSET, key));
}
