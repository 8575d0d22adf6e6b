/**
 * The DHCPv6 server's sockets: one per served interface, a plain udp6 socket
 * bound to ff02::1:2 (All_DHCP_Relay_Agents_and_Servers) scoped to its
 * interface and a member of that group there. The scope binds the socket to
 * the interface (Linux sets SO_BINDTODEVICE for a scoped bind), so it hears
 * that link's clients only and its replies leave through it; bound to the
 * group, it hears no unicast (this server never offers SERVER_UNICAST, so
 * clients do not send any, RFC 8415 18.4). On each relay interface a socket
 * is bound the same way to ff05::1:3 (All_DHCP_Servers), where a relay agent
 * such as `dhcrelay -6` sends its RELAY-FORWs by default; apart from the
 * clients' group, so a relay's message is never heard twice. VXLAN
 * networks' namespaces are not served yet (docs/ipv6.md).
 *
 * At most `maxInFlight` datagrams are with the server at once; the rest are
 * dropped and counted (`stats.dropped`), never queued without bound.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Dhcp6Arrival, Dhcp6Reply } from '../dhcp6/server.js';
import type { Dhcp6Stats } from '../dhcp6/stats.js';

const ALL_DHCP_AGENTS = 'ff02::1:2';
const ALL_DHCP_SERVERS = 'ff05::1:3';

/** One socket: the interface, the group it hears, and whether that is relays'. */
interface Listen {
  readonly ifname: string;
  readonly group: string;
  readonly relay: boolean;
}

export interface Dhcp6SocketsOptions {
  readonly server: { handle(data: Uint8Array, arrival: Dhcp6Arrival): Promise<Dhcp6Reply | undefined>; readonly stats: Dhcp6Stats };
  /** The UDP port to listen on (547). */
  readonly port: number;
  readonly log: (line: string) => void;
  /** Datagrams with the server at once before more are dropped; 256 by default. */
  readonly maxInFlight?: number;
}

export class Dhcp6Sockets {
  private readonly listening = new Map<string, Socket>();
  private inFlight = 0;

  constructor(private readonly options: Dhcp6SocketsOptions) {}

  /** The interfaces listened on now. */
  interfaces(): string[] {
    return [...this.listening.keys()];
  }

  /**
   * Listens for clients on exactly `ifnames` and for relays on exactly
   * `relayIfnames`: opens the missing sockets (a failure is logged, the
   * others still open), closes the rest.
   */
  async listenOn(ifnames: ReadonlySet<string>, relayIfnames: ReadonlySet<string> = new Set()): Promise<void> {
    const wanted = new Map<string, Listen>([...ifnames].map((ifname) => [ifname, { ifname, group: ALL_DHCP_AGENTS, relay: false }]));
    for (const ifname of relayIfnames) wanted.set(`${ifname} relays`, { ifname, group: ALL_DHCP_SERVERS, relay: true });
    for (const [key, listen] of wanted) {
      if (this.listening.has(key)) continue;
      await this.open(key, listen).catch((e: Error) => this.options.log(`dhcp6: cannot listen on ${listen.ifname} [${listen.group}]: ${e.message}`));
    }
    for (const [key, socket] of this.listening) {
      if (wanted.has(key)) continue;
      this.listening.delete(key);
      socket.close();
      this.options.log(`dhcp6: stopped listening on ${key}`);
    }
  }

  async closeAll(): Promise<void> {
    const sockets = [...this.listening.values()];
    this.listening.clear();
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private async open(key: string, { ifname, group, relay }: Listen): Promise<void> {
    const socket = createSocket({ type: 'udp6', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: this.options.port, address: `${group}%${ifname}` }, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      socket.close();
      throw error;
    });
    try {
      socket.addMembership(group, `::%${ifname}`);
    } catch (error) {
      socket.close();
      throw error;
    }
    socket.on('error', (e) => this.options.log(`dhcp6: socket on ${ifname}: ${e.message}`));
    socket.on('message', (data, rinfo) => this.receive(socket, key, { ifname, address: rinfo.address, port: rinfo.port, unicast: false, relay }, data));
    this.listening.set(key, socket);
    this.options.log(`dhcp6: listening on ${ifname} [${group}]:${this.options.port}${relay ? ' for relays' : ''}`);
  }

  private receive(socket: Socket, key: string, heard: Dhcp6Arrival, data: Uint8Array): void {
    const { server } = this.options;
    if (this.inFlight >= (this.options.maxInFlight ?? 256)) {
      server.stats.dropped++;
      return;
    }
    this.inFlight++;
    // A link-local source comes with its scope from Node; without one, the reply could not find its link.
    const { address: source, ifname } = heard;
    const address = source.startsWith('fe80') && !source.includes('%') ? `${source}%${ifname}` : source;
    void server.handle(data, { ...heard, address }).then((reply) => {
      this.inFlight--;
      if (reply && this.listening.get(key) === socket) {
        socket.send(reply.bytes, reply.port, reply.address, (error) => {
          if (error) server.stats.count('send-error');
        });
      }
    });
  }
}
