/**
 * The DHCP server's sockets: one per interface in use (udp-socket.ts), and
 * both ends of the hot path. A datagram goes from its socket to
 * `DhcpServer.handle` with the interface it came in on (decode, scope,
 * allocate, write, reply: dhcp/server.ts), and the reply, if any, leaves
 * through the same socket. Nothing on the way calls back up into the agent.
 *
 * Each interface's first address is cached in its `Arrival` (the server
 * identifier for relayed clients) and refreshed by `refreshAddresses` at
 * every reconcile: listing the host's interfaces per packet cost a quarter
 * of the agent's CPU under load. An `Arrival` is replaced, never changed,
 * so a packet in flight keeps the one it came with.
 */
import { networkInterfaces } from 'node:os';
import type { Arrival, DhcpServer } from '../dhcp/server.js';
import { interfaceAddresses } from './interfaces.js';
import { openUdpSocket, type BoundSocket } from './udp-socket.js';

export interface DhcpSocketsOptions {
  /** Where datagrams go and replies come from; a failed send is counted in its stats (`send-error`). */
  readonly server: Pick<DhcpServer, 'handle' | 'stats'>;
  /** The UDP port to listen on (67). */
  readonly port: number;
  readonly log: (line: string) => void;
}

interface Listening {
  readonly socket: BoundSocket;
  arrival: Arrival;
}

export class DhcpSockets {
  private readonly server: Pick<DhcpServer, 'handle' | 'stats'>;
  private readonly port: number;
  private readonly log: (line: string) => void;
  private readonly listening = new Map<string, Listening>();

  constructor(options: DhcpSocketsOptions) {
    this.server = options.server;
    this.port = options.port;
    this.log = options.log;
  }

  /** The interfaces listened on now. */
  interfaces(): string[] {
    return [...this.listening.keys()];
  }

  /** Listens on `ifname` unless it already does; throws when the socket cannot be opened. */
  async open(ifname: string): Promise<void> {
    if (this.listening.has(ifname)) return;
    let entry: Listening | undefined;
    const socket = await openUdpSocket(ifname, this.port, (data) => {
      if (entry) this.answer(entry, data);
    });
    entry = { socket, arrival: { ifname, ifaddr: undefined } };
    this.listening.set(ifname, entry);
    this.log(`dhcp: listening on ${ifname} port ${this.port}`);
  }

  /** Reads each interface's first address again (one listing of the host's interfaces for all). */
  refreshAddresses(): void {
    const snapshot = networkInterfaces();
    for (const [ifname, entry] of this.listening) entry.arrival = { ifname, ifaddr: interfaceAddresses(ifname, snapshot)[0]?.address };
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

  /** The hot path's two ends: the datagram to the server, its reply out of the socket that heard it. */
  private answer({ socket, arrival }: Listening, data: Uint8Array): void {
    void this.server.handle(data, arrival).then((reply) => {
      if (reply) socket.send(reply.bytes, reply.port, reply.address).catch(this.sendFailed);
    });
  }

  private readonly sendFailed = (): void => this.server.stats.count('send-error');
}
