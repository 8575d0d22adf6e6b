/**
 * The last line of defence where no caller could catch: socket callbacks,
 * timers and microtasks. Something thrown there is an uncaught exception and
 * ends the process — the agent's DHCP server with it (issue 15: a race
 * between an upstream socket's close and its own read loop did exactly that
 * under a flood). Every such entry point of the cache runs its work through
 * `ErrorGuard`: what it catches is counted in `stats().internalErrors` and
 * logged, at most one line per interval with the number caught since.
 *
 * Bad input is not what this is for: a malformed query or a spoofed answer is
 * answered or dropped and counted by the code that reads it. What lands here
 * is a bug or a race; the packet or timer that met it is given up, the
 * process goes on.
 */
import type { DnsCacheStats } from './stats.js';

/** Where caught errors are reported: one line each, at most one per interval. */
export type ErrorLog = (line: string) => void;

/** At most one line per this many milliseconds: a flood must not become a flood of logs. */
export const ERROR_LOG_INTERVAL_MS = 10_000;

const stderrLog: ErrorLog = (line) => console.error(line);

export class ErrorGuard {
  #lastLogAt = -Infinity;
  #unlogged = 0;

  constructor(
    readonly stats: DnsCacheStats,
    readonly log: ErrorLog = stderrLog,
    readonly intervalMs: number = ERROR_LOG_INTERVAL_MS,
    readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts `error`, caught in `where`, and logs it unless a line went out less than an interval ago. Never throws. */
  report(where: string, error: unknown): void {
    this.stats.internalErrors++;
    const now = this.now();
    if (now - this.#lastLogAt < this.intervalMs) {
      this.#unlogged++;
      return;
    }
    const more = this.#unlogged > 0 ? ` (${this.#unlogged} more caught since the last line)` : '';
    this.#lastLogAt = now;
    this.#unlogged = 0;
    try {
      this.log(`dns-cache: error caught in ${where}, ${this.stats.internalErrors} so far${more}: ${describe(error)}`);
    } catch {
      // A logger that throws must not undo the guard.
    }
  }

  /** `fn` with everything it throws reported instead (for event handlers and timers). */
  wrap<A extends unknown[]>(where: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        this.report(where, error);
      }
    };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return 'an unprintable value';
  }
}
