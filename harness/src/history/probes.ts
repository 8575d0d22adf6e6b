/**
 * Probes of a restarted system, shared by the restart regression test and
 * `npm run bench:restart`: spawning `leasehold` processes, reading their peak
 * memory, asking /readyz, and a DHCP client the agent knows (a relayed
 * INIT-REBOOT REQUEST sent from a network namespace, as dhcrelay would send
 * it; the ACK comes back to the relay's address). Addresses: 198.18.0.0/15.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connectNats } from '@leasehold/journal';
import type { NatsConnection } from '@nats-io/transport-node';
import type { TestLink } from '@leasehold/agent/testing';
import { clientPacket } from '@leasehold/agent/testing';
import { DhcpMessageType, decodeDhcp, messageType, type Ipv4 } from '@leasehold/protocol';
import { LEASEHOLD_BIN } from '../leasehold-bin.js';


export interface LeaseholdProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Date.now() when it was spawned. */
  readonly spawnedAt: number;
  readonly exited: Promise<number | null>;
  output(): string;
  /** Resolves with Date.now() when the output first matches, or rejects after `timeoutMs` or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Spawns `leasehold <args>` (the real bin, no npm in between). */
export function spawnLeasehold(args: readonly string[], env: NodeJS.ProcessEnv = {}): LeaseholdProcess {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [LEASEHOLD_BIN, ...args], { env: { ...process.env, NATS_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const watchers = new Set<() => void>();
  const append = (s: string) => {
    out += s;
    for (const w of watchers) w();
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve((exitCode = code ?? (signal ? 128 : null)))));
  return {
    child,
    pid: child.pid!,
    spawnedAt,
    exited,
    output: () => out,
    waitFor(pattern, timeoutMs) {
      return new Promise<number>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        const check = () => {
          if (pattern.test(out)) {
            done();
            resolve(Date.now());
          }
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`leasehold ${args[0]} printed nothing matching ${pattern} within ${timeoutMs} ms:\n${out.slice(-3000)}`));
        }, timeoutMs);
        watchers.add(check);
        void exited.then((code) => {
          if (!watchers.has(check)) return;
          done();
          reject(new Error(`leasehold ${args[0]} exited (${code}) before printing ${pattern}:\n${out.slice(-3000)}`));
        });
        check();
      });
    },
    async stop(graceMs = 15_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A TCP port free on 127.0.0.1 right now (for --metrics-listen). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** GET /readyz: the status and the body. */
export async function readyz(port: number): Promise<{ status: number; body: { status: string; reasons: string[] } }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as { status: string; reasons: string[] } };
}

/** Polls /readyz until it says ready; resolves with Date.now() then, or rejects after `timeoutMs`. Every 50 ms. */
export async function untilReady(port: number, timeoutMs: number, exited?: Promise<unknown>): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited?.then(() => (gone = true));
  let last = '';
  while (Date.now() < deadline && !gone) {
    try {
      const r = await readyz(port);
      if (r.status === 200) return Date.now();
      last = r.body.reasons.join('; ');
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(gone ? `the process exited before /readyz said ready (${last})` : `/readyz on port ${port} not ready within ${timeoutMs} ms: ${last}`);
}

/** Peak resident memory of a running process in bytes (VmHWM), or undefined once it is gone. */
export function peakRss(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** The inline relay: binds port 67 on its address, sends the REQUEST every `every` ms, prints `ACK <ms since epoch> <hex>` for the first reply. */
const RELAY_SCRIPT = `
const dgram = require('node:dgram');
const [relayIp, agentIp, agentPort, hex, every, timeoutMs] = process.argv.slice(1);
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
s.on('error', () => {});
s.bind(67, relayIp, () => {
  const send = () => s.send(Buffer.from(hex, 'hex'), Number(agentPort), agentIp);
  send();
  setInterval(send, Number(every));
  setTimeout(() => { process.stdout.write('TIMEOUT\\n'); process.exit(2); }, Number(timeoutMs));
  s.on('message', (m) => { process.stdout.write('ACK ' + Date.now() + ' ' + m.toString('hex') + '\\n'); process.exit(0); });
});
`;

export interface DhcpProbe {
  /** Resolves with when the first reply arrived and what it was, or undefined after the timeout. */
  readonly reply: Promise<{ at: number; type: number | undefined; yiaddr: Ipv4 } | undefined>;
  stop(): void;
}

/**
 * A client the agent knows asks for its address again (INIT-REBOOT, RFC 2131
 * 4.3.2) through a relay at `relayIp` in the link's namespace, every `everyMs`
 * until the first reply: the agent answers once it listens and has its lease.
 */
export function dhcpProbe(link: TestLink, p: { relayIp: string; giaddr: Ipv4; agentIp: string; agentPort: number; mac: string; ip: Ipv4; everyMs?: number; timeoutMs: number }): DhcpProbe {
  const packet = clientPacket({ type: DhcpMessageType.Request, mac: p.mac, giaddr: p.giaddr, requestedIp: p.ip, xid: 0x5eed0001 });
  const child = link.spawn(process.execPath, ['-e', RELAY_SCRIPT, p.relayIp, p.agentIp, String(p.agentPort), Buffer.from(packet).toString('hex'), String(p.everyMs ?? 100), String(p.timeoutMs)]);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const reply = new Promise<{ at: number; type: number | undefined; yiaddr: Ipv4 } | undefined>((resolve) => {
    child.once('exit', () => {
      const match = /^ACK (\d+) ([0-9a-f]+)$/m.exec(out);
      if (!match) return resolve(undefined);
      const msg = decodeDhcp(Buffer.from(match[2]!, 'hex'));
      resolve({ at: Number(match[1]), type: messageType(msg), yiaddr: msg.yiaddr });
    });
  });
  return { reply, stop: () => void child.kill('SIGKILL') };
}

/**
 * A /18 of 198.18.0.0/15 (room for 32 networks of /23) that no address or
 * route on this host touches now, so the networks a test or bench puts on an
 * interface clash with nothing another test set up. Random among the free ones.
 */
export async function unusedBase(): Promise<string> {
  const { execFile } = await import('node:child_process');
  const run = (args: string[]) => new Promise<string>((resolve) => execFile('ip', args, (_e, stdout) => resolve(stdout ?? '')));
  const text = `${await run(['-4', '-o', 'addr', 'show'])}\n${await run(['-4', 'route', 'show', 'table', 'all'])}`;
  const used = [...text.matchAll(/\b198\.(18|19)\.(\d+)\.\d+/g)].map((m) => (Number(m[1]) - 18) * 4 + Math.floor(Number(m[2]) / 64));
  const free = [0, 1, 2, 3, 4, 5, 6, 7].filter((block) => !used.includes(block));
  if (free.length === 0) throw new Error('every /18 of 198.18.0.0/15 is in use on this host');
  const block = free[Math.floor(Math.random() * free.length)]!;
  return `198.${18 + (block >> 2)}.${(block & 3) * 64}.0`;
}

/**
 * A connection to the nats-server of a `leasehold start` on `dataDir`: as the
 * system's admin when the embedded server admits only its own users (their
 * nkey seeds under `<dataDir>/credentials/`), else anonymous.
 */
export async function connectToSystem(url: string, dataDir: string, name = 'leasehold-probe'): Promise<NatsConnection> {
  const seed = join(dataDir, 'credentials', 'admin.nk');
  return connectNats(url, { name, ...(existsSync(seed) ? { nkeySeedFile: seed, env: {} } : {}) });
}
