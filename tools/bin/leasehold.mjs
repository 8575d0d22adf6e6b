#!/usr/bin/env node
// The `leasehold` command. Runs the TypeScript sources through tsx with the
// workspace's source-first export condition, so no build step is needed.
// Signals are passed on, so Ctrl-C and SIGTERM reach the real process and it
// can shut down cleanly (no orphaned nats-server).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// tsx's ESM loader registered in the same process (no extra tsx supervisor).
const tsxLoader = import.meta.resolve('tsx');
const main = join(here, '..', 'src', 'main.ts');
const child = spawn(process.execPath, ['--import', tsxLoader, '--conditions=@leasehold/source', main, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 2 : 1)));
