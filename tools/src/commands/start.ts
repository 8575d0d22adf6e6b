/**
 * `leasehold start`: the whole system in one process on the embedded default
 * (or on NATS_URL): NATS, the journal, and every component built so far.
 * Prints where everything listens; Ctrl-C / SIGTERM shut it all down.
 */
import { resolve } from 'node:path';
import { Journal } from '@leasehold/journal';
import { openNats } from '../runtime/nats.js';

export interface StartOptions {
  readonly dataDir: string;
  readonly natsUrl: string | undefined;
}

export async function start(options: StartOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const nats = await openNats({ natsUrl: options.natsUrl, dataDir, name: 'leasehold' });
  const journal = await Journal.open(nats.nc);
  const serverVersion = nats.nc.info?.version ?? 'unknown';

  console.log('leasehold is running');
  console.log(
    nats.embedded
      ? `  nats      ${nats.url}  (embedded nats-server ${serverVersion}, pid ${nats.embedded.pid}, store ${nats.embedded.storeDir})`
      : `  nats      ${nats.url}  (nats-server ${serverVersion} from NATS_URL)`,
  );
  console.log(`  journal   stream ${journal.layout.stream} on ${journal.layout.subjects.join(' ')}; KV ${journal.layout.snapshotBucket}, ${journal.layout.checkpointBucket}`);
  console.log(`  data dir  ${dataDir}`);
  console.log('Press Ctrl-C to stop.');

  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: shutting down`);
      void nats.close().then(done, (error: unknown) => {
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
