/**
 * UDP listening through the package's small native addon (native/lh_dns.c):
 * recvmmsg(2) drains up to 64 datagrams per JS call into a shared buffer, the
 * replies the resolver gives synchronously (cache hits, local answers) are
 * written into a second shared buffer and leave with one sendmmsg(2). Node's
 * dgram pays a syscall, a JS call, a Buffer, an rinfo object and a send
 * request per datagram; on a cache hit that is most of the cost.
 * IPv4 only; without the built addon (or with LEASEHOLD_DNS_NATIVE=0) the
 * listeners use dgram.
 */
import { createRequire } from 'node:module';
import { ListenError } from './errors.js';
import type { Resolver } from './resolver.js';
import type { ResponseRateLimiter } from './rrl.js';

export interface NativeUdp {
  readonly SLOTS: number;
  readonly SLOT_SIZE: number;
  open(
    address: string,
    port: number,
    input: ArrayBuffer,
    inputMeta: ArrayBuffer,
    output: ArrayBuffer,
    outputMeta: ArrayBuffer,
    onReadable: (count: number, answered: number) => void,
    hot?: unknown,
    /** The socket is made inside this network namespace (a path such as /run/netns/qdhcp-x). */
    netnsPath?: string,
  ): unknown;
  /**
   * A TCP socket listening on address:port inside the network namespace at
   * `netnsPath`, as a descriptor for net.Server's listen({ fd }). Absent from
   * an addon built before namespaces.
   */
  tcpListen?(address: string, port: number, netnsPath: string): number;
  /** Datagrams read + 256 × how many of them the hot table answered. */
  recv(socket: unknown): number;
  send(socket: unknown, count: number): number;
  sendOne(socket: unknown, data: Uint8Array, address: number, port: number): boolean;
  port(socket: unknown): number;
  close(socket: unknown): void;
  hotCreate(entries: number, ednsMax: number): unknown;
  hotPut(hot: unknown, query: Uint8Array, answer: Uint8Array, ttl: number, ageMs: number, expiresInMs: number): boolean;
  hotClear(hot: unknown): void;
  hotHits(hot: unknown): number;
  /** Absent from an addon built before it: such an addon must not answer hits with rrl-rate set. */
  hotRrl?(
    hot: unknown,
    keys: ArrayBuffer,
    tokens: ArrayBuffer,
    last: ArrayBuffer,
    slips: ArrayBuffer,
    evictions: ArrayBuffer,
    mask: number,
    rate: number,
    clockOffsetMs: number,
  ): void;
  /** The addon's rate check for one client (host-order IPv4) at `nowMs` on the limiter's clock: true if the response may go (token spent). Tests. */
  hotRrlCheck?(hot: unknown, ip: number, nowMs: number): boolean;
}

/**
 * Cache hits answered inside the addon, without entering JS (see lh_dns.c):
 * the resolver puts an entry after answering a query from its own cache, and
 * later datagrams asking the same (lowercased question, EDNS, DO and CD) are
 * answered from it while it lives, by the same rules (id and question case
 * from the query, TTLs counted down, larger than the client accepts: left to
 * JS). Only for configurations where nothing before the cache could decide
 * otherwise per client (no local-service) and the real clock. With rate
 * limiting, the addon runs the limiter's check on the limiter's own memory
 * (limitWith): it answers a hit only when the check says 'send', and leaves
 * every other hit to JS, whose check then decides drop or slip as if the
 * addon had not looked.
 */
export class HotAnswers {
  readonly #native: NativeUdp;
  readonly table: unknown;

  constructor(native: NativeUdp, entries: number, ednsMax: number) {
    this.#native = native;
    this.table = native.hotCreate(Math.max(4, entries), ednsMax);
  }

  /** Remembers the cached answer to `query`; false if either has a shape the addon leaves to JS. */
  put(query: Uint8Array, entry: { bytes: Uint8Array; ttl: number; storedAt: number; expiresAt: number }, now: number): boolean {
    return this.#native.hotPut(this.table, query, entry.bytes, entry.ttl, now - entry.storedAt, entry.expiresAt - now);
  }

