/**
 * The DNS flood's legitimate client and probes (dns-flood.ts): a client on
 * 127.0.0.1 asking LEGIT_NAME every LEGIT_EVERY_MS while the flood runs,
 * counting the answers within LEGIT_TIMEOUT_MS, and the probe that says
 * whether a server answers at all. Loopback only; every loop bounded.
 */
import { createSocket } from 'node:dgram';

export const LEGIT_NAME = 'legit.flood.test';
export const LEGIT_EVERY_MS = 10;
export const LEGIT_TIMEOUT_MS = 1000;

/** What the legitimate client saw: queries sent, answered in time, other replies, latency percentiles. */
export interface LegitimateCounts {
  readonly legitSent: number;
  readonly legitAnswered: number;
  /** Replies within the timeout that were not a NOERROR with the address (SERVFAIL, ...). */
  readonly legitOther: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Asks LEGIT_NAME every LEGIT_EVERY_MS from 127.0.0.1 until stopped; an answer counts if it is NOERROR with the address and comes within LEGIT_TIMEOUT_MS. */
export async function legitimateClient(port: number): Promise<{ stop(): LegitimateCounts }> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const sentAt: number[] = [];
  const latencies: number[] = [];
  let other = 0;
  socket.on('message', (reply) => {
    if (reply.length < 12) return;
    const id = reply.readUInt16BE(0);
    const at = sentAt[id];
    if (at === undefined) return;
    sentAt[id] = NaN;
    const ms = performance.now() - at;
    if (Number.isNaN(ms) || ms > LEGIT_TIMEOUT_MS) return;
    if ((reply[3]! & 0xf) === 0 && reply.readUInt16BE(6) >= 1 && reply.subarray(-4).join('.') === '198.18.0.2') latencies.push(ms);
    else other++;
  });
  socket.on('error', () => {});
  let sent = 0;
  // Ids 0..65535 are enough for 655 s at one query every 10 ms; the flood lasts seconds.
  const timer = setInterval(() => {
    const id = sent++ & 0xffff;
    sentAt[id] = performance.now();
    socket.send(query(id, LEGIT_NAME), port, '127.0.0.1');
  }, LEGIT_EVERY_MS);
  return {
    stop: () => {
      clearInterval(timer);
      socket.close();
      latencies.sort((a, b) => a - b);
      const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
      return { legitSent: sent, legitAnswered: latencies.length, legitOther: other, p50Ms: at(0.5), p99Ms: at(0.99) };
    },
  };
}

/** True if the server answers LEGIT_NAME within a second, in `tries` attempts. */
export async function answers(port: number, tries: number): Promise<boolean> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  try {
    for (let i = 0; i < tries; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 1000);
        socket.removeAllListeners('message');
        socket.on('message', (m) => {
          // A late reply to an earlier attempt is not this one's.
          if (m.readUInt16BE(0) !== 4242 + i) return;
          clearTimeout(timer);
          resolve((m[3]! & 0xf) === 0 && m.readUInt16BE(6) >= 1);
        });
        socket.send(query(4242 + i, LEGIT_NAME), port, '127.0.0.1');
      });
      if (ok) return true;
    }
    return false;
  } finally {
    socket.close();
  }
}

export async function waitAnswering(port: number, ms: number, died: () => string | undefined = () => undefined): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await answers(port, 1))) {
    const why = died();
    if (why !== undefined) throw new Error(`the server on port ${port} ${why} before answering`);
    if (Date.now() > deadline) throw new Error(`nothing answers on port ${port}`);
    await sleep(200);
  }
}

/** A query for (name, A), RD set, no EDNS. */
function query(id: number, name: string): Buffer {
  const labels = name.split('.');
  const out = Buffer.alloc(12 + labels.reduce((n, l) => n + l.length + 1, 1) + 4);
  out.writeUInt16BE(id, 0);
  out[2] = 0x01;
  out.writeUInt16BE(1, 4);
  let at = 12;
  for (const label of labels) {
    out[at++] = label.length;
    at += out.write(label, at, 'ascii');
  }
  out[at++] = 0;
  out.writeUInt16BE(1, at);
  out.writeUInt16BE(1, at + 2);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
