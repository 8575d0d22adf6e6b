/**
 * A fixed-size set of small integers with "next member at or after i" in
 * O(log32 n): a 32-ary summary tree over the bit words (level k+1 has a bit set
 * where word w of level k is non-zero). A /16 pool has levels of 2048, 64, 2 and
 * 1 words, so finding the next free address never scans the pool.
 */
export class SummaryBitset {
  readonly size: number;
  private readonly levels: Uint32Array[] = [];
  private members = 0;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad bitset size ${size}`);
    this.size = size;
    let bits = Math.max(size, 1);
    do {
      const words = Math.ceil(bits / 32);
      this.levels.push(new Uint32Array(words));
      bits = words;
    } while (bits > 1);
  }

  /** Makes every integer in 0..size-1 a member, in O(size / 32). */
  fill(): void {
    let bits = this.size;
    for (const words of this.levels) {
      words.fill(0);
      const full = bits >>> 5;
      words.fill(0xffffffff, 0, full);
      if (bits & 31) words[full] = (0xffffffff >>> (32 - (bits & 31))) >>> 0;
      bits = Math.ceil(bits / 32);
    }
    this.members = this.size;
  }

  /** How many members. */
  get count(): number {
    return this.members;
  }

  has(i: number): boolean {
    const level0 = this.levels[0] as Uint32Array;
    return i >= 0 && i < this.size && ((level0[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }

  /** Adds i; returns whether it was absent. */
  add(i: number): boolean {
    this.check(i);
    for (let level = 0, index = i; level < this.levels.length; level++, index >>>= 5) {
      const words = this.levels[level] as Uint32Array;
      const w = index >>> 5;
      const before = words[w] as number;
      const after = (before | (1 << (index & 31))) >>> 0;
      if (before === after) return level > 0;
      words[w] = after;
      if (level === 0) this.members++;
      // The parent already marks this word as non-empty.
      if (before !== 0) return true;
    }
    return true;
  }

  /** Removes i; returns whether it was present. */
  delete(i: number): boolean {
    this.check(i);
    for (let level = 0, index = i; level < this.levels.length; level++, index >>>= 5) {
      const words = this.levels[level] as Uint32Array;
      const w = index >>> 5;
      const before = words[w] as number;
      const after = (before & ~(1 << (index & 31))) >>> 0;
      if (before === after) return level > 0;
      words[w] = after;
      if (level === 0) this.members--;
      // The word still has members: the parent bit stays.
      if (after !== 0) return true;
    }
    return true;
  }

  /** The smallest member >= i, or -1. */
  nextFrom(i: number): number {
    if (i < 0) i = 0;
    if (i >= this.size) return -1;
    return this.next(0, i);
  }

  /** The first member at or after i, wrapping around to 0 (linear probing order), or -1 if empty. */
  nextWrapping(i: number): number {
    if (this.members === 0) return -1;
    const found = this.nextFrom(i);
    return found >= 0 ? found : this.nextFrom(0);
  }

  private next(level: number, i: number): number {
    const words = this.levels[level] as Uint32Array;
    const w = i >>> 5;
    if (w >= words.length) return -1;
    const word = ((words[w] as number) & (0xffffffff << (i & 31))) >>> 0;
    if (word !== 0) return (w << 5) + ctz(word);
    if (level + 1 >= this.levels.length) return -1;
    const nextWord = this.next(level + 1, w + 1);
    if (nextWord < 0) return -1;
    return (nextWord << 5) + ctz(words[nextWord] as number);
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`${i} is outside 0..${this.size - 1}`);
  }
}

function ctz(word: number): number {
  return 31 - Math.clz32(word & -word);
}
