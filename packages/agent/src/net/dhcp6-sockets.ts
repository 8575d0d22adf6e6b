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
 * clients' group, so a relay's message is never heard twice. A VXLAN
 * network's socket is made inside its namespace (qdhcp-<network>) on its
 * device there, through the addon (udp6-netns.ts): the same group, scope
 * and membership, but a tenant's link-local senders never meet the agent's
 * namespace, whose interface indexes dgram would name them by.
 *
 * Under overload this sheds load as the DHCPv4 sockets do (issue 19): each
 * datagram is stamped when read and waits in the DHCPv4 server's packet
 * queue (packet-pump.ts), bounded by count and by age, the oldest dropped
 * and counted per reason (`stats.dropped`), REQUEST, RENEW, REBIND, RELEASE
 * and DECLINE taken before SOLICIT and INFORMATION-REQUEST
 * (dhcp6/queue-priority.ts), at most `maxInFlight` with the server at once.
 * As the DHCPv4 sockets, they are the addon's (udp6-netns.ts, in the
 * agent's own namespace too): a 4 MiB receive buffer (SO_RCVBUFFORCE; the
 * kernel's default, about 208 KiB, overflowed at 1,000 exchanges a second
 * on a busy host) read whole at every wakeup (recvmmsg), so datagrams wait
 * in the queue, where their age is known and bounded, not unseen in the
 * kernel's buffer. Without the addon a flat socket is dgram's, asking for
 * the same buffer through SO_RCVBUF (capped by `net.core.rmem_max`).
 */
import { createSocket } from 'node:dgram';
import { defaultDhcpQueue, type DhcpQueueConfig } from '../dhcp/packet-queue.js';
import { dhcp6CompletesExchange } from '../dhcp6/queue-priority.js';
import type { Dhcp6Arrival, Dhcp6Reply } from '../dhcp6/server.js';
import type { Dhcp6Stats } from '../dhcp6/stats.js';
import { PacketPump } from './packet-pump.js';
import { nativeNet } from './udp-socket.js';
import { openUdp6InNamespace } from './udp6-netns.js';

const ALL_DHCP_AGENTS = 'ff02::1:2';
const ALL_DHCP_SERVERS = 'ff05::1:3';
/** Each socket's receive buffer, as the DHCPv4 sockets' (udp-socket.ts, native/lh_net.c). */
const RECEIVE_BUFFER = 4 << 20;

/** One socket: the interface, the group it hears, whether that is relays', and the namespace of a VXLAN network's. */
interface Listen {
  readonly ifname: string;
  readonly group: string;
  readonly relay: boolean;
  readonly netns?: string;
}

/** An open socket, whatever made it: a reply goes out through the socket that heard its request. */
interface Listening {
  /** Sends; a failure is counted as `send-error`, never thrown. */
  send(reply: Dhcp6Reply): void;
  close(): Promise<void>;
}

export interface Dhcp6SocketsOptions {
  readonly server: { handle(data: Uint8Array, arrival: Dhcp6Arrival): Promise<Dhcp6Reply | undefined>; readonly stats: Dhcp6Stats };
  /** The UDP port to listen on (547). */
  readonly port: number;
  readonly log: (line: string) => void;
  /** The packet queue's bounds (the DHCPv4 server's setting, `agent.dhcp_queue`); `defaultDhcpQueue` when unset. */
  readonly queue?: DhcpQueueConfig;
  /** A monotonic millisecond clock for receive stamps and ages; performance.now by default. */
  readonly clock?: () => number;
  /** Runs the next pump turn after the current I/O; setImmediate by default (tests hold turns back with their own). */
  readonly schedule?: (run: () => void) => void;
}

/** A datagram waiting for the server, with the socket (and its key) its reply leaves through. */
interface Queued {
  readonly data: Uint8Array;
  readonly socket: Listening;
  readonly key: string;
  readonly arrival: Dhcp6Arrival;
}

export class Dhcp6Sockets {
  private readonly listening = new Map<string, Listening>();
  private readonly pump: PacketPump<Queued>;

  constructor(private readonly options: Dhcp6SocketsOptions) {
    const { clock, schedule } = options;
    this.pump = new PacketPump<Queued>({ limits: options.queue ?? defaultDhcpQueue, dropped: options.server.stats.dropped, answer: this.answer, ...(clock ? { clock } : {}), ...(schedule ? { schedule } : {}) });
  }

  /** Datagrams read and waiting for the server now. */
  get waiting(): number {
    return this.pump.waiting;
  }

  /** The interfaces listened on now (`ifname@netns` for one in a namespace). */
  interfaces(): string[] {
    return [...this.listening.keys()];
  }

