/**
 * `leasehold start`: the whole system in one process on the embedded default
 * (or on NATS_URL): NATS, the journal, the API, the scheduler and a DHCP
 * agent. Prints where everything listens; Ctrl-C / SIGTERM shut it all down.
 * `leasehold api|scheduler|dhcp-agent` run the parts on their own (serve.ts).
 *
 * The embedded server refuses anonymous clients (credentials in
 * `<data-dir>/credentials/`, see runtime/nats.ts). If it exits, it is
 * restarted with a bounded backoff (runtime/embedded-nats.ts); when the
 * restarts are spent the process exits 1, within a bounded time.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openNats } from '../runtime/nats.js';
import type { RestartPolicy } from '../runtime/embedded-nats.js';
import { startSystem, type SystemOptions } from '../runtime/system.js';
import { untilSignal } from '../runtime/until-signal.js';

/** The file under the data directory that holds the running system's NATS URL, for the CLI to find. */
export const NATS_URL_FILE = 'nats.url';

/** How long the parts may take to stop before NATS is closed under them (a stop waits on the journal, which may be gone). */
export const STOP_DEADLINE_MS = 15_000;

export interface StartOptions {
  readonly dataDir: string;
  readonly natsUrl: string | undefined;
  /** Which parts to run; all of them by default. */
  readonly parts?: SystemOptions;
  /** What to call this process in its banner. */
  readonly title?: string;
  /** How the embedded nats-server is restarted when it exits (DEFAULT_RESTART_POLICY otherwise). */
  readonly restartPolicy?: RestartPolicy;
}

export async function start(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const parts = options.parts ?? { api: { agentDownTimeMs: 75_000 }, scheduler: {}, agent: false };
  const natsLog = parts.logger?.child({ component: 'nats' });
  const nats = await openNats({
    natsUrl: options.natsUrl,
    dataDir,
    name: options.title ?? 'leasehold',
    parts: { api: Boolean(parts.api), scheduler: Boolean(parts.scheduler), ...(parts.agent ? { agentId: parts.agent.agentId } : {}) },
    log: (level, line) => (natsLog ? natsLog[level](line) : console.error(line)),
    ...(options.restartPolicy ? { restartPolicy: options.restartPolicy } : {}),
  });
  let system;
  try {
    system = await startSystem(nats, parts);
  } catch (error) {
    await nats.close();
    throw error;
  }
  // Only the owner of the embedded server (it holds the data directory's
  // lock) writes and removes the file: a process given a URL may share the
  // directory with the system that owns it, or serve another system entirely.
  // Written once everything answers, so a CLI that finds the file finds a working API.
  const urlFile = nats.embedded ? join(dataDir, NATS_URL_FILE) : undefined;
  if (urlFile) writeFileSync(urlFile, `${nats.url}\n`);

  console.log(`${options.title ?? 'leasehold'} is running`);
  for (const line of system.describe()) console.log(line);
  if (urlFile) console.log(`  data dir   ${dataDir}  (NATS URL in ${urlFile})`);
  console.log('Press Ctrl-C to stop.');

  let overran = false;
  await untilSignal(
    async () => {
      if (urlFile) rmSync(urlFile, { force: true });
      // With the server gone there is nothing to drain to: closed connections make the parts'
      // last writes fail at once instead of each waiting out its timeout.
      if (nats.embedded?.down()) await nats.abandon();
      const stopped = await Promise.race([
        system.stop().then(() => true),
        new Promise<false>((r) => setTimeout(r, STOP_DEADLINE_MS, false).unref()),
      ]);
      if (!stopped) {
        overran = true;
        console.error(`the parts did not stop within ${STOP_DEADLINE_MS / 1000} s; closing NATS under them`);
        await nats.abandon();
      }
      await nats.close();
    },
    // The embedded server gone for good (its restarts spent) is fatal: exit 1 so a supervisor takes over.
    (stopNow, stopping) =>
      void nats.embedded?.gaveUp.then(() => {
        if (stopping()) return;
        process.exitCode = 1;
        stopNow('journal lost');
      }),
  );
  console.log('stopped');
  // A part that overran its stop may still hold a timer or a socket: the process ends anyway.
  if (overran) process.exit(process.exitCode ?? 1);
}
