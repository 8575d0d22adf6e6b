/**
 * DNS over TLS to upstreams (RFC 7858, CoreDNS forward's `tls://`): one
 * TLS connection per server, opened on the first question and kept while
 * questions come (closed after 10 s idle, as RFC 7858 3.4 suggests keeping
 * it for reuse), questions pipelined on it with the 2-byte length framing of
 * RFC 1035 4.2.2 and their answers matched by id and question (RFC 7766 6.2.1:
 * answers may come out of order). The certificate is checked against
 * `tls-servername` (else the server's address) with Node's default CAs or
 * `tls-ca`'s; a server that fails the check fails the question.
 */
import { readFileSync } from 'node:fs';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { readQuestion, rewriteId } from '@leasehold/protocol';
import type { UpstreamServer } from './config.js';
import type { AskedQuestion } from './upstream.js';

/** An idle connection is closed after this long (CoreDNS forward's default expire is 10 s too). */
const IDLE_MS = 10_000;
/** Questions waiting on one connection at most; more fail at once instead of queueing without bound. */
const MAX_PENDING = 1024;

export interface TlsUpstreamOptions {
  readonly timeoutMs: number;
  /** The name the servers' certificates must carry (tls-servername); undefined: their address. */
  readonly servername: string | undefined;
  /** A PEM file of the CAs to trust (tls-ca); undefined: Node's default CAs. */
  readonly caFile: string | undefined;
  readonly onError: (where: string, error: unknown) => void;
}

interface Waiting {
  readonly question: AskedQuestion;
  readonly done: (answer: Uint8Array | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

interface Connection {
  readonly socket: TLSSocket;
  readonly waiting: Map<number, Waiting>;
  buffered: Buffer;
  idle: NodeJS.Timeout | undefined;
}

export class TlsUpstreams {
  readonly #connections = new Map<string, Connection>();
  readonly #ca: Buffer | undefined;
  #closed = false;

  constructor(readonly options: TlsUpstreamOptions) {
    // Read once at start: a missing CA file is a start-up error, not one per question.
    this.#ca = options.caFile === undefined ? undefined : readFileSync(options.caFile);
  }

  /** Asks `server` over TLS with this id; undefined on timeout, a failed connection or certificate, or a mismatched answer. */
  ask(server: UpstreamServer, query: Uint8Array, question: AskedQuestion, id: number): Promise<Uint8Array | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    const connection = this.#connection(server);
    if (connection.waiting.has(id) || connection.waiting.size >= MAX_PENDING) return Promise.resolve(undefined);
    const frame = Buffer.alloc(query.length + 2);
    frame.writeUInt16BE(query.length, 0);
    frame.set(query, 2);
    rewriteId(frame.subarray(2), id);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        connection.waiting.delete(id);
        resolve(undefined);
      }, this.options.timeoutMs);
      connection.waiting.set(id, { question, done: resolve, timer });
      if (connection.idle !== undefined) clearTimeout(connection.idle);
      connection.idle = undefined;
      connection.socket.write(frame);
    });
  }

  close(): void {
    this.#closed = true;
    for (const connection of this.#connections.values()) this.#drop(connection);
    this.#connections.clear();
  }

  #connection(server: UpstreamServer): Connection {
    const key = `${server.address}#${server.port}`;
    const open = this.#connections.get(key);
    if (open !== undefined) return open;
    const socket = connect({
      host: server.address,
      port: server.port,
      // RFC 7858 4.1 (strict privacy): the server must prove it is the one named, by name or else by address.
      servername: this.options.servername ?? (server.family === 4 ? server.address : undefined),
      ca: this.#ca,
      ...(this.options.servername === undefined ? { checkServerIdentity: (_host: string, cert: PeerCertificate) => checkAddress(server.address, cert.subjectaltname) } : {}),
      ALPNProtocols: ['dot'],
    });
    const connection: Connection = { socket, waiting: new Map(), buffered: Buffer.alloc(0), idle: undefined };
    this.#connections.set(key, connection);
    const gone = () => {
      if (this.#connections.get(key) === connection) this.#connections.delete(key);
      this.#drop(connection);
    };
    socket.on('error', gone);
    socket.on('close', gone);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#read(connection, chunk);
      } catch (error) {
        this.options.onError('an upstream TLS connection', error);
        socket.destroy();
      }
    });
    return connection;
  }

  /** Takes every whole answer out of the connection's buffer and gives each to the question with its id. */
  #read(connection: Connection, chunk: Buffer): void {
    connection.buffered = connection.buffered.length === 0 ? chunk : Buffer.concat([connection.buffered, chunk]);
    while (connection.buffered.length >= 2) {
      const length = connection.buffered.readUInt16BE(0);
      if (connection.buffered.length < length + 2) break;
      const answer = Uint8Array.from(connection.buffered.subarray(2, length + 2));
      connection.buffered = connection.buffered.subarray(length + 2);
      if (answer.length < 12) continue;
      const id = (answer[0]! << 8) | answer[1]!;
      const waiting = connection.waiting.get(id);
      // An answer nobody waits for (timed out) or to another question is dropped; the question keeps waiting.
      if (waiting === undefined || !sameQuestion(answer, waiting.question)) continue;
      connection.waiting.delete(id);
      clearTimeout(waiting.timer);
      waiting.done(answer);
    }
    if (connection.waiting.size === 0 && connection.idle === undefined) {
      connection.idle = setTimeout(() => connection.socket.end(), IDLE_MS);
      connection.idle.unref();
    }
  }

  #drop(connection: Connection): void {
    if (connection.idle !== undefined) clearTimeout(connection.idle);
    connection.socket.destroy();
    for (const waiting of connection.waiting.values()) {
      clearTimeout(waiting.timer);
      waiting.done(undefined);
    }
    connection.waiting.clear();
  }
}

function sameQuestion(answer: Uint8Array, question: AskedQuestion): boolean {
  try {
    const q = readQuestion(answer);
    return q !== undefined && q.nameLower === question.nameLower && q.type === question.type && q.class === question.class;
  } catch {
    return false;
  }
}

/** Without tls-servername the certificate must name the server's address (an IP subjectAltName). */
function checkAddress(address: string, altNames: string | undefined): Error | undefined {
  const ips = (altNames ?? '').split(/,\s*/).filter((n) => n.startsWith('IP Address:')).map((n) => n.slice('IP Address:'.length).toLowerCase());
  return ips.includes(address.toLowerCase()) ? undefined : new Error(`the certificate does not name ${address}`);
}
