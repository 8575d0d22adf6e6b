/**
 * The router advertisements of one interface: its socket (net/icmp6-socket.ts),
 * the advertisement now (advertisement.ts, replaced when the network
 * changes), and the timers of RFC 4861 6.2.4 and 6.2.6 (schedule.ts):
 * the first advertisement as soon as the socket opens, then every
 * [MinRtrAdvInterval, MaxRtrAdvInterval], the first three at most 16 s
 * apart (again after a change of what is advertised), and an answer to a
 * Router Solicitation after up to 500 ms, at least 3 s after the last.
 * Every advertisement goes to ff02::1. A socket that cannot open yet
 * (no link-local address past DAD) is tried again every second.
 */
import { decodeNdp, encodeNdp, NdpDecodeError, NdpType, type NdpRouterAdvertisement } from '@leasehold/protocol';
import type { Icmp6Socket, SolicitationHandler } from '../net/icmp6-socket.js';
import { MIN_DELAY_BETWEEN_RAS_MS, solicitedAt, unsolicitedDelayMs } from './schedule.js';
import type { RaSentKind, RaStats } from './stats.js';

/** ff02::1, All-Nodes. */
const ALL_NODES = Uint8Array.from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const REOPEN_MS = 1000;

export interface RaLinkOptions {
  readonly ifname: string;
  readonly netns?: string | undefined;
  readonly open: (ifname: string, onSolicitation: SolicitationHandler, netns?: string) => Icmp6Socket;
  readonly maxIntervalS: number;
  readonly stats: RaStats;
  readonly log: (line: string) => void;
  readonly now?: () => number;
  readonly random?: () => number;
}

export class RaLink {
  private socket: Icmp6Socket | undefined;
  private advertisement: NdpRouterAdvertisement;
  private bytes: Uint8Array;
  /** Unsolicited advertisements since the socket opened or the content changed (the first three come faster). */
  private initial = 0;
  private lastMulticastAt: number | undefined;
  private nextAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private solicited: NodeJS.Timeout | undefined;
  private reopen: NodeJS.Timeout | undefined;
  private closed = false;
  private lastOpenError = '';
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly options: RaLinkOptions,
    advertisement: NdpRouterAdvertisement,
  ) {
    this.advertisement = advertisement;
    this.bytes = encodeNdp(advertisement);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.tryOpen();
  }

  /** Advertises `advertisement` from now on; a change is sent soon, as a new link's first ones (RFC 4861 6.2.4). */
  update(advertisement: NdpRouterAdvertisement): void {
    const bytes = encodeNdp(advertisement);
    if (Buffer.from(bytes).equals(this.bytes)) return;
    this.advertisement = advertisement;
    this.bytes = bytes;
    this.initial = 0;
    if (this.socket) this.schedule(this.earliestMulticast());
  }

  /** Stops; a router that advertised itself says it no longer is one (router lifetime 0, RFC 4861 6.2.5). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.solicited);
    clearTimeout(this.reopen);
    if (this.socket && this.advertisement.routerLifetime > 0) {
      this.send(encodeNdp({ ...this.advertisement, routerLifetime: 0 }), 'final');
    }
    this.socket?.close();
    this.socket = undefined;
  }

  private tryOpen(): void {
    if (this.closed) return;
    try {
      this.socket = this.options.open(this.options.ifname, (data, source, hopLimit) => this.solicitation(data, source, hopLimit), this.options.netns);
    } catch (error) {
      const message = (error as Error).message;
      // Logged once per reason: an interface waiting for its link-local address tries every second.
      if (message !== this.lastOpenError) this.options.log(`ra: cannot advertise on ${this.options.ifname} yet: ${message}`);
      this.lastOpenError = message;
      this.reopen = setTimeout(() => this.tryOpen(), REOPEN_MS).unref();
      return;
    }
    this.options.log(`ra: advertising on ${this.options.ifname}`);
    this.multicast('unsolicited');
  }

  private solicitation(data: Uint8Array, source: Uint8Array, hopLimit: number): void {
    const { stats } = this.options;
    let rs;
    try {
      rs = decodeNdp(data);
    } catch (error) {
      if (!(error instanceof NdpDecodeError)) throw error;
      stats.solicitations.malformed++;
      return;
    }
    const unspecified = source.every((b) => b === 0);
    if (rs.type !== NdpType.RouterSolicitation || hopLimit !== 255 || (unspecified && rs.options.some((o) => o.type === 1))) {
      stats.solicitations.invalid++;
      return;
    }
    stats.solicitations.answered++;
    if (this.solicited !== undefined || this.socket === undefined) return;
    const at = solicitedAt(this.now(), this.random(), this.lastMulticastAt, this.nextAt);
    if (at === undefined) return;
    this.solicited = setTimeout(
      () => {
        this.solicited = undefined;
        this.multicast('solicited');
      },
      Math.max(0, at - this.now()),
    ).unref();
  }

  /** Sends the advertisement to ff02::1 now and schedules the next unsolicited one. */
  private multicast(kind: RaSentKind): void {
    if (this.closed || !this.socket) return;
    this.send(this.bytes, kind);
    this.lastMulticastAt = this.now();
    this.initial++;
    this.schedule(this.now() + unsolicitedDelayMs(this.initial, this.options.maxIntervalS, this.random()));
  }

  private schedule(at: number): void {
    clearTimeout(this.timer);
    this.nextAt = at;
    this.timer = setTimeout(() => this.multicast('unsolicited'), Math.max(0, at - this.now())).unref();
  }

  /** Now, unless the last multicast was under 3 s ago (RFC 4861 6.2.6's rate limit applies to every multicast). */
  private earliestMulticast(): number {
    return this.lastMulticastAt === undefined ? this.now() : Math.max(this.now(), this.lastMulticastAt + MIN_DELAY_BETWEEN_RAS_MS);
  }

  private send(bytes: Uint8Array, kind: RaSentKind): void {
    const { stats } = this.options;
    if (this.socket!.send(bytes, ALL_NODES)) stats.sent[kind]++;
    else stats.sendErrors++;
  }
}
