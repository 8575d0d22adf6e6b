/**
 * Asking upstream servers, with the defences of RFC 5452: a random query id
 * (crypto) and a random source port per query (a small pool of sockets, each
 * bound by the kernel to a random port and replaced after a few queries), and
 * an answer accepted only when its id, question (case-insensitively) and
 * source address and port all match what was sent; anything else is dropped
 * and counted. A truncated UDP answer is asked again over TCP (RFC 7766 5).
 */
import { randomFillSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { DnsFlag, readFlags, readQuestion, rewriteId } from '@leasehold/protocol';
import { ipv4Number, openNativeClient, type NativeUdp } from './batched-udp.js';
import type { UpstreamServer } from './config.js';
import { TlsUpstreams } from './tls-upstream.js';

/** Why an upstream datagram was dropped. */
export type UpstreamDrop = 'unknown-id' | 'wrong-source' | 'wrong-question' | 'malformed';

export interface AskedQuestion {
  readonly nameLower: string;
  readonly type: number;
  readonly class: number;
}

interface Pending {
  readonly server: UpstreamServer;
  /** The server's IPv4 address as a number, for the addon's sockets (0 otherwise). */
  readonly ip: number;
  readonly question: AskedQuestion;
  readonly done: (answer: Uint8Array | undefined) => void;
}

interface PooledSocket {
  readonly send: (data: Uint8Array, pending: Pending, failed: () => void) => void;
  readonly close: () => void;
  readonly pending: Map<number, Pending>;
  uses: number;
  retired: boolean;
}

const POOL_SIZE = 8;
/** Queries per socket before it is replaced by one on a fresh random port. */
const SOCKET_USES = 64;

export interface UpstreamClientOptions {
  readonly timeoutMs: number;
  /** The batched UDP addon, for IPv4 upstream sockets; dgram without it. */
  readonly native?: NativeUdp | undefined;
  readonly onDrop: (reason: UpstreamDrop) => void;
  readonly onTcpRetry: () => void;
  /** Something thrown in a socket callback or timer, caught there (ErrorGuard.report). */
  readonly onError: (where: string, error: unknown) => void;
  /** For `server=tls://...` upstreams: the name their certificates must carry and the CAs to trust (tls-servername, tls-ca). */
  readonly tls?: { readonly servername: string | undefined; readonly caFile: string | undefined };
}

/** The outcome of asking one server. */
export type AskResult = { readonly ok: true; readonly answer: Uint8Array; readonly rttMs: number } | { readonly ok: false; readonly reason: 'timeout' | 'error' };

export class UpstreamClient {
  readonly #pools: Record<4 | 6, PooledSocket[]> = { 4: [], 6: [] };
  readonly #random = Buffer.alloc(4096);
  #randomAt = this.#random.length;
  #closed = false;
  #tls: TlsUpstreams | undefined;

  constructor(readonly options: UpstreamClientOptions) {}

  /**
   * Sends `query` (copied, given a fresh random id) to `server` and waits for
   * a matching answer, retrying over TCP if it comes back truncated.
   */
  async ask(server: UpstreamServer, query: Uint8Array, question: AskedQuestion): Promise<AskResult> {
    const started = performance.now();
    if (server.tls === true) return this.#askTls(server, query, question, started);
    const udp = await this.#askUdp(server, query, question);
    if (udp === undefined) return { ok: false, reason: 'timeout' };
    if ((readFlags(udp) & DnsFlag.TC) === 0) return { ok: true, answer: udp, rttMs: performance.now() - started };
    this.options.onTcpRetry();
    const tcp = await this.askTcp(server, query, question);
    return tcp === undefined ? { ok: false, reason: 'error' } : { ok: true, answer: tcp, rttMs: performance.now() - started };
  }

  /** One question over TCP (2-byte length prefix, RFC 1035 4.2.2); undefined on timeout, error or mismatch. */
  askTcp(server: UpstreamServer, query: Uint8Array, question: AskedQuestion): Promise<Uint8Array | undefined> {
    const id = this.#randomId();
    const out = Buffer.alloc(query.length + 2);
    out.writeUInt16BE(query.length, 0);
    out.set(query, 2);
    rewriteId(out.subarray(2), id);
    return new Promise((resolve) => {
      let buffered = Buffer.alloc(0);
      let settled = false;
      const socket = connect({ host: server.address, port: server.port });
      const finish = (answer: Uint8Array | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      };
      // Each handler runs in its own callback: what one throws is reported and the question fails, nothing escapes.
      const guarded = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
        try {
          fn(...args);
        } catch (error) {
          this.options.onError('an upstream TCP connection', error);
          finish(undefined);
        }
      };
      const timer = setTimeout(guarded(() => finish(undefined)), this.options.timeoutMs);
      socket.on('error', guarded(() => finish(undefined)));
      socket.on('close', guarded(() => finish(undefined)));
      socket.on('connect', guarded(() => socket.write(out)));
      socket.on(
        'data',
        guarded((chunk: Buffer) => {
          buffered = Buffer.concat([buffered, chunk]);
          if (buffered.length < 2) return;
          const length = buffered.readUInt16BE(0);
          if (buffered.length < length + 2) return;
          const answer = buffered.subarray(2, length + 2);
          const drop = this.#check(answer, id, question);
          if (drop) this.options.onDrop(drop);
          finish(drop ? undefined : Uint8Array.from(answer));
        }),
      );
    });
  }

  /** DNS over TLS (tls-upstream.ts): the connections are opened on the first TLS question, so a cache without one opens none. */
  async #askTls(server: UpstreamServer, query: Uint8Array, question: AskedQuestion, started: number): Promise<AskResult> {
    this.#tls ??= new TlsUpstreams({ timeoutMs: this.options.timeoutMs, servername: this.options.tls?.servername, caFile: this.options.tls?.caFile, onError: this.options.onError });
    const id = this.#randomId();
    const answer = await this.#tls.ask(server, query, question, id);
    if (answer === undefined) return { ok: false, reason: 'timeout' };
    const drop = this.#check(answer, id, question);
    if (drop) {
      this.options.onDrop(drop);
      return { ok: false, reason: 'error' };
    }
    return { ok: true, answer, rttMs: performance.now() - started };
  }

  /** Closes every socket; pending questions time out as failures. */
  close(): void {
    this.#closed = true;
    this.#tls?.close();
    for (const family of [4, 6] as const) {
      for (const pooled of this.#pools[family]) {
        if (pooled === undefined) continue;
        for (const pending of pooled.pending.values()) pending.done(undefined);
        pooled.close();
      }
      this.#pools[family] = [];
    }
  }

  #askUdp(server: UpstreamServer, query: Uint8Array, question: AskedQuestion): Promise<Uint8Array | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    const pooled = this.#socketFor(server.family);
    let id = this.#randomId();
    while (pooled.pending.has(id)) id = this.#randomId();
    const out = Buffer.from(query);
    rewriteId(out, id);
    return new Promise((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        try {
          done(undefined);
        } catch (error) {
          this.options.onError('an upstream timeout', error);
        }
      }, this.options.timeoutMs);
      // Called once: by the answer, the timeout, a failed send or close(); a second call must not delete a later question's id.
      const done = (answer: Uint8Array | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        pooled.pending.delete(id);
        // Closed from inside its own read loop when this is the answer that loop just read: the socket
        // defers the descriptor's close until the loop has returned (openNativeClient).
        if (pooled.retired && pooled.pending.size === 0) pooled.close();
        resolve(answer);
      };
      const pending: Pending = { server, ip: server.family === 4 ? ipv4Number(server.address) : 0, question, done };
      pooled.pending.set(id, pending);
      try {
        pooled.send(out, pending, () => done(undefined));
      } catch (error) {
        this.options.onError('sending to an upstream', error);
        done(undefined);
      }
    });
  }

  /** A random socket of the pool; one that has served SOCKET_USES queries is replaced by a new one. */
  #socketFor(family: 4 | 6): PooledSocket {
    const pool = this.#pools[family];
    const slot = this.#randomByte() % POOL_SIZE;
    let pooled = pool[slot];
    if (pooled === undefined || pooled.uses >= SOCKET_USES) {
      if (pooled) {
        pooled.retired = true;
        if (pooled.pending.size === 0) pooled.close();
      }
      pooled = this.#openSocket(family);
      pool[slot] = pooled;
    }
    pooled.uses++;
    return pooled;
  }

  #openSocket(family: 4 | 6): PooledSocket {
    const pending = new Map<number, Pending>();
    let closed = false;
    const onError = (error: unknown) => this.options.onError('an upstream socket', error);
    // Checks in the order of RFC 5452 9.1: id, then source address and port, then the question.
    const receive = (msg: Uint8Array, sourceMatches: (p: Pending) => boolean) => {
      if (msg.length < 12) return this.options.onDrop('malformed');
      const found = pending.get((msg[0]! << 8) | msg[1]!);
      if (found === undefined) return this.options.onDrop('unknown-id');
      if (!sourceMatches(found)) return this.options.onDrop('wrong-source');
      const drop = this.#check(msg, -1, found.question);
      if (drop) return this.options.onDrop(drop);
      found.done(Uint8Array.from(msg));
    };
    const native = family === 4 ? this.options.native : undefined;
    if (native) {
      // The kernel picks a random ephemeral port for each new socket (Linux randomises them, RFC 6056).
      const socket = openNativeClient(native, (msg, ip, port) => receive(msg, (p) => p.ip === ip && p.server.port === port), onError);
      return {
        pending,
        uses: 0,
        retired: false,
        send: (data, p, failed) => socket.send(data, p.ip, p.server.port, failed),
        close: () => socket.close(),
      };
    }
    const socket = createSocket(family === 4 ? 'udp4' : 'udp6');
    // Send failures reach the send callback; what else a UDP socket reports changes nothing here.
    socket.on('error', () => {});
    socket.on('message', (msg, rinfo) => {
      try {
        receive(msg, (p) => rinfo.address === p.server.address && rinfo.port === p.server.port);
      } catch (error) {
        onError(error);
      }
    });
    socket.bind(0);
    socket.unref();
    return {
      pending,
      uses: 0,
      retired: false,
      send: (data, p, failed) =>
        socket.send(data, p.server.port, p.server.address, (error) => {
          if (!error) return;
          try {
            failed();
          } catch (thrown) {
            onError(thrown);
          }
        }),
      // dgram throws on a second close.
      close: () => {
        if (closed) return;
        closed = true;
        socket.close();
      },
    };
  }

  /** Why an answer must be dropped (no QR, another id unless id is -1, another question), or undefined to accept it. */
  #check(answer: Uint8Array, id: number, question: AskedQuestion): UpstreamDrop | undefined {
    try {
      if ((readFlags(answer) & DnsFlag.QR) === 0) return 'malformed';
      if (id >= 0 && ((answer[0]! << 8) | answer[1]!) !== id) return 'unknown-id';
      const q = readQuestion(answer);
      return q.nameLower === question.nameLower && q.type === question.type && q.class === question.class ? undefined : 'wrong-question';
    } catch {
      return 'malformed';
    }
  }

  #randomByte(): number {
    if (this.#randomAt >= this.#random.length) {
      randomFillSync(this.#random);
      this.#randomAt = 0;
    }
    return this.#random[this.#randomAt++]!;
  }

  #randomId(): number {
    return (this.#randomByte() << 8) | this.#randomByte();
  }
}