  /**
   * Listens for clients on exactly `ifnames` (of the agent's namespace) and
   * `namespaced` (interface → its namespace: VXLAN networks' devices), and
   * for relays on exactly `relayIfnames`: opens the missing sockets (a
   * failure is logged, the others still open), closes the rest. A socket in
   * a namespace of `renewed` (made anew since it opened: it hears nothing
   * any more) is opened again.
   */
  async listenOn(
    ifnames: ReadonlySet<string>,
    relayIfnames: ReadonlySet<string> = new Set(),
    namespaced: ReadonlyMap<string, string> = new Map(),
    renewed: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    const wanted = new Map<string, Listen>([...ifnames].map((ifname) => [ifname, { ifname, group: ALL_DHCP_AGENTS, relay: false }]));
    for (const ifname of relayIfnames) wanted.set(`${ifname} relays`, { ifname, group: ALL_DHCP_SERVERS, relay: true });
    for (const [ifname, netns] of namespaced) wanted.set(`${ifname}@${netns}`, { ifname, group: ALL_DHCP_AGENTS, relay: false, netns });
    for (const [key, listen] of wanted) {
      if (this.listening.has(key) && !(listen.netns !== undefined && renewed.has(listen.netns))) continue;
      await this.stop(key);
      await this.open(key, listen).catch((e: Error) => this.options.log(`dhcp6: cannot listen on ${listen.ifname}${listen.netns ? ` in ${listen.netns}` : ''} [${listen.group}]: ${e.message}`));
    }
    for (const key of [...this.listening.keys()]) {
      if (wanted.has(key)) continue;
      await this.stop(key);
      this.options.log(`dhcp6: stopped listening on ${key}`);
    }
  }

  async closeAll(): Promise<void> {
    const sockets = [...this.listening.values()];
    this.listening.clear();
    await Promise.all(sockets.map((s) => s.close()));
  }

  private async stop(key: string): Promise<void> {
    const socket = this.listening.get(key);
    this.listening.delete(key);
    await socket?.close();
  }

  private async open(key: string, listen: Listen): Promise<void> {
    const { ifname, group, relay, netns } = listen;
    // The addon reads a whole burst per wakeup, so the queue sees (and ages) every waiting datagram; dgram reads 32 at a time and leaves the rest unseen in the kernel.
    if (netns !== undefined || nativeNet()?.openBatched6) {
      const { server } = this.options;
      let listening: Listening | undefined = undefined;
      const socket = openUdp6InNamespace(netns, ifname, this.options.port, group, (data, from) => {
        if (listening) this.receive(listening, key, { ifname, address: from.address, port: from.port, unicast: false, relay }, data);
      });
      listening = {
        send: (reply) => {
          try {
            socket.send(reply.bytes, reply.port, reply.address);
          } catch {
            server.stats.count('send-error');
          }
        },
        close: async () => socket.close(),
      };
      this.listening.set(key, listening);
      this.options.log(`dhcp6: listening on ${ifname}${netns !== undefined ? ` in ${netns}` : ''} [${group}]:${this.options.port}${relay ? ' for relays' : ''}`);
      return;
    }
    const socket = createSocket({ type: 'udp6', reuseAddr: true, recvBufferSize: RECEIVE_BUFFER });
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
    const { stats } = this.options.server;
    const listening: Listening = {
      send: (reply) =>
        socket.send(reply.bytes, reply.port, reply.address, (error) => {
          if (error) stats.count('send-error');
        }),
      close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
    };
    socket.on('message', (data, rinfo) => this.receive(listening, key, { ifname, address: rinfo.address, port: rinfo.port, unicast: false, relay }, data));
    this.listening.set(key, listening);
    this.options.log(`dhcp6: listening on ${ifname} [${group}]:${this.options.port}${relay ? ' for relays' : ''} (one datagram per read: the native addon is not built)`);
  }

  /** Called as each datagram is read: stamped and queued, never handled here. */
  private receive(socket: Listening, key: string, heard: Dhcp6Arrival, data: Uint8Array): void {
    // A link-local source comes with its scope from Node; without one, the reply could not find its link.
    const { address: source, ifname } = heard;
    const address = source.startsWith('fe80') && !source.includes('%') ? `${source}%${ifname}` : source;
    this.pump.push({ data, socket, key, arrival: { ...heard, address } }, this.pump.clock(), dhcp6CompletesExchange(data));
  }

  /** The datagram to the server; its reply out of the socket that heard it, unless that socket closed meanwhile. */
  private readonly answer = async ({ data, socket, key, arrival }: Queued): Promise<void> => {
    const reply = await this.options.server.handle(data, arrival);
    if (reply && this.listening.get(key) === socket) socket.send(reply);
  };
}
