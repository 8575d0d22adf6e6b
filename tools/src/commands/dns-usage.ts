/**
 * `leasehold dns --help`: the command's own flags and every dnsmasq option the
 * cache understands, read from its option table (so the list cannot go stale).
 * Pure.
 */
import { OPTIONS } from '@leasehold/dns-cache';

/** The help text of `leasehold dns`. */
export function dnsUsage(): string {
  const names = Object.keys(OPTIONS).sort();
  const valued = names.filter((n) => OPTIONS[n]!.value).map((n) => (OPTIONS[n]!.value === 'optional' ? `--${n}[=VALUE]` : `--${n} VALUE`));
  const flags = names.filter((n) => !OPTIONS[n]!.value).map((n) => `--${n}`);
  const wrap = (items: string[]) => {
    const lines: string[] = [];
    let line = ' ';
    for (const item of items) {
      if (line.length + item.length + 1 > 78) lines.push(line), (line = ' ');
      line += ` ${item}`;
    }
    return [...lines, line].join('\n');
  };
  return [
    'Usage: leasehold dns [--conf-file FILE]... [--conf-dir DIR[,SUFFIX]...]... [--test] [--OPTION[=VALUE]]...',
    '',
    'Run the DNS cache alone, configured as dnsmasq is: options from dnsmasq.conf-style',
    'files (--conf-file), then the same options as flags (--name VALUE or --name=VALUE).',
    '',
    '  --conf-file FILE  read options from FILE (name=value lines, # comments); may repeat;',
    '                    its conf-file=F and conf-dir=DIR[,.bak][,*.conf] lines are read',
    '                    where they stand, as dnsmasq reads them',
    '  --conf-dir DIR[,.bak][,*.conf]  read every file of DIR as a conf-dir line does (.bak:',
    '                    leave out names ending so; *.conf: only names ending so); may repeat',
    '                    (dhcp-* and TFTP lines in the files are the agent\'s: skipped here)',
    '  --test            check the configuration and exit (as dnsmasq --test)',
    '  --log-queries     log every query and its answer (query[A] x from y, reply x is 198.18.0.5)',
    '  -h, --help        this help',
    '',
    'Options with a value:',
    wrap(valued),
    '',
    'Flags:',
    wrap(flags),
    '',
    'dhcp-* options are accepted and left to the DHCP agent. See docs/migrating-from-dnsmasq.md.',
    '',
  ].join('\n');
}
