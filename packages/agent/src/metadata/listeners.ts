/**
 * One metadata proxy per network that gets one (isolation.ts), listening on
 * 169.254.169.254 at the proxy port on the network's own interface: bound to
 * that interface (SO_BINDTOIFINDEX), so networks served on several
 * interfaces of one namespace each hear only their own clients, and a VXLAN
 * network's inside its qdhcp-<network> namespace, where its clients' packets
 * arrive. Node's net can neither bind to a device nor enter a namespace: the
 * agent's addon makes the listening socket (native/lh_net.c,
 * openTcpListener) and node:http serves its descriptor (listen({ fd })).
 * The reconcile (reconcile.ts) puts the address on the interface first and
 * calls `listenOn` with what should listen after every pass.
 */
import { closeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { KeyedTokenBuckets, type Ipv4 } from '@leasehold/protocol';
import { METADATA_ADDRESS } from '../dhcp/reply-options.js';
import { nativeNet } from '../net/udp-socket.js';
import type { MetadataCaller } from './identity.js';
import { novaMetadataUrl, type MetadataOptions } from './options.js';
import { MetadataStats, RefusalLog, metadataRequestHandler } from './proxy.js';

/** Where a network's proxy listens: its interface, in its namespace when it has one. */
export interface ProxyPlace {
  readonly ifname: string;
  readonly netns?: string | undefined;
}

/** Connections one proxy holds at most; past it the kernel's backlog waits, then refuses. */
const MAX_CONNECTIONS = 256;

export interface MetadataProxiesOptions {
  readonly options: MetadataOptions;
  readonly callerOf: (networkId: string, address: Ipv4) => MetadataCaller | undefined;
  readonly log: (line: string) => void;
}

export class MetadataProxies {
  readonly stats = new MetadataStats();
  readonly #open = new Map<string, { readonly place: ProxyPlace; readonly server: Server }>();
  readonly #buckets: KeyedTokenBuckets<string>;
  readonly #refusals: RefusalLog;
  readonly #upstream: URL;

  constructor(private readonly o: MetadataProxiesOptions) {
    this.#buckets = new KeyedTokenBuckets(o.options.rateLimit);
    this.#refusals = new RefusalLog(o.log);
    this.#upstream = novaMetadataUrl(o.options);
  }

  /** The networks a proxy listens for now, and where. */
  listening(): Map<string, ProxyPlace> {
    return new Map([...this.#open].map(([id, { place }]) => [id, place]));
  }

  /**
   * Listens for exactly the networks of `wanted`: closes the proxies of the
   * others and of those whose place changed or whose namespace was made anew
   * (`renewed`: a socket stays in the namespace it was made in), then opens
   * the missing ones. A proxy that cannot listen is logged and tried again
   * at the next call.
   */
  async listenOn(wanted: ReadonlyMap<string, ProxyPlace>, renewed: ReadonlySet<string> = new Set()): Promise<void> {
    for (const [networkId, { place, server }] of [...this.#open]) {
      const next = wanted.get(networkId);
      if (next && next.ifname === place.ifname && next.netns === place.netns && !renewed.has(networkId)) continue;
      this.#open.delete(networkId);
      await closeServer(server);
    }
    for (const [networkId, place] of wanted) {
      if (this.#open.has(networkId)) continue;
      try {
        this.#open.set(networkId, { place, server: await this.#listen(networkId, place) });
      } catch (error) {
        this.o.log(`metadata: cannot listen on 169.254.169.254:${this.o.options.port} on ${place.ifname}${place.netns ? ` in ${place.netns}` : ''}: ${(error as Error).message}`);
      }
    }
  }

  async closeAll(): Promise<void> {
    await this.listenOn(new Map());
  }

  async #listen(networkId: string, place: ProxyPlace): Promise<Server> {
    const addon = nativeNet();
    if (!addon?.openTcpListener) throw new Error('the native addon (packages/agent/native) is not built or predates TCP listeners');
    const { options } = this.o;
    const fd = addon.openTcpListener(METADATA_ADDRESS, options.port, 511, place.ifname, place.netns ? `/run/netns/${place.netns}` : '');
    const handler = metadataRequestHandler({
      networkId,
      options,
      upstream: this.#upstream,
      callerOf: this.o.callerOf,
      buckets: this.#buckets,
      stats: this.stats,
      refusals: this.#refusals,
    });
    // Bounds on what one connection may hold: header bytes, and the time to send headers and the whole request.
    const server = createServer({ maxHeaderSize: options.maxHeaderBytes, headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 }, handler);
    server.maxConnections = MAX_CONNECTIONS;
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      // A caller that went away sent no request: nothing to answer or count.
      if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      const large = error.code === 'HPE_HEADER_OVERFLOW';
      this.stats.counts[large ? 'too-large' : 'bad-request'] += 1;
      this.#refusals.refused(`${large ? `headers over ${options.maxHeaderBytes} bytes` : `malformed request (${error.code ?? error.message})`} from ${(socket as Socket).remoteAddress ?? '?'} on network ${networkId}`);
      socket.end(large ? 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => {
        closeSync(fd);
        reject(error);
      });
      server.listen({ fd }, () => {
        server.removeAllListeners('error');
        // Once listening, an error (accept failing with EMFILE) is logged, never the process's end.
        server.on('error', (error) => this.o.log(`metadata: proxy of network ${networkId}: ${error.message}`));
        resolve();
      });
    });
    return server;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
