/**
 * Text formats read from disk: hosts files (addn-hosts, /etc/hosts format)
 * and resolv.conf (nameserver lines). Both pure parsers; the server reads the
 * files and watches their mtime.
 */
import { isIPv4, isIPv6, isValidName } from './names.js';
import type { UpstreamServer } from './config.js';

/** One address and the names a hosts file gives it. */
export interface HostsEntry {
  readonly ip: string;
  readonly names: readonly string[];
  readonly line: number;
}

/**
 * Parses a hosts file: "ip name [alias...]" per line, '#' starts a comment.
 * Lines with a bad address or name are skipped (as dnsmasq does, which only
 * logs them) and returned in `skipped`. Pure.
 */
export function parseHostsFile(text: string): { entries: HostsEntry[]; skipped: number[] } {
  const entries: HostsEntry[] = [];
  const skipped: number[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [ip = '', ...names] = line.split(/\s+/);
    if ((!isIPv4(ip) && !isIPv6(ip)) || names.length === 0 || !names.every(isValidName)) {
      skipped.push(index + 1);
      return;
    }
    entries.push({ ip, names, line: index + 1 });
  });
  return { entries, skipped };
}

/** The nameservers of a resolv.conf ("nameserver ip" lines), port 53. Pure. */
export function parseResolvConf(text: string): UpstreamServer[] {
  const servers: UpstreamServer[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const [keyword, address = ''] = raw.replace(/[#;].*/, '').trim().split(/\s+/);
    if (keyword !== 'nameserver') continue;
    // A scoped IPv6 address (fe80::1%eth0) cannot be used without its interface; skip it.
    if (isIPv4(address)) servers.push({ address, port: 53, family: 4 });
    else if (isIPv6(address) && !address.includes('%')) servers.push({ address, port: 53, family: 6 });
  }
  return servers;
}
