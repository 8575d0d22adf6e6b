/** Small measurements for the soak: a process's resident memory and the slope of a series. */
import { readFileSync } from 'node:fs';

/** VmRSS of a process in bytes, from /proc/<pid>/status; 0 when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0;
  }
}

/** The `VmRSS:` line of /proc/<pid>/status in bytes (0 when absent). Pure. */
export function parseVmRss(status: string): number {
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/** Least-squares slope of y over x; 0 for fewer than two distinct x. Pure. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
