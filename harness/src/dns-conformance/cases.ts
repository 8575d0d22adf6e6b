/**
 * The DNS conformance corpus (issue 24 point 2): realistic dnsmasq
 * configurations checked in under `corpus/`, a Pi-hole-style blocklist
 * generated here (deterministic: the same bytes every run), and deliberately
 * broken ones. `prepareCorpus` copies them into a temporary directory with
 * `@/` in their texts replaced by its path (conf-dir and conf-file lines name
 * absolute paths, as real ones do) and says what each case must give.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHECKED_IN = fileURLToPath(new URL('./corpus', import.meta.url));

/** One configuration: a main file (or none) and flags, given alike to dnsmasq and to `leasehold dns`. */
export interface ConformanceCase {
  readonly name: string;
  /** The main file, under the prepared corpus; undefined: flags only. */
  readonly file: string | undefined;
  readonly flags: readonly string[];
  /** What both must say: 'ok', or 'error' at this file (under the corpus) and line (undefined: dnsmasq names none). */
  readonly verdict: 'ok' | { readonly file: string; readonly line: number | undefined };
}

/** NetworkManager's dnsmasq command line (its dns=dnsmasq plugin), conf-dir aside. */
const NETWORK_MANAGER_FLAGS = [
  '--no-resolv', '--keep-in-foreground', '--no-hosts', '--bind-interfaces', '--pid-file=/run/NetworkManager/dnsmasq.pid', '--listen-address=127.0.0.1',
  '--cache-size=400', '--clear-on-reload', '--conf-file=/dev/null', '--proxy-dnssec', '--enable-dbus=org.freedesktop.NetworkManager.dnsmasq',
];

/** Lines of the generated blocklist, and where the broken copy's bad line goes. */
export const BLOCKLIST_LINES = 6000;
const BAD_LINE = 4321;

/** A small deterministic generator (mulberry32): the blocklist is the same every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A Pi-hole-style blocklist as dnsmasq lines: mostly `address=/name/0.0.0.0`,
 * some `address=/name/#` and `address=/name/::`, `#` comment lines (headers,
 * commented-out entries) and blank lines. Pure.
 */
export function blocklist(lines = BLOCKLIST_LINES, seed = 24): string[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const label = () => {
    const length = 3 + Math.floor(next() * 10);
    let text = pick([...'abcdefghijklmnopqrstuvwxyz']);
    for (let i = 1; i < length; i++) text += i === length - 1 || next() > 0.1 ? pick([...letters]) : '-';
    return text;
  };
  const name = () => `${Array.from({ length: 1 + Math.floor(next() * 3) }, label).join('.')}.${pick(['test', 'example', 'invalid', 'ads.test', 'track.example'])}`;
  const out = ['# Blocklist: generated for the conformance test (Pi-hole style)', `# ${lines} lines, seed ${seed}`, ''];
  while (out.length < lines) {
    const r = next();
    if (r < 0.06) out.push(`# ${label()} list, section ${out.length}`);
    else if (r < 0.09) out.push(`#address=/${name()}/0.0.0.0`);
    else if (r < 0.1) out.push('');
    else if (r < 0.14) out.push(`address=/${name()}/#`);
    else if (r < 0.16) out.push(`address=/${name()}/::`);
    else out.push(`address=/${name()}/0.0.0.0`);
  }
  return out;
}

