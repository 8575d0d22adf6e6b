/**
 * A DHCP load generator of many simulated clients behind one relay: each
 * client runs DORA the way a real one does (RFC 2131 4.4: DISCOVER, take the
 * first OFFER, REQUEST with server identifier, retransmit after 1 s, give
 * up after 3 retransmissions and start over with a new xid; renew later by a
 * REQUEST with ciaddr to its server, then to every server when that one is
 * silent). As a relay it stamps giaddr and sends each client message to every
 * configured server (renewals only to the server of the lease), so the
 * agents answer it at giaddr:67.
 *
 * The generator is transport-free and clock-free: `tick(now)` and
 * `receive(bytes, now)` drive it, `send` carries its datagrams. It records
 * every ACK a client received (ip, xid, when, from which server), which is
 * what a fault test checks the journal against, and every request: when a
 * client began wanting a lease or a renewal, so that a wait still unanswered
 * is seen too, not only the waits an ACK ended. Bounded: at most
 * `maxClients` clients, and none starts after `stopStarting(at)`.
 */
import {
  BootOp,
  DhcpMessageType,
  DhcpOptionCode,
  decodeDhcp,
  encodeDhcp,
  formatIpv4,
  getOption,
  messageType,
  parseIpv4,
  type DhcpMessage,
  type DhcpOption,
  type Ipv4,
} from '@leasehold/protocol';
import type { AckRecord, LoadConfig, LoadStats, NakRecord, RequestRecord } from './loadgen-records.js';

type Phase = 'selecting' | 'requesting' | 'renewing' | 'rebinding' | 'bound';

interface Client {
  readonly index: number;
  readonly mac: string;
  readonly chaddr: Uint8Array;
  phase: Phase;
  xid: number;
  /** The datagram last sent and where, for retransmission. */
  packet: Uint8Array;
  to: readonly string[];
  sentAt: number;
  tries: number;
  /** When the exchange began (its first transmission). */
  exchangeAt: number;
  /** When the client began wanting a lease (kept when an exchange is abandoned and started over). */
  wantedAt: number;
  /** The id of that request. */
  request: number;
  ip?: Ipv4;
  server?: Ipv4;
  renewAt?: number;
}

export type Send = (bytes: Uint8Array, address: string) => void;

export const DEFAULT_RETRY_MS = 1000;
export const DEFAULT_RETRIES = 3;
const PARAMETERS = [1, 3, 6, 15, 26, 28, 51, 54];

