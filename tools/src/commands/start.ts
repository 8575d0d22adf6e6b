/**
 * `leasehold start`: the whole system in one process on the embedded default
 * (or on NATS_URL): NATS, the journal, the API, the scheduler and a DHCP
 * agent. Prints where everything listens; Ctrl-C / SIGTERM shut it all down.
 * `leasehold api|scheduler|dhcp-agent` run the parts on their own (serve.ts).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openNats } from '../runtime/nats.js';
import { startSystem, type SystemOptions } from '../runtime/system.js';
import { untilSignal } from '../runtime/until-signal.js';

/** The file under the data directory that holds the running system's NATS URL, for the CLI to find. */
export const NATS_URL_FILE = 'nats.url';

export interface StartOptions {
  readonly dataDir: string;
  readonly natsUrl: string | undefined;
  /** Which parts to run; all of them by default. */
  readonly parts?: SystemOptions;
  /** What to call this process in its banner. */
  readonly title?: string;
}

export async function start(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const nats = await openNats({ natsUrl: options.natsUrl, dataDir, name: options.title ?? 'leasehold' });
  let system;
  try {
    system = await startSystem(nats, options.parts ?? { api: { agentDownTimeMs: 75_000 }, scheduler: {}, agent: false });
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

  await untilSignal(
    async () => {
      if (urlFile) rmSync(urlFile, { force: true });
      await system.stop();
      await nats.close();
    },
    // The embedded server dying under us is fatal: say so instead of hanging.
    (stopNow, stopping) =>
      void nats.embedded?.exited.then((code) => {
        if (stopping()) return;
        console.error(`embedded nats-server exited unexpectedly (code ${code})`);
        process.exitCode = 1;
        stopNow('nats-server exit');
      }),
  );
  console.log('stopped');
}
