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
 *
 * A network with IPv6 subnets is also served on fe80::a9fe:a9fe (Neutron's
 * METADATA_V6_IP, which its DHCP agent's proxy binds on the DHCP port's
 * interface): the proxies put that address on the interface themselves
 * (v6-address.ts) and listen on it with node's own socket, scoped to the
 * interface. In a VXLAN network's namespace, where node cannot make a
 * socket, the addon makes it (openTcpListener6, scoped to and bound to the
 * device there); node cannot name its callers either (a link-local peer's
 * zone is looked up in the agent's namespace and the lookup throws), so
 * each connection's address is read through the addon (peerAddress6).
 */
import { closeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { KeyedTokenBuckets, ipv6ToBytes, parseIpv6, type Ipv4, type Ipv6 } from '@leasehold/protocol';
import { METADATA_ADDRESS } from '../dhcp/reply-options.js';
import { nativeNet } from '../net/udp-socket.js';
import type { MetadataCaller } from './identity.js';
import { novaMetadataUrl, type MetadataOptions } from './options.js';
import { MetadataStats, RefusalLog, metadataRequestHandler } from './proxy.js';
import { METADATA_ADDRESS6, MetadataV6Addresses } from './v6-address.js';

/** Where a network's proxy listens: its interface, in its namespace when it has one. */
export interface ProxyPlace {
  readonly ifname: string;
  readonly netns?: string | undefined;
  /** Also on fe80::a9fe:a9fe (the network has IPv6 subnets). */
  readonly v6?: boolean | undefined;
}

/** Connections one proxy holds at most; past it the kernel's backlog waits, then refuses. */
const MAX_CONNECTIONS = 256;

export interface MetadataProxiesOptions {
  readonly options: MetadataOptions;
  readonly callerOf: (networkId: string, address: Ipv4 | Ipv6) => MetadataCaller | undefined;
  readonly log: (line: string) => void;
  /** Put fe80::a9fe:a9fe on an interface before listening there (the agent's configure_interfaces); false: the operator puts it. */
  readonly configureInterfaces?: boolean;
  readonly addresses6?: MetadataV6Addresses;
}

/** One network's listeners: on 169.254.169.254 (the addon's socket) and, for IPv6 subnets, on fe80::a9fe:a9fe. */
interface NetworkListeners {
  place: ProxyPlace;
  v4?: Server | undefined;
  v6?: Server | undefined;
}

export class MetadataProxies {
  readonly stats = new MetadataStats();
  readonly #open = new Map<string, NetworkListeners>();
  readonly #buckets: KeyedTokenBuckets<string>;
  readonly #refusals: RefusalLog;
  /** Nova's URL, or why the settings make none (then no proxy listens, and each attempt says why). */
  readonly #upstream: URL | Error;
  readonly #addresses6: MetadataV6Addresses;

  constructor(private readonly o: MetadataProxiesOptions) {
    this.#buckets = new KeyedTokenBuckets(o.options.rateLimit);
    this.#refusals = new RefusalLog(o.log);
    // Made always (a network may turn metadata on by itself): settings that make no URL must not stop the agent.
    try {
      this.#upstream = novaMetadataUrl(o.options);
    } catch (error) {
      this.#upstream = new Error(`nova_metadata_host ${JSON.stringify(o.options.novaMetadataHost)} and its port make no URL (${(error as Error).message})`);
    }
    this.#addresses6 = o.addresses6 ?? new MetadataV6Addresses();
  }

  /** The networks a proxy listens for now, and where (`v6`: on fe80::a9fe:a9fe too). */
  listening(): Map<string, ProxyPlace> {
    return new Map([...this.#open].map(([id, l]) => [id, { ifname: l.place.ifname, netns: l.place.netns, v6: l.v6 !== undefined }]));
  }

  /**
   * Listens for exactly the networks of `wanted`: closes the proxies of the
   * others and of those whose place changed or whose namespace was made anew
   * (`renewed`: a socket stays in the namespace it was made in), then opens
   * the missing ones, each address on its own. A listener that cannot open
   * is logged and tried again at the next call.
   */
  async listenOn(wanted: ReadonlyMap<string, ProxyPlace>, renewed: ReadonlySet<string> = new Set()): Promise<void> {
    for (const [networkId, open] of [...this.#open]) {
      const next = wanted.get(networkId);
      const moved = !next || next.ifname !== open.place.ifname || next.netns !== open.place.netns || renewed.has(networkId);
      if (moved) {
        this.#open.delete(networkId);
        if (open.v4) await closeServer(open.v4);
      }
      if (open.v6 && (moved || !next?.v6)) {
        await closeServer(open.v6);
        open.v6 = undefined;
        await this.#release6(open.place);
      }
      if (next) open.place = next;
    }
    for (const [networkId, place] of wanted) {
      const open = this.#open.get(networkId) ?? { place };
      const where = `on ${place.ifname}${place.netns ? ` in ${place.netns}` : ''}`;
      if (!open.v4) {
        open.v4 = await this.#listen(networkId, place).catch((error: Error) => {
          this.o.log(`metadata: cannot listen on 169.254.169.254:${this.o.options.port} ${where}: ${error.message}`);
          return undefined;
        });
      }
      if (place.v6 && !open.v6) {
        open.v6 = await this.#listen6(networkId, place).catch((error: Error) => {
          this.o.log(`metadata: cannot listen on [${METADATA_ADDRESS6}]:${this.o.options.port} ${where}: ${error.message}`);
          return undefined;
        });
      }
      if (open.v4 || open.v6) this.#open.set(networkId, open);
      else this.#open.delete(networkId);
    }
  }

  async closeAll(): Promise<void> {
    await this.listenOn(new Map());
  }

  /** The proxy's HTTP server for one network, bounded as every listener is; not yet listening. */
  #server(networkId: string): Server {
    const { options } = this.o;
    if (this.#upstream instanceof Error) throw this.#upstream;
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
    return server;
  }

  async #listen(networkId: string, place: ProxyPlace): Promise<Server> {
    const addon = nativeNet();
    if (!addon?.openTcpListener) throw new Error('the native addon (packages/agent/native) is not built or predates TCP listeners');
    const server = this.#server(networkId);
    const fd = addon.openTcpListener(METADATA_ADDRESS, this.o.options.port, 511, place.ifname, place.netns ? `/run/netns/${place.netns}` : '');
    return this.#start(networkId, server, { fd }, () => closeSync(fd));
  }

  /**
   * fe80::a9fe:a9fe on the interface, then a listener on it: node's own
   * socket bound to the address with the interface as its scope, which
   * binds it to that interface (a link-local bind takes the scope's device),
   * so networks on several interfaces each hear only their own clients. In
   * a namespace, the addon's socket, bound the same way to the device there.
   */
  async #listen6(networkId: string, { ifname, netns }: ProxyPlace): Promise<Server> {
    const server = this.#server(networkId);
    if (netns === undefined) {
      if (this.o.configureInterfaces ?? true) await this.#addresses6.ensure(ifname);
      return this.#start(networkId, server, { host: `${METADATA_ADDRESS6}%${ifname}`, port: this.o.options.port }, () => undefined);
    }
    const addon = nativeNet();
    if (!addon?.openTcpListener6 || !addon.peerAddress6) throw new Error('the native addon (packages/agent/native) is not built or predates IPv6 TCP listeners');
    const peerAddress6 = addon.peerAddress6;
    // Before the request handler or a clientError asks: node's own getter would throw for this peer.
    server.prependListener('connection', (socket: Socket) => defineRemoteAddress(socket, peerAddress6));
    if (this.o.configureInterfaces ?? true) await this.#addresses6.ensure(ifname, netns);
    const fd = addon.openTcpListener6(ipv6ToBytes(parseIpv6(METADATA_ADDRESS6)), this.o.options.port, 511, ifname, `/run/netns/${netns}`);
    return this.#start(networkId, server, { fd }, () => closeSync(fd));
  }

  #start(networkId: string, server: Server, at: { fd: number } | { host: string; port: number }, failed: () => void): Promise<Server> {
    return new Promise<Server>((resolve, reject) => {
      server.once('error', (error) => {
        failed();
        reject(error);
      });
      server.listen(at, () => {
        server.removeAllListeners('error');
        // Once listening, an error (accept failing with EMFILE) is logged, never the process's end.
        server.on('error', (error) => this.o.log(`metadata: proxy of network ${networkId}: ${error.message}`));
        resolve(server);
      });
    });
  }

  /** Takes fe80::a9fe:a9fe off an interface no other open IPv6 listener uses. */
  async #release6({ ifname, netns }: ProxyPlace): Promise<void> {
    if ([...this.#open.values()].some((l) => l.v6 && l.place.ifname === ifname && l.place.netns === netns)) return;
    await this.#addresses6.release(ifname, netns).catch((error: Error) => this.o.log(`metadata: ${error.message}`));
  }
}

/**
 * Gives `socket` its peer's address, read from its descriptor by the addon,
 * as its own remoteAddress (the handler and the log read it there); '' when
 * the peer is gone already.
 */
function defineRemoteAddress(socket: Socket, peerAddress6: (fd: number) => string): void {
  let address = '';
  try {
    address = peerAddress6((socket as unknown as { _handle: { fd: number } })._handle.fd);
  } catch {
    // Reset before we asked: the request (if any) fails as from no address.
  }
  Object.defineProperty(socket, 'remoteAddress', { value: address });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
