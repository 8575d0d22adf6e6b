/**
 * `leasehold start`: the whole system in one process on the embedded default
 * (or on NATS_URL): NATS, the journal, and every component built so far.
 * Prints where everything listens; Ctrl-C / SIGTERM shut it all down.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startApiService, type ApiService } from '@leasehold/api';
import { Journal } from '@leasehold/journal';
import { openNats } from '../runtime/nats.js';

/** The file under the data directory that holds the running system's NATS URL, for the CLI to find. */
export const NATS_URL_FILE = 'nats.url';

export interface StartOptions {
  readonly dataDir: string;
  readonly natsUrl: string | undefined;
}

export async function start(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const nats = await openNats({ natsUrl: options.natsUrl, dataDir, name: 'leasehold' });
  let journal: Journal;
  let api: ApiService;
  try {
    journal = await Journal.open(nats.nc);
    api = await startApiService(nats.nc, journal, {
      onInternalError: (error, subject) => console.error(`api: internal error on ${subject}:`, error),
    });
  } catch (error) {
    await nats.close();
    throw error;
  }
  const serverVersion = nats.nc.info?.version ?? 'unknown';
  // Written only once everything answers, so a CLI that finds the file finds a working API.
  const urlFile = join(dataDir, NATS_URL_FILE);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(urlFile, `${nats.url}\n`);

  console.log('leasehold is running');
  console.log(
    nats.embedded
      ? `  nats      ${nats.url}  (embedded nats-server ${serverVersion}, pid ${nats.embedded.pid}, store ${nats.embedded.storeDir})`
      : `  nats      ${nats.url}  (nats-server ${serverVersion} from NATS_URL)`,
  );
  console.log(`  journal   stream ${journal.layout.stream} on ${journal.layout.subjects.join(' ')}; KV ${journal.layout.snapshotBucket}, ${journal.layout.checkpointBucket}`);
  console.log(`  api       ${api.subjects.length} operations on lh.api.v1.*`);
  console.log(`  data dir  ${dataDir}  (NATS URL in ${urlFile})`);
  console.log('Press Ctrl-C to stop.');

  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: shutting down`);
      rmSync(urlFile, { force: true });
      // The API drains its requests first; its failure (the server already gone) must not keep NATS open.
      const closed = api.stop().catch((error: unknown) => console.error(error)).then(() => nats.close());
      void closed.then(done, (error: unknown) => {
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
