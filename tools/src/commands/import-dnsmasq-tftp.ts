/**
 * dnsmasq's TFTP server in `leasehold import-dnsmasq`: enable-tftp,
 * tftp-root and tftp-max become the agent's `agent.tftp` settings (its TFTP
 * server serves the DHCP port addresses of the networks it is enabled on).
 * What is tied to one of dnsmasq's interfaces, and the options the agent's
 * server does not have, are said as not mapped rather than guessed.
 */
import type { ConfigItem } from '@leasehold/dns-cache';

type Note = (item: ConfigItem, status: 'agent' | 'unmapped' | 'ignored' | 'error', detail: string) => unknown;

/** The `agent.tftp` settings of a configuration, when it enables TFTP. */
export interface TftpPlan {
  readonly root?: string;
  readonly maxTransfers?: number;
}

/** dnsmasq's TFTP options the agent's server has no setting for. */
const UNSUPPORTED = new Set(['tftp-secure', 'tftp-unique-root', 'tftp-no-blocksize', 'tftp-port-range', 'tftp-lowercase', 'tftp-no-fail', 'tftp-mtu', 'tftp-single-port']);

/** The TFTP lines: notes for each, and the settings when `enable-tftp` is there (without it dnsmasq serves no TFTP). Pure but for `note`. */
export function planTftp(items: readonly ConfigItem[], note: Note): TftpPlan | undefined {
  const enable = items.filter((i) => i.name === 'enable-tftp');
  const plan: { root?: string; maxTransfers?: number } = {};
  for (const item of enable) {
    if (item.value === undefined) note(item, 'agent', 'agent.tftp.enabled true (every served network)');
    else note(item, 'unmapped', `TFTP on dnsmasq's interface ${item.value} only: list the networks served there in agent.tftp.enabled`);
  }
  const enabled = enable.some((i) => i.value === undefined);
  for (const item of items) {
    const value = (item.value ?? '').trim();
    if (item.name === 'tftp-root') {
      const [dir, iface] = value.split(',').map((f) => f.trim());
      if (!dir?.startsWith('/')) note(item, 'error', `bad tftp-root: ${JSON.stringify(dir ?? '')} is not an absolute directory`);
      else if (iface !== undefined) note(item, 'unmapped', `a root for dnsmasq's interface ${iface}: name its networks in agent.tftp.roots`);
      else if (!enabled) note(item, 'ignored', 'no enable-tftp: dnsmasq serves no TFTP');
      else {
        plan.root = dir;
        note(item, 'agent', `agent.tftp.root ${dir}`);
      }
    } else if (item.name === 'tftp-max') {
      const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!(n >= 1 && n <= 10_000)) note(item, 'error', `bad tftp-max: ${JSON.stringify(value)} (a number of transfers, 1-10000)`);
      else if (!enabled) note(item, 'ignored', 'no enable-tftp: dnsmasq serves no TFTP');
      else {
        plan.maxTransfers = n;
        note(item, 'agent', `agent.tftp.max_transfers ${n}`);
      }
    } else if (UNSUPPORTED.has(item.name)) note(item, 'unmapped', "the agent's TFTP server has no such setting");
  }
  return enabled ? plan : undefined;
}

/** The `agent:` lines of leasehold.yaml for the plan. Pure. */
export function tftpYaml(plan: TftpPlan): string[] {
  return [
    '  tftp:',
    '    enabled: true',
    ...(plan.root !== undefined ? [`    root: ${JSON.stringify(plan.root)}`] : []),
    ...(plan.maxTransfers !== undefined ? [`    max_transfers: ${plan.maxTransfers}`] : []),
  ];
}
