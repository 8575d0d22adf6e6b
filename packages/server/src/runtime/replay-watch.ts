/** What the operator and /readyz see of the parts' start-up replays. */
import type { CatchUpOptions, CatchUpProgress } from '@leasehold/journal';

/**
 * The parts' start-up replays: each projection's latest progress (for
 * /readyz while the parts start) and a log line every few seconds, a warning
 * when a projection makes no progress, saying what it waits for.
 */
export function replayWatch(
  stallLimitMs: number,
  log: (level: 'info' | 'warn', line: string, progress: CatchUpProgress) => void,
): { options: CatchUpOptions; progress: () => CatchUpProgress[] } {
  const latest = new Map<string, CatchUpProgress>();
  // A short limit (tests, impatient operators) still gets a few reports before it gives up.
  const reportEveryMs = stallLimitMs > 0 ? Math.min(5_000, Math.max(500, stallLimitMs / 4)) : 5_000;
  const limit = stallLimitMs > 0 ? `gives up after ${stallLimitMs / 1000} s without progress` : 'waits for ever';
  return {
    progress: () => [...latest.values()],
    options: {
      stallLimitMs,
      reportEveryMs,
      onProgress(p) {
        const reported = latest.delete(p.name);
        if (p.caughtUp) {
          // Only a replay long enough to have reported says when it is done.
          if (reported) log('info', `projection ${p.name} caught up at event ${p.position} (${p.events} events replayed)`, p);
          return;
        }
        latest.set(p.name, p);
        if (p.stalledMs >= reportEveryMs) {
          log('warn', `projection ${p.name} is waiting for the event after ${p.position} on ${p.filter} (replaying up to ${p.target}): none for ${(p.stalledMs / 1000).toFixed(0)} s; ${limit}`, p);
        } else {
          log('info', `projection ${p.name} replaying ${p.filter}: event ${p.position} of ${p.target} (${p.events} events so far)`, p);
        }
      },
    },
  };
}
