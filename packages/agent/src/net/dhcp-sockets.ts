/**
 * The DHCP server's sockets: one per interface in use (udp-socket.ts), and
 * both ends of the hot path. Datagrams go from their socket into the packet
 * queue (dhcp/packet-queue.ts), stamped with the time they were read; the
 * pump takes them from there to `DhcpServer.handle` with the interface they
 * came in on (decode, scope, allocate, write, reply: dhcp/server.ts), and
 * the reply, if any, leaves through the socket that heard it. Nothing on the
 * way calls back up into the agent.
 *
 * Under overload (issue 19) this is where load is shed: the sockets are read
 * whole at every wakeup, the queue keeps the newest `capacity` and drops
 * what aged past `maxAgeMs` waiting, REQUESTs go first, and at most
 * `maxInFlight` packets are with the server at once (packet-pump.ts, shared
 * with the DHCPv6 sockets).
 *
 * Each interface's first address is cached in its `Arrival` (the server
 * identifier for relayed clients) and refreshed by `refreshAddresses` at
 * every reconcile: listing the host's interfaces per packet cost a quarter
 * of the agent's CPU under load. An `Arrival` is replaced, never changed,
 * so a packet queued or in flight keeps the one it came with.
 */
import { networkInterfaces } from 'node:os';
import { completesExchange, defaultDhcpQueue, type DhcpQueueConfig } from '../dhcp/packet-queue.js';
import type { Arrival, DhcpServer } from '../dhcp/server.js';
import { interfaceAddresses } from './interfaces.js';
import { PacketPump } from './packet-pump.js';
import { openUdpSocket, type BoundSocket } from './udp-socket.js';

export interface DhcpSocketsOptions {
  /** Where datagrams go and replies come from; a failed send is counted in its stats (`send-error`), a shed datagram in `dropped`. */
  readonly server: Pick<DhcpServer, 'handle' | 'stats'>;
  /** The UDP port to listen on (67). */
  readonly port: number;
  readonly log: (line: string) => void;
  /** The packet queue's bounds; `defaultDhcpQueue` when unset. */
  readonly queue?: DhcpQueueConfig;
  /** A monotonic millisecond clock for receive stamps and ages; performance.now by default. */
  readonly clock?: () => number;
  /** Runs the next pump turn after the current I/O; setImmediate by default (tests hold turns back with their own). */
  readonly schedule?: (run: () => void) => void;
}

interface Listening {
  readonly socket: BoundSocket;
  arrival: Arrival;
}

interface Queued {
  readonly data: Uint8Array;
  readonly socket: BoundSocket;
  readonly arrival: Arrival;
}

export class DhcpSockets {
  private readonly server: Pick<DhcpServer, 'handle' | 'stats'>;
  private readonly port: number;
  private readonly log: (line: string) => void;
  private readonly listening = new Map<string, Listening>();
  private readonly pump: PacketPump<Queued>;

  constructor(options: DhcpSocketsOptions) {
    this.server = options.server;
    this.port = options.port;
    this.log = options.log;
    const { clock, schedule } = options;
    this.pump = new PacketPump<Queued>({ limits: options.queue ?? defaultDhcpQueue, dropped: options.server.stats.dropped, answer: this.answer, ...(clock ? { clock } : {}), ...(schedule ? { schedule } : {}) });
  }

  /** The interfaces listened on now. */
  interfaces(): string[] {
    return [...this.listening.keys()];
  }

  /** Datagrams read and waiting for the server now. */
  get waiting(): number {
    return this.pump.waiting;
  }

  /**
   * Listens on `ifname` unless it already does (in namespace `netns`, a
   * segment's own: its interface names are unique, one VNI each); throws
   * when the socket cannot be opened.
   */
  async open(ifname: string, netns?: string): Promise<void> {
    if (this.listening.has(ifname)) return;
    let entry: Listening | undefined;
    const socket = await openUdpSocket(
      ifname,
      this.port,
      (datagrams, receivedAt) => {
        if (entry) this.receive(entry, datagrams, receivedAt);
      },
      this.pump.clock,
      netns,
    );
    entry = { socket, arrival: { ifname, ifaddr: undefined } };
    this.listening.set(ifname, entry);
    this.log(`dhcp: listening on ${ifname}${netns ? ` in ${netns}` : ''} port ${this.port}${socket.batched ? '' : ' (one datagram per read: the native addon is not built)'}`);
  }

  /** Reads each interface's first address again (one listing of the host's interfaces for all). */
  refreshAddresses(): void {
    const snapshot = networkInterfaces();
    for (const [ifname, entry] of this.listening) entry.arrival = { ifname, ifaddr: interfaceAddresses(ifname, snapshot)[0]?.address };
  }

  /** Stops listening on `ifname` (its device was replaced: the socket is bound to the old one). */
  async close(ifname: string): Promise<void> {
    await this.closeExcept(new Set([...this.listening.keys()].filter((name) => name !== ifname)));
  }

  /** Stops listening on every interface not in `inUse`. */
  async closeExcept(inUse: ReadonlySet<string | undefined>): Promise<void> {
    for (const [ifname, { socket }] of this.listening) {
      if (inUse.has(ifname)) continue;
      this.listening.delete(ifname);
      await socket.close();
      this.log(`dhcp: stopped listening on ${ifname}`);
    }
  }

  async closeAll(): Promise<void> {
    const sockets = [...this.listening.values()].map((l) => l.socket);
    this.listening.clear();
    await Promise.all(sockets.map((s) => s.close()));
  }

  /** Called from the socket's read (inside the addon's callback): queue only, never throw, never handle here. */
  private receive({ socket, arrival }: Listening, datagrams: readonly Uint8Array[], receivedAt: number): void {
    for (const data of datagrams) this.pump.push({ data, socket, arrival }, receivedAt, completesExchange(data));
  }

  /** The hot path's two ends: the datagram to the server, its reply out of the socket that heard it. */
  private readonly answer = async ({ data, socket, arrival }: Queued): Promise<void> => {
    const reply = await this.server.handle(data, arrival);
    if (reply) socket.send(reply.bytes, reply.port, reply.address).catch(this.sendFailed);
  };

  private readonly sendFailed = (): void => this.server.stats.count('send-error');
}
