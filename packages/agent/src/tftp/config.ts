/** The TFTP server's settings, with dnsmasq's names (enable-tftp, tftp-root, tftp-max). */

export interface AgentTftpOptions {
  /** dnsmasq's enable-tftp: off (false), on every served network (true), or on these networks (names or ids). */
  readonly enabled: boolean | readonly string[];
  /** dnsmasq's tftp-root: the directory served, read-only. */
  readonly root: string;
  /** dnsmasq's tftp-root=<dir>,<interface>: a network's own root (network name or id → directory). */
  readonly roots?: Readonly<Record<string, string>>;
  /** UDP port of requests: 69 (tests use another). */
  readonly port: number;
  /** dnsmasq's tftp-max: transfers at once; past it a request gets error 0 and is counted busy. */
  readonly maxTransfers: number;
  /** The largest blksize granted (8..65464; dnsmasq's tftp-mtu caps it likewise). */
  readonly maxBlockSize: number;
  /** First wait for an ACK when the client sets no timeout option (doubled at each retry). */
  readonly timeoutMs: number;
  /** Retransmissions of a window before a transfer is given up. */
  readonly retries: number;
}

export const defaultTftpOptions: AgentTftpOptions = {
  enabled: false,
  root: '/srv/tftp',
  port: 69,
  maxTransfers: 50,
  maxBlockSize: 65464,
  timeoutMs: 1000,
  retries: 5,
};

/** Whether TFTP is served on a network (by id or name). Pure. */
export function tftpServes(options: Pick<AgentTftpOptions, 'enabled'>, networkId: string, name: string | undefined): boolean {
  const { enabled } = options;
  if (typeof enabled === 'boolean') return enabled;
  return enabled.includes(networkId) || (name !== undefined && enabled.includes(name));
}

/** The directory a network's files come from: its own root, else the agent's. Pure. */
export function tftpRootOf(options: Pick<AgentTftpOptions, 'root' | 'roots'>, networkId: string, name: string | undefined): string {
  return options.roots?.[networkId] ?? (name !== undefined ? options.roots?.[name] : undefined) ?? options.root;
}
