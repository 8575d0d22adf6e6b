/**
 * Test helpers (never exported from the index): free ports, `dig` runs
 * parsed, a real dnsmasq as an authoritative upstream, and a programmable
 * UDP/TCP upstream for timeouts, spoofed answers, truncation and counting.
 */
import { execFile, spawn } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { decodeDns, encodeDns, type DnsMessage, type DnsRecord } from '@leasehold/protocol';
import { expect } from 'vitest';

const run = promisify(execFile);

/** A port free for both UDP and TCP on `address` right now. */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (;;) {
    const udp = createSocket('udp4');
    const port = await new Promise<number>((resolve) => udp.bind(0, address, () => resolve(udp.address().port)));
    const tcp = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, address, () => resolve(true));
    });
    udp.close();
    await new Promise((resolve) => (ok ? tcp.close(resolve) : resolve(undefined)));
    if (ok) return port;
  }
}

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

export interface DigResult {
  status: string;
  flags: string[];
  answers: DigRecord[];
  authority: DigRecord[];
  text: string;
}

/**
 * Two dig answers to one question are the same: status, the AA, TC and RA
 * flags, and the answer records, whose TTLs may differ by a second (both
 * caches count them down by the second, and two digs can straddle one).
 */
export function expectSameAnswer(mine: DigResult, theirs: DigResult): void {
  const essence = (r: DigResult) => ({ status: r.status, flags: r.flags.filter((f) => ['aa', 'tc', 'ra'].includes(f)).sort(), answers: r.answers.map(({ ttl: _ttl, ...rest }) => rest) });
  expect(essence(mine)).toEqual(essence(theirs));
  mine.answers.forEach((a, i) => expect(Math.abs(a.ttl - theirs.answers[i]!.ttl), `TTL of ${a.name} ${a.type}`).toBeLessThanOrEqual(1));
}

/** Runs the real dig against address#port and parses status, flags, answer and authority sections. */
export async function dig(server: { address: string; port: number }, args: string[], netns?: string): Promise<DigResult> {
  const digArgs = [`@${server.address}`, '-p', String(server.port), '+tries=1', '+time=3', '+noall', '+comments', '+answer', '+authority', ...args];
  // In a network namespace: a client of a network served there (`ip netns exec`).
  const { stdout } = netns === undefined ? await run('dig', digArgs) : await run('ip', ['netns', 'exec', netns, 'dig', ...digArgs]);
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? 'NO-ANSWER';
  const flags = (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const answers: DigRecord[] = [];
  const authority: DigRecord[] = [];
  let section: DigRecord[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(';; ANSWER SECTION')) section = answers;
    else if (line.startsWith(';; AUTHORITY SECTION')) section = authority;
    else if (line.startsWith(';') || line.trim() === '') {
      if (line.trim() === '') section = undefined;
    } else if (section) {
      const [name = '', ttl = '0', , type = '', ...data] = line.split(/\s+/);
      section.push({ name, ttl: Number(ttl), type, data: data.join(' ') });
    }
  }
  return { status, flags, answers, authority, text: stdout };
}

export interface Dnsmasq {
  readonly address: string;
  readonly port: number;
  readonly log: () => string;
  stop(): Promise<void>;
}

/**
 * Starts dnsmasq in the foreground on a free port with the records given; with `authZone`
 * it answers only as the authority for that zone (NXDOMAIN with an SOA: TTL and MINIMUM 600).
 */
