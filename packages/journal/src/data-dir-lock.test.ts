import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LOCK_FILE, lockDataDir, type LockMethod } from './data-dir-lock.js';
import { DataDirInUseError } from './errors.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) {
    try {
      // The group too: flock(1)'s command holds the lock as well.
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL'); // not a group leader
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lh-lock-'));
  dirs.push(dir);
  return dir;
}

const exitOf = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe.each<LockMethod>(['addon', 'flock(1)'])('the data directory lock through the %s', (method) => {
  test('a second lock on a directory in use is refused at once, naming the holder and its NATS URL, and the lock file is left as it was', () => {
    const dir = join(tempDir(), 'data');
    using lock = lockDataDir(dir, method);
    lock.record({ natsUrl: 'nats://127.0.0.1:4567', natsPid: 4242 });
    const before = { text: readFileSync(lock.path, 'utf8'), mtime: statSync(lock.path).mtimeMs };

    // At once: the holder is this test, which never lets go meanwhile, so a lock that waited would wait forever.
    let refusal: unknown;
    try {
      lockDataDir(dir, method).release();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataDirInUseError);
    const error = refusal as DataDirInUseError;
    expect(error.holder).toMatchObject({ pid: process.pid, natsUrl: 'nats://127.0.0.1:4567', natsPid: 4242 });
    expect(error.message).toContain(`in use by pid ${process.pid} (NATS nats://127.0.0.1:4567, nats-server pid 4242)`);
    expect(error.message).toContain(join(dir, LOCK_FILE));
    expect({ text: readFileSync(lock.path, 'utf8'), mtime: statSync(lock.path).mtimeMs }).toEqual(before);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  test('the directory can be locked again once the holder releases it', () => {
    const dir = tempDir();
    lockDataDir(dir, method).release();
    using again = lockDataDir(dir, method);
    expect(JSON.parse(readFileSync(again.path, 'utf8'))).toMatchObject({ pid: process.pid });
  });
});

describe('the lock outlives no holder', () => {
  test('the kernel releases it when the holding process is SIGKILLed: no stale lock to clean up', async () => {
    const dir = tempDir();
    // util-linux's flock(1) takes the same kind of lock (flock(2)) on the same file; the
    // command it runs inherits the descriptor, so both are the holder: a process group.
    const holder = spawn('flock', ['--exclusive', join(dir, LOCK_FILE), 'sleep', '60'], { stdio: 'ignore', detached: true });
    children.push(holder);
    const attempt = () => {
      try {
        lockDataDir(dir).release();
        return 'free';
      } catch (error) {
        return (error as Error).message;
      }
    };
    await expect.poll(attempt, { timeout: 5000 }).toMatch(/in use by a process that has not recorded itself yet/);
    process.kill(-holder.pid!, 'SIGKILL');
    await expect.poll(attempt, { timeout: 5000 }).toBe('free');
  });

  test('a child given the descriptor keeps the directory locked until it exits too', async () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    const child = spawn('sleep', ['60'], { stdio: ['ignore', 'ignore', 'ignore', lock.fd] });
    children.push(child);
    lock.release();
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    child.kill('SIGKILL');
    await exitOf(child);
    lockDataDir(dir).release();
  });
});
