/**
 * `leasehold start`: the whole system in one process on the embedded default
 * (or on NATS_URL): NATS, the journal, the API, the scheduler and a DHCP
 * agent. Prints where everything listens; Ctrl-C / SIGTERM shut it all down.
 * `leasehold api|scheduler|dhcp-agent` run the parts on their own (serve.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openNats } from '../runtime/nats.js';
import { startSystem, type SystemOptions } from '../runtime/system.js';

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
  // Written only once everything answers, so a CLI that finds the file finds a working API.
  const urlFile = join(dataDir, NATS_URL_FILE);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(urlFile, `${nats.url}\n`);

  console.log(`${options.title ?? 'leasehold'} is running`);
  for (const line of system.describe()) console.log(line);
  console.log(`  data dir   ${dataDir}  (NATS URL in ${urlFile})`);
  console.log('Press Ctrl-C to stop.');

  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: shutting down`);
      rmSync(urlFile, { force: true });
      void system
        .stop()
        .then(() => nats.close())
        .then(done, (error: unknown) => {
          console.error(error);
          done();
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // The embedded server dying under us is fatal: say so instead of hanging.
    void nats.embedded?.exited.then((code) => {
      if (!stopping) {
        console.error(`embedded nats-server exited unexpectedly (code ${code})`);
        process.exitCode = 1;
        stop('nats-server exit');
      }
    });
  });
  console.log('stopped');
}
