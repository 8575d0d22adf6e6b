/**
 * Response rate limiting against reflection and amplification over UDP (the
 * idea of BIND's and Knot's RRL; dnsmasq has none): every client prefix (IPv4
 * /24, IPv6 /56, as BIND's defaults) gets a token bucket of `rate` responses a
 * second with a one-second burst. A response over the rate is dropped, except
 * every `slip`-th one, which is sent as an empty truncated reply (TC=1, no
 * larger than the query) so a real client behind a spoofed-looking prefix
 * retries over TCP, which cannot be spoofed (RFC 7766). TCP is never limited.
 *
 * The table is a fixed-size hash table in typed arrays: bounded memory
 * whatever the number of distinct prefixes. A prefix that is not in the table
 * takes an empty slot of its short probe window, else the entry whose bucket
 * is fullest once refilled: an attacker cycling through a million prefixes
 * evicts entries that would be full anyway (forgetting them changes nothing),
 * not a limited prefix, whose bucket is empty.
 */
import { fmix32 } from '@leasehold/protocol';

export type RrlVerdict = 'send' | 'drop' | 'slip';

export interface RrlOptions {
  /** Responses per second per prefix; 0 turns limiting off. */
  readonly rate: number;
  /** Every slip-th limited response is sent truncated; 0: none (all dropped), 1: all. */
  readonly slip: number;
  /** Table slots (rounded up to a power of two). */
  readonly tableSize: number;
}

/** What ResponseRateLimiter.shared gives the addon: the buffers of its typed arrays (in the order of the fields below), the slot mask and the rate. */
export interface RrlShared {
  readonly keys: ArrayBuffer;
  readonly tokens: ArrayBuffer;
  readonly last: ArrayBuffer;
  readonly slips: ArrayBuffer;
  readonly evictions: ArrayBuffer;
  readonly mask: number;
  readonly rate: number;
}

/** How many neighbouring slots a prefix may occupy (lh_rrl.h's RRL_PROBE too). */
const PROBE = 4;

export class ResponseRateLimiter {
  readonly #mask: number;
  /** Prefix key + 1 per slot; 0 is empty. */
  readonly #keys: Uint32Array;
  readonly #tokens: Float64Array;
  /** Milliseconds of the last refill. */
  readonly #last: Float64Array;
  readonly #slips: Uint32Array;
  readonly #rate: number;
  readonly #slip: number;
  /** One counter in a typed array, so the addon counts the evictions of the insertions it makes. */
  readonly #evictions = new Float64Array(1);

  constructor(options: RrlOptions) {
    let size = 64;
    while (size < options.tableSize) size *= 2;
    this.#mask = size - 1;
    this.#keys = new Uint32Array(size);
    this.#tokens = new Float64Array(size);
    this.#last = new Float64Array(size);
    this.#slips = new Uint32Array(size);
    this.#rate = options.rate;
    this.#slip = options.slip;
  }

  /** Table slots: the memory bound (about 24 bytes each). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** Prefixes whose slot was taken by another. */
  get evictions(): number {
    return this.#evictions[0]!;
  }

  /**
   * The table's memory and parameters, for the native addon to run the same
   * check on the same buckets (lh_rrl.h): it may only do what check() would
   * do, at a time on this limiter's clock.
   */
  get shared(): RrlShared {
    return {
      keys: this.#keys.buffer as ArrayBuffer,
      tokens: this.#tokens.buffer as ArrayBuffer,
      last: this.#last.buffer as ArrayBuffer,
      slips: this.#slips.buffer as ArrayBuffer,
      evictions: this.#evictions.buffer as ArrayBuffer,
      mask: this.#mask,
      rate: this.#rate,
    };
  }

  /** Prefixes in the table now. */
  get size(): number {
    let n = 0;
    for (const k of this.#keys) if (k !== 0) n++;
    return n;
  }

  /**
   * Whether a response to a client with this prefix key (from prefixKey) may
   * go at time `now` (ms, monotonic): spends a token if so.
   */
  check(key: number, now: number): RrlVerdict {
    const keys = this.#keys;
    const want = (key + 1) >>> 0;
    const home = fmix32(key) & this.#mask;
    const rate = this.#rate;
    let slot = -1;
    let victim = -1;
    let victimTokens = -1;
    for (let i = 0; i < PROBE; i++) {
      const s = (home + i) & this.#mask;
      const k = keys[s]!;
      if (k === want) {
        slot = s;
        break;
      }
      // The victim: an empty slot, else the entry with the most tokens once refilled (a full bucket
      // carries no information, so forgetting it changes nothing), the least recently used on a tie.
      const tokens = k === 0 ? Number.POSITIVE_INFINITY : Math.min(rate, this.#tokens[s]! + ((now - this.#last[s]!) * rate) / 1000);
      if (tokens > victimTokens || (tokens === victimTokens && this.#last[s]! < this.#last[victim]!)) {
        victim = s;
        victimTokens = tokens;
      }
    }
    if (slot < 0) {
      slot = victim;
      if (keys[slot] !== 0) this.#evictions[0]!++;
      keys[slot] = want;
      this.#tokens[slot] = rate;
      this.#last[slot] = now;
      this.#slips[slot] = 0;
    } else {
      const elapsed = now - this.#last[slot]!;
      if (elapsed > 0) {
        this.#tokens[slot] = Math.min(rate, this.#tokens[slot]! + (elapsed * rate) / 1000);
        this.#last[slot] = now;
      }
    }
    if (this.#tokens[slot]! >= 1) {
      this.#tokens[slot]! -= 1;
      return 'send';
    }
    if (this.#slip === 0) return 'drop';
    const n = (this.#slips[slot] = this.#slips[slot]! + 1);
    return n % this.#slip === 0 ? 'slip' : 'drop';
  }
}


/**
 * The RRL key of a client address: an IPv4 address's /24 (below 2^24), or a
 * 30-bit hash of an IPv6 address's /56 with the top bit set (an IPv4-mapped
 * IPv6 address counts as IPv4). Pure; an unreadable address gets one shared key.
 */
export function prefixKey(address: string): number {
  const v4 = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (v4.includes('.') && !v4.includes(':')) {
    const parts = v4.split('.');
    return (((Number(parts[0]) & 255) << 16) | ((Number(parts[1]) & 255) << 8) | (Number(parts[2]) & 255)) >>> 0;
  }
  const [head = '', tail] = address.split('::');
  const groups = head === '' ? [] : head.split(':');
  if (tail !== undefined) {
    const rest = tail === '' ? [] : tail.split(':');
    while (groups.length + rest.length < 8) groups.push('0');
    groups.push(...rest);
  }
  // /56: the first three groups and the high byte of the fourth.
  let h = 0x811c9dc5;
  for (let i = 0; i < 4; i++) {
    let g = parseInt(groups[i] ?? '0', 16) || 0;
    if (i === 3) g >>= 8;
    h = Math.imul(h ^ g, 0x01000193);
  }
  // Top bit set, and below 2^32 - 1 so that the table's key + 1 stays non-zero.
  return ((h >>> 2) | 0x80000000) >>> 0;
}

/** The prefix key of an IPv4 address held as a host-order uint32. Pure. */
export function prefixKey4(ip: number): number {
  return ip >>> 8;
}
