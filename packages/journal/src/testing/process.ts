/** Process checks for tests that spawn servers and daemons. */
import { readFileSync } from 'node:fs';

/** Whether `pid` is a live process (a zombie waiting for init to reap it is not). */
export function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
