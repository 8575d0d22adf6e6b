/**
 * Waiting out a cluster that is electing leaders: reads and writes right
 * after a node dies (or every node restarts) fail or time out until the
 * meta and stream leaders are back.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Runs `attempt` until it resolves, for at most `timeoutMs`; then throws its last error. */
export async function retrying<T>(attempt: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

/** Polls `check` until it returns a value (errors count as not yet), or throws naming `what` after `timeoutMs`. */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
}