/** The MAC of client `index` under `prefix`. Pure. */
export function clientMac(prefix: readonly [number, number, number], index: number): string {
  return [...prefix, (index >>> 16) & 255, (index >>> 8) & 255, index & 255].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export class LoadGenerator {
  readonly acks: AckRecord[] = [];
  readonly naks: NakRecord[] = [];
  readonly requests: RequestRecord[] = [];
  private readonly clients: Client[] = [];
  private readonly byXid = new Map<number, Client>();
  private readonly giaddr: Ipv4;
  private readonly retryMs: number;
  private readonly retries: number;
  private startedAt: number | undefined;
  private stopAt = Number.POSITIVE_INFINITY;
  private counts = { sent: 0, retransmits: 0, restarts: 0, ignored: 0 };
  /** Listeners for each request, ACK and NAK as it is recorded (the process prints them). */
  onRequest: (request: RequestRecord) => void = () => {};
  onAck: (ack: AckRecord) => void = () => {};
  onNak: (nak: NakRecord) => void = () => {};

  constructor(
    private readonly config: LoadConfig,
    private readonly send: Send,
    private readonly random: () => number = Math.random,
  ) {
    if (config.maxClients > 1 << 24) throw new RangeError('at most 16,777,216 clients (three MAC bytes)');
    this.giaddr = parseIpv4(config.giaddr);
    this.retryMs = config.retryMs ?? DEFAULT_RETRY_MS;
    this.retries = config.retries ?? DEFAULT_RETRIES;
  }

  /** No new client starts at or after `at`; exchanges in flight and renewals go on. */
  stopStarting(at: number): void {
    this.stopAt = Math.min(this.stopAt, at);
  }

  /**
   * Starts a renewal of every bound client now (spread over `spreadMs`),
   * whatever `renewAfterMs` says. Returns how many clients hold a lease:
   * the bound ones and those already renewing or rebinding on their own
   * timer (they renew too), so a caller can wait for that many renewals.
   */
  renewAll(now: number, spreadMs = 0): number {
    const bound = this.clients.filter((c) => c.phase === 'bound');
    bound.forEach((c, i) => (c.renewAt = now + (bound.length > 1 ? (spreadMs * i) / (bound.length - 1) : 0)));
    return bound.length + this.clients.filter((c) => c.phase === 'renewing' || c.phase === 'rebinding').length;
  }

  /** Starts due clients, renewals and retransmissions. Call it often (every few ms). */
  tick(now: number): void {
    this.startedAt ??= now;
    if (now < this.stopAt) {
      const due = Math.min(this.config.maxClients, Math.floor(((now - this.startedAt) / 1000) * this.config.rate) + 1);
      while (this.clients.length < due) this.startClient(now);
    }
    for (const client of this.clients) {
      if (client.phase === 'bound') {
        if (client.renewAt !== undefined && now >= client.renewAt) {
          if (this.random() < (this.config.rebootShare ?? 0)) {
            this.want(client, 'bind', now);
            this.discover(client, now);
          } else {
            this.renew(client, now);
          }
        }
        continue;
      }
      if (now - client.sentAt < this.retryMs) continue;
      if (client.tries <= this.retries) {
        this.transmit(client, now, true);
      } else if (client.phase === 'renewing') {
        // RFC 2131 4.4.5: past T2 (here: when the server stays silent) the client broadcasts, so every server hears it.
        client.phase = 'rebinding';
        client.tries = 0;
        client.to = this.config.servers;
        this.transmit(client, now, false);
      } else if (client.phase === 'rebinding') {
        client.tries = 0;
        this.transmit(client, now, false);
      } else {
        this.counts.restarts++;
        this.discover(client, now);
      }
    }
  }

  /** Takes one datagram the servers sent to the relay. Never throws. */
  receive(bytes: Uint8Array, now: number): void {
    let msg: DhcpMessage;
    try {
      msg = decodeDhcp(bytes);
    } catch {
      this.counts.ignored++;
      return;
    }
    const client = this.byXid.get(msg.xid);
    const type = messageType(msg);
    if (msg.op !== BootOp.Reply || !client || client.xid !== msg.xid || !sameBytes(client.chaddr, msg.chaddr)) {
      this.counts.ignored++;
      return;
    }
    const server = getOption(msg, DhcpOptionCode.ServerIdentifier);
    if (client.phase === 'selecting' && type === DhcpMessageType.Offer && server !== undefined && msg.yiaddr !== 0) {
      client.ip = msg.yiaddr;
      client.server = server;
      client.phase = 'requesting';
      client.packet = this.packet(client, DhcpMessageType.Request, [
        { code: DhcpOptionCode.RequestedIpAddress, value: msg.yiaddr },
        { code: DhcpOptionCode.ServerIdentifier, value: server },
      ]);
      client.to = this.config.servers;
      client.tries = 0;
      this.transmit(client, now, false);
      return;
    }
    const renewal = client.phase === 'renewing' || client.phase === 'rebinding';
    if ((client.phase === 'requesting' || renewal) && type === DhcpMessageType.Ack && msg.yiaddr === client.ip) {
      const ack: AckRecord = {
        client: client.index,
        request: client.request,
        mac: client.mac,
        ip: formatIpv4(msg.yiaddr),
        xid: msg.xid,
        at: now,
        server: formatIpv4(server ?? 0),
        kind: renewal ? 'renew' : 'bind',
        latencyMs: now - client.exchangeAt,
        waitMs: now - client.wantedAt,
      };
      client.server = server ?? client.server;
      client.phase = 'bound';
      client.renewAt = this.config.renewAfterMs === undefined ? undefined : now + this.config.renewAfterMs;
      this.byXid.delete(client.xid);
      this.acks.push(ack);
      this.onAck(ack);
      return;
    }
    if ((client.phase === 'requesting' || renewal) && type === DhcpMessageType.Nak) {
      const nak: NakRecord = { client: client.index, request: client.request, mac: client.mac, at: now, during: renewal ? 'renew' : 'request', ip: formatIpv4(client.ip ?? 0) };
      this.naks.push(nak);
      this.onNak(nak);
      // RFC 2131 4.4.1: a NAK sends the client back to INIT.
      this.want(client, 'bind', now);
      this.discover(client, now);
      return;
    }
    // Another server's OFFER, a late answer to a retransmission, ...
    this.counts.ignored++;
  }

  /** Counters now. */
  stats(): LoadStats {
    let bound = 0;
    let busy = 0;
    for (const c of this.clients) {
      if (c.phase === 'bound') bound++;
      else busy++;
    }
    return { started: this.clients.length, bound, busy, acks: this.acks.length, naks: this.naks.length, ...this.counts };
  }

  /** Every client with its latest bound address (undefined while it holds none). */
  holdings(): { client: number; mac: string; ip: string | undefined }[] {
    return this.clients.map((c) => ({ client: c.index, mac: c.mac, ip: c.phase === 'bound' || c.phase === 'renewing' || c.phase === 'rebinding' ? formatIpv4(c.ip!) : undefined }));
  }

  private startClient(now: number): void {
    const index = this.clients.length;
    const mac = clientMac(this.config.macPrefix, index);
    const client: Client = {
      index,
      mac,
      chaddr: Uint8Array.from(mac.split(':').map((h) => Number.parseInt(h, 16))),
      phase: 'selecting',
      xid: 0,
      packet: new Uint8Array(0),
      to: [],
      sentAt: now,
      tries: 0,
      exchangeAt: now,
      wantedAt: now,
      request: -1,
    };
    this.clients.push(client);
    this.want(client, 'bind', now);
    this.discover(client, now);
  }

  private discover(client: Client, now: number): void {
    this.newXid(client);
    client.phase = 'selecting';
    client.ip = undefined;
    client.server = undefined;
    client.renewAt = undefined;
    client.packet = this.packet(client, DhcpMessageType.Discover, []);
    client.to = this.config.servers;
    client.tries = 0;
    client.exchangeAt = now;
    this.transmit(client, now, false);
  }

  private renew(client: Client, now: number): void {
    this.newXid(client);
    client.phase = 'renewing';
    client.renewAt = undefined;
    this.want(client, 'renew', now);
    client.packet = this.packet(client, DhcpMessageType.Request, [], client.ip);
    const server = client.server === undefined ? undefined : formatIpv4(client.server);
    client.to = server !== undefined && this.config.servers.includes(server) ? [server] : this.config.servers;
    client.tries = 0;
    client.exchangeAt = now;
    this.transmit(client, now, false);
  }

  /** The client begins wanting a lease or a renewal now: a new request, recorded. */
  private want(client: Client, kind: RequestRecord['kind'], now: number): void {
    const request: RequestRecord = { id: this.requests.length, client: client.index, mac: client.mac, kind, at: now };
    client.wantedAt = now;
    client.request = request.id;
    this.requests.push(request);
    this.onRequest(request);
  }

  private newXid(client: Client): void {
    this.byXid.delete(client.xid);
    let xid: number;
    do xid = Math.floor(this.random() * 0x1_0000_0000) >>> 0;
    while (xid === 0 || this.byXid.has(xid));
    client.xid = xid;
    this.byXid.set(xid, client);
  }

  private transmit(client: Client, now: number, retransmission: boolean): void {
    client.sentAt = now;
    client.tries++;
    if (retransmission) this.counts.retransmits++;
    for (const to of client.to) {
      this.counts.sent++;
      this.send(client.packet, to);
    }
  }

  private packet(client: Client, type: number, extra: readonly DhcpOption[], ciaddr: Ipv4 = 0): Uint8Array {
    const options: DhcpOption[] = [{ code: DhcpOptionCode.MessageType, value: type }, ...extra];
    if (this.config.hostnamePrefix !== undefined) options.push({ code: DhcpOptionCode.HostName, value: `${this.config.hostnamePrefix}${client.index}` });
    options.push({ code: DhcpOptionCode.ParameterRequestList, value: PARAMETERS });
    return encodeDhcp({
      op: BootOp.Request,
      htype: 1,
      hops: 1,
      xid: client.xid,
      secs: 0,
      flags: 0,
      ciaddr,
      yiaddr: 0,
      siaddr: 0,
      giaddr: this.giaddr,
      chaddr: client.chaddr,
      sname: '',
      file: '',
      options,
    });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
