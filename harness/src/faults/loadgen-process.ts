/**
 * Runs loadgen-main.ts inside a network namespace and collects what it
 * reports: every request, ACK and NAK with its time, and its counters. The caller
 * keeps the records after the process is gone (for the checks).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AckRecord, LoadStats, NakRecord, RequestRecord } from './loadgen-records.js';
import type { LoadProcessConfig } from './loadgen-main.js';

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, 'loadgen-main.ts');
const repoRoot = join(here, '..', '..', '..');

export interface RunningLoad extends AsyncDisposable {
  readonly pid: number;
  /** Every ACK so far, in arrival order. */
  readonly acks: readonly AckRecord[];
  readonly naks: readonly NakRecord[];
  /** Every request so far (a client began wanting a lease or a renewal), in order. */
  readonly requests: readonly RequestRecord[];
  stats(): Promise<LoadStats>;
  /** Renews every bound client now, spread over `spreadMs`; resolves with how many clients hold a lease (those already renewing included). */
  renewAll(spreadMs?: number): Promise<number>;
  /** No new client starts from now on. */
  quiesce(): Promise<void>;
  /** Resolves once `predicate` holds on the records (polled), or rejects after `timeoutMs`. */
  until(predicate: (load: RunningLoad) => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void>;
  /** What the process wrote on stderr (the tail). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts the generator in `ns` and resolves once its socket is bound. */
export async function startLoad(ns: string, config: LoadProcessConfig): Promise<RunningLoad> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--conditions=@leasehold/source', '--import', 'tsx', script, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: repoRoot,
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
  const acks: AckRecord[] = [];
  const naks: NakRecord[] = [];
  const requests: RequestRecord[] = [];
  const waiting = new Map<string, ((line: Record<string, unknown>) => void)[]>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown> & { k?: string };
    try {
      line = JSON.parse(text) as typeof line;
    } catch {
      return;
    }
    const { k, ...rest } = line;
    if (k === 'request') requests.push(rest as unknown as RequestRecord);
    else if (k === 'ack') acks.push(rest as unknown as AckRecord);
    else if (k === 'nak') naks.push(rest as unknown as NakRecord);
    const list = waiting.get(k ?? '');
    list?.shift()?.(rest);
  });
  const expectLine = (k: string, timeoutMs = 10_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the load generator sent no ${k} within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
      void exited.then(() => reject(new Error(`the load generator exited before ${k}; stderr:\n${stderr}`)));
      const list = waiting.get(k) ?? [];
      list.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      waiting.set(k, list);
    });
  const command = (cmd: object) => {
    if (!gone) child.stdin!.write(`${JSON.stringify(cmd)}\n`);
  };
  try {
    await expectLine('ready', 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const stop = async () => {
    if (gone) return;
    command({ cmd: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const load: RunningLoad = {
    pid: child.pid!,
    acks,
    naks,
    requests,
    async stats() {
      const answer = expectLine('stats');
      command({ cmd: 'stats' });
      return (await answer) as unknown as LoadStats;
    },
    async renewAll(spreadMs = 0) {
      const answer = expectLine('renewing');
      command({ cmd: 'renew-all', spreadMs });
      return (await answer).count as number;
    },
    async quiesce() {
      const answer = expectLine('quiesced');
      command({ cmd: 'quiesce' });
      await answer;
    },
    async until(predicate, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!(await predicate(load))) {
        if (gone) throw new Error(`the load generator exited while waiting for ${what}; stderr:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    log: () => stderr,
    stop,
    [Symbol.asyncDispose]: stop,
  };
  return load;
}