/** Copies the corpus into a temporary directory, generates the blocklists, and lists the cases. */
export function prepareCorpus(): { root: string; cases: ConformanceCase[] } {
  const root = mkdtempSync(join(tmpdir(), 'lh-dns-conformance-'));
  cpSync(CHECKED_IN, root, { recursive: true });
  const rewrite = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) rewrite(path);
      else writeFileSync(path, readFileSync(path, 'utf8').replaceAll('@/', `${root}/`));
    }
  };
  rewrite(root);
  const list = blocklist();
  mkdirSync(join(root, 'pihole', 'dnsmasq.d'), { recursive: true });
  writeFileSync(join(root, 'pihole', 'dnsmasq.conf'), `# Pi-hole's layout: its settings, then every drop-in\ndomain-needed\nbogus-priv\nno-resolv\nserver=198.18.255.1\ncache-size=10000\nlocal-ttl=2\nconf-dir=${root}/pihole/dnsmasq.d\n`);
  writeFileSync(join(root, 'pihole', 'dnsmasq.d', '01-pihole.conf'), 'log-queries\nlog-async\naddn-hosts=/etc/pihole/custom.list\n');
  writeFileSync(join(root, 'pihole', 'dnsmasq.d', '05-blocklist.conf'), `${list.join('\n')}\n`);
  const broken = [...list];
  broken[BAD_LINE - 1] = 'address=/ads.broken.test/0.0.0.256';
  writeFileSync(join(root, 'broken', 'blocklist.conf'), `no-resolv\nconf-file=${root}/broken/blocklist-list.conf\n`);
  writeFileSync(join(root, 'broken', 'blocklist-list.conf'), `${broken.join('\n')}\n`);
  const error = (file: string, line: number | undefined) => ({ file, line });
  const cases: ConformanceCase[] = [
    { name: "the seed's Arch wiki dnsmasq.conf (cache, resolv-file, split DNS, DHCP on the LAN)", file: 'seed-arch/dnsmasq.conf', flags: [], verdict: 'ok' },
    { name: "the seed's NetworkManager: its flags and dnsmasq.d drop-ins (cache-size in both, the flag wins)", file: undefined, flags: [...NETWORK_MANAGER_FLAGS, `--conf-dir=${root}/seed-nm/dnsmasq.d`], verdict: 'ok' },
    { name: 'a NetworkManager host: conf-dir with *.conf, backups and dot files skipped', file: 'nm-dnsmasq.d/dnsmasq.conf', flags: [], verdict: 'ok' },
    { name: 'a home router with every record and policy option', file: 'home-router/dnsmasq.conf', flags: [], verdict: 'ok' },
    { name: "Neutron's dhcp-agent dnsmasq_config_file", file: 'openstack-neutron/dnsmasq.conf', flags: [], verdict: 'ok' },
    { name: 'split DNS with blocked domains and reverse zones', file: 'split-dns/dnsmasq.conf', flags: [], verdict: 'ok' },
    { name: `a Pi-hole-style blocklist of ${BLOCKLIST_LINES} lines in a conf-dir`, file: 'pihole/dnsmasq.conf', flags: [], verdict: 'ok' },
    { name: 'a typo in an option name', file: 'broken/typo.conf', flags: [], verdict: error('broken/typo.conf', 3) },
    { name: 'a bad listen-address', file: 'broken/bad-listen-address.conf', flags: [], verdict: error('broken/bad-listen-address.conf', 3) },
    { name: 'a server port over 65535', file: 'broken/bad-server-port.conf', flags: [], verdict: error('broken/bad-server-port.conf', 2) },
    { name: 'a word for a number', file: 'broken/bad-number.conf', flags: [], verdict: error('broken/bad-number.conf', 2) },
    { name: 'a flag given a value', file: 'broken/flag-with-value.conf', flags: [], verdict: error('broken/flag-with-value.conf', 2) },
    { name: 'an option without its value', file: 'broken/missing-value.conf', flags: [], verdict: error('broken/missing-value.conf', 2) },
    { name: 'a bad address in address=', file: 'broken/bad-address-rule.conf', flags: [], verdict: error('broken/bad-address-rule.conf', 2) },
    { name: 'a conf-file that does not exist', file: 'broken/missing-include.conf', flags: [], verdict: error('broken/missing-include.conf', undefined) },
    { name: 'a bad line in a conf-dir drop-in: the drop-in and its line are named', file: 'broken/error-in-dropin.conf', flags: [], verdict: error('broken/dropin.d/20-bad.conf', 3) },
    { name: "the seed's placeholder address copied literally", file: 'broken/seed-placeholder.conf', flags: [], verdict: error('broken/seed-placeholder.conf', 2) },
    { name: 'a host-record without an address', file: 'broken/host-record-no-address.conf', flags: [], verdict: error('broken/host-record-no-address.conf', 2) },
    { name: 'a word for an MX preference', file: 'broken/bad-mx-pref.conf', flags: [], verdict: error('broken/bad-mx-pref.conf', 2) },
    { name: 'a prefix longer than 32', file: 'broken/bad-prefix.conf', flags: [], verdict: error('broken/bad-prefix.conf', 2) },
    { name: 'cache-size twice in the files (illegal repeated keyword)', file: 'broken/repeated.conf', flags: [], verdict: error('broken/repeated-dropin.d/cache.conf', 1) },
    { name: 'one bad address deep in a blocklist', file: 'broken/blocklist.conf', flags: [], verdict: error('broken/blocklist-list.conf', BAD_LINE) },
  ];
  return { root, cases };
}