export async function startDnsmasq(address: string, extra: string[], authZone?: string, fixedPort?: number): Promise<Dnsmasq> {
  // A fixed port lets a test stop an upstream and start it again where the cache looks for it.
  const port = fixedPort ?? (await freePort(address));
  const child = spawn('dnsmasq', [
    '--no-daemon', `--port=${port}`, `--listen-address=${address}`, '--bind-interfaces', '--no-resolv', '--no-hosts',
    '--conf-file=/dev/null',
    ...(authZone ? [`--auth-server=ns.${authZone},${address}`, `--auth-zone=${authZone}`, `--auth-soa=1,hostmaster.${authZone},1200,120,1000,300`] : []),
    '--log-queries', '--log-facility=-', ...extra,
  ]);
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5000;
  while (!log.includes('started')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`dnsmasq did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    address,
    port,
    log: () => log,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What the programmable upstream does with a query: reply bytes, or nothing (a timeout). */
export type FakeHandler = (query: DnsMessage, raw: Buffer, meta: { tcp: boolean; from: RemoteInfo | undefined; upstream: FakeUpstream }) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

export class FakeUpstream {
  udpQueries = 0;
  stopped = false;
  tcpQueries = 0;
  readonly seen: DnsMessage[] = [];

  private constructor(
    readonly address: string,
    readonly port: number,
    readonly udp: Socket,
    readonly tcp: Server,
    public handler: FakeHandler,
  ) {}

  static async start(address: string, handler: FakeHandler, fixedPort?: number): Promise<FakeUpstream> {
    const port = fixedPort ?? (await freePort(address));
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(port, address, () => resolve()));
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(port, address, () => resolve()));
    const fake = new FakeUpstream(address, port, udp, tcp, handler);
    udp.on('message', (raw, from) => {
      fake.udpQueries++;
      const query = decodeDns(raw);
      fake.seen.push(query);
      void Promise.resolve(fake.handler(query, raw, { tcp: false, from, upstream: fake })).then((reply) => {
        if (reply && !fake.stopped) udp.send(reply, from.port, from.address);
      });
    });
    tcp.on('connection', (socket) => {
      socket.on('error', () => {});
      socket.once('data', (chunk: Buffer) => {
        fake.tcpQueries++;
        const raw = chunk.subarray(2, 2 + chunk.readUInt16BE(0));
        const query = decodeDns(raw);
        fake.seen.push(query);
        void Promise.resolve(fake.handler(query, raw, { tcp: true, from: undefined, upstream: fake })).then((reply) => {
          if (!reply) return;
          const frame = Buffer.alloc(reply.length + 2);
          frame.writeUInt16BE(reply.length, 0);
          frame.set(reply, 2);
          socket.end(frame);
        });
      });
    });
    return fake;
  }

  get server() {
    return { address: this.address, port: this.port, family: 4 as const };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.udp.close();
    await new Promise((resolve) => this.tcp.close(resolve));
  }
}

/** A response to `query` with these answers (and authorities), QR and RA set, the query's id and question. */
export function answer(query: DnsMessage, answers: DnsRecord[], over: Partial<DnsMessage> = {}): Uint8Array {
  return encodeDns({ ...query, qr: true, ra: true, aa: false, answers, authorities: [], additionals: query.additionals, ...over });
}

/** An A record for the query's first question. */
export function aRecord(query: DnsMessage, ip: string, ttl = 300): DnsRecord {
  return { name: query.questions[0]!.name, type: 'A', class: 1, ttl, data: ip };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends raw datagrams to a server from one socket (on `from`) and collects what comes back within `waitMs`. */
export async function udpExchange(to: { address: string; port: number }, messages: Uint8Array[], waitMs: number, from = '127.0.0.1'): Promise<Buffer[]> {
  // A burst's replies must not overflow this client's own queue (they may arrive while it cannot read).
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  const replies: Buffer[] = [];
  socket.on('message', (msg) => replies.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, from, () => resolve()));
  for (const m of messages) socket.send(m, to.port, to.address);
  await sleep(waitMs);
  socket.close();
  return replies;
}

/** A standard query for (name, A) with this id, as bytes; with `ednsSize`, an OPT advertising it. */
export function query(name: string, id: number, type = 1, ednsSize?: number): Uint8Array {
  return encodeDns({
    id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false, rcode: 0,
    questions: [{ name, type, class: 1 }], answers: [], authorities: [],
    additionals: ednsSize === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: ednsSize, extendedRcode: 0, version: 0, dnssecOk: false, z: 0, options: [] }],
  });
}
