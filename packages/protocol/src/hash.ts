/**
 * Small non-cryptographic 32-bit hashes shared by the allocator (client keys
 * over a pool), the scheduler (rendezvous scores) and the DNS rate limiter
 * (prefixes over its table). Stable across processes and versions: an agent's
 * preferred address for a client depends on them.
 */

/** FNV-1a offset basis: the start value of `fnv1a`. */
export const FNV_OFFSET = 0x811c9dc5;

/** Folds a string's UTF-16 code units into FNV-1a state `h`. Pure. */
export function fnv1a(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** murmur3's 32-bit finaliser: every input bit moves every output bit, so nearby inputs land far apart. Pure. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
