/**
 * One system per data directory. Two nats-servers on one JetStream store
 * corrupt it, so whoever spawns the embedded server first takes an exclusive
 * flock(2) on `<dir>/leasehold.lock` and holds it for its life; a second
 * process finds it taken and refuses, naming the holder. A flock lock belongs
 * to the open file description, so the kernel releases it when the last
 * descriptor closes, however the holder dies: unlike a pid file it cannot go
 * stale. The spawned nats-server inherits the descriptor (startNatsServer's
 * `lock`), so the directory stays locked until the server is gone too.
 *
 * Node has no flock: native/lh_lock.c does it; without the addon, util-linux's
 * flock(1) locks our descriptor through inheritance (same open file
 * description, so the lock outlives that short-lived process).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { DataDirInUseError, JournalError, type LockHolder } from './errors.js';

/** The lock file's name under the data directory. */
export const LOCK_FILE = 'leasehold.lock';

export interface DataDirLock extends Disposable {
  readonly dir: string;
  readonly path: string;
  /** The locked descriptor: a child given it (as an extra stdio entry) holds the lock too until it exits. */
  readonly fd: number;
  /** Records what a refused process should be told (the NATS URL once the server listens). */
  record(details: { natsUrl?: string; natsPid?: number }): void;
  /** Empties the record and closes our descriptor; the lock is free once no child holds it either. Idempotent. */
  release(): void;
}

/** How to take the lock: the addon, or flock(1) (the fallback, chosen explicitly only by tests). */
export type LockMethod = 'addon' | 'flock(1)';

/**
 * Takes the data directory's lock or throws `DataDirInUseError` at once
 * (never waits). Creates the directory and an empty lock file if missing; a
 * refused call changes nothing on disk: no truncation before the lock is ours.
 */
export function lockDataDir(dir: string, method: LockMethod = nativeLock() ? 'addon' : 'flock(1)'): DataDirLock {
  const absolute = resolve(dir);
  const path = join(absolute, LOCK_FILE);
  // Created private: it will hold the credentials and the store (an existing directory keeps its mode).
  mkdirSync(absolute, { recursive: true, mode: 0o700 });
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  let locked: boolean;
  try {
    locked = tryLockExclusive(fd, method);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!locked) {
    const holder = readHolder(fd);
    closeSync(fd);
    throw new DataDirInUseError(absolute, path, holder);
  }

  let open = true;
  const since = new Date().toISOString();
  const write = (holder: LockHolder) => {
    // Written over the old record, then cut to length: a reader never sees an empty file between two records.
    const text = Buffer.from(`${JSON.stringify(holder)}\n`);
    writeSync(fd, text, 0, text.length, 0);
    ftruncateSync(fd, text.length);
  };
  write({ pid: process.pid, since });
  const release = () => {
    if (!open) return;
    open = false;
    // A record outliving its lock would name the wrong process to whoever is refused next.
    ftruncateSync(fd, 0);
    closeSync(fd);
  };
  return {
    dir: absolute,
    path,
    fd,
    record: (details) => write({ pid: process.pid, ...details, since }),
    release,
    [Symbol.dispose]: release,
  };
}

interface NativeLock {
  tryLockExclusive(fd: number): boolean;
}

let native: NativeLock | null | undefined;

/** The addon, or null when it was not built. */
function nativeLock(): NativeLock | null {
  if (native === undefined) {
    try {
      // src/ and dist/ are both one level under the package root.
      native = createRequire(import.meta.url)('../native/build/lh_lock.node') as NativeLock;
    } catch {
      native = null;
    }
  }
  return native;
}

function tryLockExclusive(fd: number, method: LockMethod): boolean {
  if (method === 'addon') {
    const addon = nativeLock();
    if (!addon) throw new JournalError('the lock addon (packages/journal/native) is not built: run node packages/journal/native/build.mjs');
    return addon.tryLockExclusive(fd);
  }
  const conflict = 75;
  const result = spawnSync('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(conflict), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    encoding: 'utf8',
  });
  if (result.status === 0) return true;
  if (result.status === conflict) return false;
  throw new JournalError(`flock(1) could not lock the data directory: ${result.error?.message ?? (result.stderr.trim() || `exit ${result.status}`)}`);
}

/**
 * What the holder recorded. It may be between taking the lock and writing
 * (the file is empty, or still names a holder that died without releasing),
 * so a few short tries.
 */
function readHolder(fd: number): LockHolder | undefined {
  const buffer = Buffer.alloc(4096);
  for (let attempt = 0; attempt < 10; attempt++) {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    try {
      const holder = JSON.parse(buffer.toString('utf8', 0, length)) as LockHolder;
      if (typeof holder.pid === 'number' && alive(holder.pid)) return holder;
    } catch {
      // empty or half-written: the holder is still recording itself
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
