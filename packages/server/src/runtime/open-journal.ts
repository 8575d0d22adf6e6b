/** Each part's journal, opened once JetStream answers. */
import { Journal } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Opens the journal, waiting while JetStream cannot answer yet (a cluster
 * electing its leaders after a restart answers with timeouts for a few
 * seconds): a process that starts with its servers must not exit for that.
 */
export async function openJournal(nc: NatsConnection, log: (line: string) => void, timeoutMs = 60_000): Promise<Journal> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await Journal.open(nc, {
        onLegacySnapshots: ({ copied, skipped }) =>
          log(
            `journal: copied ${copied.length} projection snapshot(s) from the older object store into the KV bucket` +
              skipped.map((s) => `; left out ${s.name}: ${s.why}`).join(''),
          ),
      });
    } catch (error) {
      const transient = error instanceof Error && /timeout|no responders|503|leader|temporarily unavailable/i.test(`${error.name} ${error.message}`);
      if (!transient || Date.now() > deadline) throw error;
      if (attempt === 1) log(`journal: JetStream is not answering yet (${(error as Error).message}); waiting up to ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
    }
  }
}