  /**
   * Answers hits only within `rrl`'s budget from now on; false (nothing
   * changed) if the addon predates this, when hits must go through JS. The
   * addon's clock is uv_hrtime(), which process.hrtime reads too: the offset
   * to `now` (the limiter's clock, the resolver's) is read between two of its
   * readings, so it is off by at most half the time between them.
   */
  limitWith(rrl: ResponseRateLimiter, now: () => number): boolean {
    if (this.#native.hotRrl === undefined) return false;
    const before = process.hrtime.bigint();
    const at = now();
    const after = process.hrtime.bigint();
    const offset = at - Number(before + after) / 2e6;
    const { keys, tokens, last, slips, evictions, mask, rate } = rrl.shared;
    this.#native.hotRrl(this.table, keys, tokens, last, slips, evictions, mask, rate, offset);
    return true;
  }

  /** Forgets everything (local data changed: a name may now be answered locally). */
  clear(): void {
    this.#native.hotClear(this.table);
  }

  /** Datagrams answered inside the addon. */
  get hits(): number {
    return this.#native.hotHits(this.table);
  }
}

const META = 16;
/** Batches handled per readable event before yielding to the event loop (uv_poll is level-triggered: it comes back). */
const ROUNDS = 4;

let loaded: NativeUdp | null | undefined;

/** The addon, if it was built (`node packages/dns-cache/native/build.mjs`) and not turned off. Loads it once. */
export function nativeUdp(): NativeUdp | undefined {
  if (loaded === undefined) {
    loaded = null;
    if (process.env.LEASEHOLD_DNS_NATIVE !== '0' && process.platform === 'linux') {
      try {
        // src/ and dist/ are both one level below the package root, native/ too.
        loaded = createRequire(import.meta.url)(new URL('../native/build/lh_dns.node', import.meta.url).pathname) as NativeUdp;
      } catch {
        loaded = null;
      }
    }
  }
  return loaded ?? undefined;
}

export interface BatchedUdp {
  readonly port: number;
  close(): void;
}

/**
 * Listens on IPv4 address:port (0: the kernel's choice) and hands each
 * datagram the hot table did not answer to the resolver. Throws ListenError.
 * Nothing thrown while a batch is handled leaves the callback: it is
 * reported to `resolver.errors` and the next datagram is handled. close()
 * during a batch takes effect when the batch is done (see openNativeClient).
 * With `netns` (an `ip netns` name), the socket is made in that namespace;
 * queries carry `listener` (listeners.ts, listenerKey) to name their view.
 */
export function listenBatchedUdp(native: NativeUdp, address: string, port: number, resolver: Resolver, netns?: string, listener = address): BatchedUdp {
  const size = native.SLOTS * native.SLOT_SIZE;
  const input = new ArrayBuffer(size);
  const inputMeta = new ArrayBuffer(native.SLOTS * META);
  const output = new ArrayBuffer(size);
  const outputMeta = new ArrayBuffer(native.SLOTS * META);
  const inBytes = Buffer.from(input);
  const inMeta = Buffer.from(inputMeta);
  const outBytes = Buffer.from(output);
  const outMeta = Buffer.from(outputMeta);
  let batching = false;
  let outCount = 0;
  let socket: unknown;
  /** close() was called: nothing more is read or sent. */
  let closed = false;
  /** The read loop is running: the addon's close waits for it. */
  let reading = false;

  let deferred = false;
  const put = (reply: Uint8Array, ip: number, clientPort: number) => {
    outBytes.set(reply, outCount * native.SLOT_SIZE);
    const m = outCount * META;
    outMeta.writeUInt32LE(reply.length, m);
    outMeta.writeUInt32BE(ip, m + 4);
    outMeta.writeUInt16LE(clientPort, m + 8);
    outCount++;
  };
  const flush = () => {
    deferred = false;
    const count = outCount;
    outCount = 0;
    if (count > 0 && !closed) {
      try {
        native.send(socket, count);
      } catch (error) {
        resolver.errors.report('sending UDP replies', error);
      }
    }
  };
  const sender = (ip: number, clientPort: number) => (reply: Uint8Array) => {
    // Closed while the question was upstream: nobody to answer.
    if (closed) return;
    if (reply.length > native.SLOT_SIZE) {
      native.sendOne(socket, reply, ip, clientPort);
      return;
    }
    if (batching) {
      if (outCount < native.SLOTS) return put(reply, ip, clientPort);
      const count = outCount;
      outCount = 0;
      native.send(socket, count);
      return put(reply, ip, clientPort);
    }
    // A reply given later (a forwarded question answered): the answers of one upstream batch are
    // gathered and leave together with one sendmmsg, from a microtask, so before any other I/O
    // callback (the addon's hot path) can write the out slots.
    if (outCount >= native.SLOTS) flush();
    put(reply, ip, clientPort);
    if (!deferred) {
      deferred = true;
      queueMicrotask(flush);
    }
  };

  const readBatches = (first: number, firstAnswered: number) => {
    for (let round = 0; round < ROUNDS; round++) {
      let n = first;
      let answered = firstAnswered;
      if (round > 0) {
        if (closed) return;
        const got = native.recv(socket);
        n = got & 255;
        answered = got >>> 8;
      }
      if (n === 0) return;
      batching = true;
      // The addon's answers fill the first out slots; ours follow (no deferred replies can be pending:
      // their microtask ran at the end of the callback that gave them).
      outCount = answered;
      try {
        for (let i = 0; i < n; i++) {
          const m = i * META;
          // Answered by the hot table already.
          if (inMeta[m + 12] === 1) continue;
          const length = inMeta.readUInt32LE(m);
          const ip = inMeta.readUInt32BE(m + 4);
          const clientPort = inMeta.readUInt16LE(m + 8);
          const start = i * native.SLOT_SIZE;
          // Length 0: empty, or cut short by the slot; either way not a DNS query we can answer.
          if (length === 0) {
            resolver.stats.queries++;
            resolver.stats.dropped++;
            continue;
          }
          const client = { address: `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`, tcp: false, ip4: ip, listener };
          try {
            resolver.handle(inBytes.subarray(start, start + length), client, sender(ip, clientPort));
          } catch (error) {
            // The resolver never throws by design; if it does, this query is lost, not the process.
            resolver.errors.report('handling a UDP query', error);
          }
        }
      } finally {
        batching = false;
        const count = outCount;
        // Emptied before sending: a reply given later must not send these slots again.
        outCount = 0;
        if (count > 0 && !closed) native.send(socket, count);
      }
      // A short batch drained the socket: asking again would only cost a syscall that finds nothing.
      if (n < native.SLOTS) return;
    }
  };
  const onReadable = (first: number, firstAnswered: number) => {
    if (closed) return;
    reading = true;
    try {
      readBatches(first, firstAnswered);
    } catch (error) {
      resolver.errors.report('the UDP listener', error);
    } finally {
      reading = false;
      if (closed) native.close(socket);
    }
  };

  try {
    socket =
      netns === undefined
        ? native.open(address, port, input, inputMeta, output, outputMeta, onReadable, resolver.hot?.table)
        : native.open(address, port, input, inputMeta, output, outputMeta, onReadable, resolver.hot?.table, `/run/netns/${netns}`);
  } catch (error) {
    throw new ListenError(`cannot listen on udp ${listener}#${port}: ${(error as Error).message}`, { cause: error });
  }
  return {
    port: native.port(socket),
    close: () => {
      closed = true;
      if (!reading) native.close(socket);
    },
  };
}

/** A client socket of the upstream pool on the addon: replies read in batches, questions sent in batches. */
export interface NativeClientSocket {
  /**
   * Queues a question; the questions queued during one turn of the event loop
   * leave together (one sendmmsg per socket) from a microtask. `failed` is
   * called if the kernel refused it (a full send buffer).
   */
  send(data: Uint8Array, ip: number, port: number, failed: () => void): void;
  /** Stops reading and sending; from inside the socket's own onMessage, the descriptor is closed once its read loop has returned. Idempotent. */
  close(): void;
}

interface SharedBuffers {
  readonly buffers: [ArrayBuffer, ArrayBuffer, ArrayBuffer, ArrayBuffer];
  readonly inBytes: Buffer;
  readonly inMeta: Buffer;
  readonly outBytes: Buffer;
  readonly outMeta: Buffer;
}
let shared: SharedBuffers | undefined;

interface Queued {
  readonly data: Uint8Array;
  readonly ip: number;
  readonly port: number;
  readonly failed: () => void;
}
/** Client sockets with questions waiting for the flush, and whether one is scheduled. */
const dirty: { readonly socket: unknown; readonly queue: Queued[]; readonly onError: (error: unknown) => void; closed: boolean }[] = [];
let flushScheduled = false;

/**
 * Sends every queued question: one sendmmsg per socket and 64 questions
 * (a miss used to cost one sendto of its own; on a busy cache a batch of
 * client questions becomes a few upstream syscalls). The sockets share the
 * out slots, which is safe because each is filled and sent synchronously.
 */
function flushQuestions(native: NativeUdp): void {
  flushScheduled = false;
  for (const entry of dirty.splice(0)) {
    try {
      flushSocket(native, entry);
    } catch (error) {
      entry.onError(error);
    }
  }
}

/** One socket's queued questions, in chunks of a batch; the ones the kernel did not take (or a closed socket) fail. */
function flushSocket(native: NativeUdp, entry: (typeof dirty)[number]): void {
  const { outBytes, outMeta } = shared!;
  const queue = entry.queue.splice(0);
  for (let from = 0; from < queue.length; from += native.SLOTS) {
    const chunk = queue.slice(from, from + native.SLOTS);
    let count = 0;
    for (const q of chunk) {
      // Larger than a slot (a big EDNS query): sent by itself.
      if (q.data.length > native.SLOT_SIZE) {
        if (entry.closed || !native.sendOne(entry.socket, q.data, q.ip, q.port)) q.failed();
        continue;
      }
      outBytes.set(q.data, count * native.SLOT_SIZE);
      const m = count * META;
      outMeta.writeUInt32LE(q.data.length, m);
      outMeta.writeUInt32BE(q.ip, m + 4);
      outMeta.writeUInt16LE(q.port, m + 8);
      chunk[count++] = q;
    }
    let sent = 0;
    if (!entry.closed && count > 0) {
      try {
        sent = native.send(entry.socket, count);
      } catch {
        sent = 0;
      }
    }
    for (let i = sent; i < count; i++) chunk[i]!.failed();
  }
}

/**
 * Opens an IPv4 socket on a kernel-chosen random port for asking upstreams.
 * Every such socket shares one set of slot buffers: a socket's batch is read
 * and handed to `onMessage` synchronously, before any other socket is read,
 * and `onMessage` must copy what it keeps. Throws on a socket error.
 *
 * `onMessage` may close the socket (the upstream pool closes a retired
 * socket when the last answer it waited for arrives): the loop then stops
 * delivering and reading, and the descriptor is closed when the loop has
 * returned. Before issue 15 it was closed at once and the loop's next read
 * threw ECLOSED out of the addon's callback, an uncaught exception. What
 * `onMessage` throws, or anything else in the loop, goes to `onError`.
 */
export function openNativeClient(
  native: NativeUdp,
  onMessage: (message: Buffer, ip: number, port: number) => void,
  onError: (error: unknown) => void,
): NativeClientSocket {
  if (shared === undefined) {
    const buffers: SharedBuffers['buffers'] = [
      new ArrayBuffer(native.SLOTS * native.SLOT_SIZE),
      new ArrayBuffer(native.SLOTS * META),
      new ArrayBuffer(native.SLOTS * native.SLOT_SIZE),
      new ArrayBuffer(native.SLOTS * META),
    ];
    shared = { buffers, inBytes: Buffer.from(buffers[0]), inMeta: Buffer.from(buffers[1]), outBytes: Buffer.from(buffers[2]), outMeta: Buffer.from(buffers[3]) };
  }
  const { buffers, inBytes, inMeta } = shared;
  let socket: unknown;
  let reading = false;
  const readBatches = (first: number) => {
    for (let round = 0; round < ROUNDS; round++) {
      if (state.closed) return;
      const n = round === 0 ? first : native.recv(socket) & 255;
      for (let i = 0; i < n; i++) {
        // Closed by one of this batch's messages: the rest are for nobody.
        if (state.closed) return;
        const m = i * META;
        const length = inMeta.readUInt32LE(m);
        if (length === 0) continue;
        const start = i * native.SLOT_SIZE;
        try {
          onMessage(inBytes.subarray(start, start + length), inMeta.readUInt32BE(m + 4), inMeta.readUInt16LE(m + 8));
        } catch (error) {
          onError(error);
        }
      }
      if (n < native.SLOTS) return;
    }
  };
  const onReadable = (first: number) => {
    if (state.closed) return;
    reading = true;
    try {
      readBatches(first);
    } catch (error) {
      onError(error);
    } finally {
      reading = false;
      // A close asked for by onMessage happens here, with no read to follow.
      if (state.closed) native.close(socket);
    }
  };
  socket = native.open('0.0.0.0', 0, ...buffers, onReadable);
  const state: (typeof dirty)[number] = { socket, queue: [], onError, closed: false };
  return {
    send: (data, ip, port, failed) => {
      if (state.queue.length === 0) dirty.push(state);
      state.queue.push({ data, ip, port, failed });
      if (!flushScheduled) {
        flushScheduled = true;
        queueMicrotask(() => flushQuestions(native));
      }
    },
    close: () => {
      state.closed = true;
      if (!reading) native.close(socket);
    },
  };
}

/** An IPv4 address as the addon's meta holds it (a host-order uint32). Pure; the input must be dotted-quad. */
export function ipv4Number(address: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}
