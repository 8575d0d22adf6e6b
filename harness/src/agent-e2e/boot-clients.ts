/**
 * The network-boot tests' clients: ISC dhclient run once in a test
 * namespace with a configuration that makes it look like an iPXE client, a
 * BIOS PXE ROM or a UEFI PXE ROM, its address left unconfigured (-sf
 * /bin/true): what it received is read from its lease file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestLink } from '@leasehold/agent/testing';

export interface BootClient {
  /** The lease file as dhclient wrote it so far ("" before the first lease). */
  leases(): string;
  stop(): void;
}

/** dhclient.conf lines of each kind of client. */
export const BOOT_CLIENTS = {
  /** iPXE: option 175 (Neutron's dhcp-match=set:ipxe,175) and user class iPXE; asks for 66 and 67. */
  ipxe: ['option ipxe-encap code 175 = string;', 'send ipxe-encap 13:01:01;', 'send user-class "iPXE";', 'request subnet-mask, routers, bootfile-name, tftp-server-name;'],
  /** A BIOS PXE ROM: vendor class PXEClient, architecture 0; asks for neither 66 nor 67. */
  bios: ['send vendor-class-identifier "PXEClient:Arch:00000:UNDI:002001";', 'request subnet-mask, routers;'],
  /** A UEFI PXE ROM: architecture 7 in option 93. */
  uefi: ['send vendor-class-identifier "PXEClient:Arch:00007:UNDI:003016";', 'send pxe-system-type 7;', 'request subnet-mask, routers;'],
} as const;

export function bootClient(link: TestLink, conf: readonly string[]): BootClient {
  const dir = mkdtempSync(join(tmpdir(), 'lh-boot-'));
  writeFileSync(join(dir, 'dhclient.conf'), `${conf.join('\n')}\n`);
  const child = spawn('ip', ['netns', 'exec', link.ns, 'dhclient', '-4', '-d', '-v', '-cf', join(dir, 'dhclient.conf'), '-lf', join(dir, 'leases'), '-pf', join(dir, 'pid'), '-sf', '/bin/true', link.clientIf], { stdio: 'ignore' });
  return {
    leases: () => (existsSync(join(dir, 'leases')) ? readFileSync(join(dir, 'leases'), 'utf8') : ''),
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The lines of a lease file that say what to boot, sorted: file, sname and options 66, 67, 17 (root-path). */
export function bootLines(lease: string): string[] {
  return lease
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(filename|server-name|option (bootfile-name|tftp-server-name|root-path)) /.test(l))
    .sort();
}
