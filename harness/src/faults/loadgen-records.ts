/**
 * What the DHCP load generator (loadgen.ts) is given and what it records:
 * its configuration, each request a client began, each ACK and NAK that
 * ended one, and its counters. Plain data, which the load process
 * (loadgen-process.ts) carries across and the fault checks (checks.ts) read.
 */

export interface LoadConfig {
  /** The DHCP servers' addresses (the agents the relay forwards to). */
  readonly servers: readonly string[];
  /** The relay's address on the clients' subnet (giaddr: it selects the subnet). */
  readonly giaddr: string;
  /** New clients started per second. */
  readonly rate: number;
  /** Clients ever started (each a distinct MAC). */
  readonly maxClients: number;
  /** Three bytes that start every MAC (the rest is the client's index), e.g. [0x02, 0x4c, 0x07]. */
  readonly macPrefix: readonly [number, number, number];
  /** A bound client renews this long after its ACK (undefined: never on its own). */
  readonly renewAfterMs?: number;
  /**
   * At each renewal time, the share of bound clients (0..1) that reboot
   * instead: they forget their lease and run DORA again (the server gives
   * them their address back), so a soak has a steady DORA rate without the
   * lease table growing.
   */
  readonly rebootShare?: number;
  /** Retransmission timeout (RFC 2131 4.1 suggests 4 s, doubling; clients here use 1 s). */
  readonly retryMs?: number;
  /** Retransmissions before a client gives up on an exchange and starts over. */
  readonly retries?: number;
  /** Send option 12 `<prefix><index>` (the agent publishes it in DNS). */
  readonly hostnamePrefix?: string;
}

/**
 * A client began wanting a lease (its first DISCOVER, a reboot, a DISCOVER
 * after a NAK) or a renewal. Retransmissions and exchanges started over
 * belong to the same request; the ACK or NAK that ends it carries its id.
 */
export interface RequestRecord {
  /** 0, 1, 2, ... in the order requests began. */
  readonly id: number;
  readonly client: number;
  readonly mac: string;
  /** `bind` is answered by a DORA, `renew` by a renewal (or a rebinding). */
  readonly kind: 'bind' | 'renew';
  /** When the client began wanting it (ms since the epoch, the generator's clock). */
  readonly at: number;
}

/** One DHCPACK a client received. */
export interface AckRecord {
  readonly client: number;
  /** The request this ACK ends. */
  readonly request: number;
  readonly mac: string;
  readonly ip: string;
  readonly xid: number;
  /** When the ACK arrived (ms since the epoch, the generator's clock). */
  readonly at: number;
  /** Option 54 of the ACK. */
  readonly server: string;
  /** `bind` ends a DORA, `renew` a renewal. */
  readonly kind: 'bind' | 'renew';
  /** From the exchange's first transmission (DISCOVER, or the first renewal REQUEST) to this ACK. */
  readonly latencyMs: number;
  /** From when the client began wanting this lease (its first DISCOVER or renewal, across abandoned exchanges) to this ACK. */
  readonly waitMs: number;
}

/** A DHCPNAK a client received: for a renewal, the client lost its address. */
export interface NakRecord {
  readonly client: number;
  /** The request this NAK ends (the client starts a new one at once). */
  readonly request: number;
  readonly mac: string;
  readonly at: number;
  readonly during: 'request' | 'renew';
  /** The address the client asked for. */
  readonly ip: string;
}

export interface LoadStats {
  readonly started: number;
  readonly bound: number;
  readonly acks: number;
  readonly naks: number;
  readonly sent: number;
  readonly retransmits: number;
  /** Exchanges abandoned after the last retransmission (the client starts over). */
  readonly restarts: number;
  /** Clients with an exchange in flight. */
  readonly busy: number;
  readonly ignored: number;
}
