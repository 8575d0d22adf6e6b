/**
 * What bench:dhcp, bench:dhcp6 and the demo need on the machine, installed the way
 * scripts/setup.mjs does: with apt-get when we are root, else an exact
 * command to run. Both need root anyway (network namespaces, DHCP ports).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Command → the Debian package that provides it. */
export const benchCommands: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  perfdhcp: 'kea-admin',
  'kea-dhcp4': 'kea-dhcp4-server',
  dnsmasq: 'dnsmasq-base',
  'nats-server': 'nats-server',
};

/** What bench:dhcp6 needs: Kea's DHCPv6 server in place of the DHCPv4 one and dnsmasq (the rest as bench:dhcp). */
export const dhcp6BenchCommands: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(benchCommands).filter(([command]) => command !== 'kea-dhcp4' && command !== 'dnsmasq')),
  'kea-dhcp6': 'kea-dhcp6-server',
};

export class MissingToolsError extends Error {
  override name = 'MissingToolsError';
}

/** Whether a command is on PATH or in an sbin directory (root's tools may be outside a user's PATH). */
export function onPath(command: string): boolean {
  return (
    spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0 ||
    existsSync(`/usr/sbin/${command}`) ||
    existsSync(`/sbin/${command}`)
  );
}

/** The Debian packages whose commands are missing, in a stable order. */
export function missingPackages(commands: Readonly<Record<string, string>> = benchCommands, present: (command: string) => boolean = onPath): string[] {
  return [...new Set(Object.entries(commands).filter(([command]) => !present(command)).map(([, pkg]) => pkg))].sort();
}

/** Throws `MissingToolsError` unless this process is root (network namespaces, DHCP on port 67/68). */
export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new MissingToolsError(`${what} needs root (it creates network namespaces and runs DHCP on ports 67/68): run it with sudo`);
}

/** Installs the missing commands' packages (root + apt-get), or throws `MissingToolsError` saying exactly what to install. */
export function ensureCommands(commands: Readonly<Record<string, string>>, log: (line: string) => void): void {
  const missing = missingPackages(commands);
  if (missing.length === 0) return;
  const command = `sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) throw new MissingToolsError(`missing Debian packages; install them with:  ${command}`);
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env }).status === 0;
  // A fresh machine has no package lists: update first if the install fails.
  if (!apt(['install', '-y', '-qq', ...missing]) && !(apt(['update', '-qq']) && apt(['install', '-y', '-qq', ...missing]))) {
    throw new MissingToolsError(`apt-get could not install them; run:  ${command}`);
  }
}
