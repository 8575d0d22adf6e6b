/**
 * A binary min-heap of (time, address) pairs: lease expiries, offer lapses and
 * quarantine ends. Entries are never updated in place; readers drop the ones that
 * no longer match the lease (lazy deletion).
 */
export class TimeHeap {
  private readonly times: number[] = [];
  private readonly ips: number[] = [];

  get size(): number {
    return this.times.length;
  }

  push(time: number, ip: number): void {
    const times = this.times;
    const ips = this.ips;
    let i = times.length;
    times.push(time);
    ips.push(ip);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((times[parent] as number) <= time) break;
      times[i] = times[parent] as number;
      ips[i] = ips[parent] as number;
      i = parent;
    }
    times[i] = time;
    ips[i] = ip;
  }

  /** Time of the earliest entry, or Infinity when empty. */
  peekTime(): number {
    return this.times.length > 0 ? (this.times[0] as number) : Infinity;
  }

  /** Removes the earliest entry and returns its address (undefined when empty). */
  pop(): number | undefined {
    const times = this.times;
    const ips = this.ips;
    if (times.length === 0) return undefined;
    const top = ips[0] as number;
    const lastTime = times.pop() as number;
    const lastIp = ips.pop() as number;
    const n = times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && (times[right] as number) < (times[left] as number) ? right : left;
        if ((times[child] as number) >= lastTime) break;
        times[i] = times[child] as number;
        ips[i] = ips[child] as number;
        i = child;
      }
      times[i] = lastTime;
      ips[i] = lastIp;
    }
    return top;
  }
}
