/**
 * The real `openstack` command (Debian's python3-openstackclient, which
 * `npm test` installs) against a Leasehold Neutron HTTP endpoint, with
 * Neutron's noauth as the transcript of ../shared/reference/neutron-zed ran
 * it. Each helper fails the test with the command's stderr when it does not
 * end as expected.
 */
import { execFile } from 'node:child_process';
import { expect } from 'vitest';

export interface OpenstackRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface OpenstackCli {
  /** `openstack ARGS` as it ends. */
  run(...args: string[]): Promise<OpenstackRun>;
  /** The parsed `-f json` output of a command that must succeed. */
  json<T = Record<string, unknown>>(...args: string[]): Promise<T>;
  /** A command that must succeed. */
  ok(...args: string[]): Promise<void>;
  /** A command that must fail (exit 1): its message. */
  fails(...args: string[]): Promise<string>;
}

export function openstackCli(endpoint: string): OpenstackCli {
  const run = (...args: string[]) =>
    new Promise<OpenstackRun>((resolve) => {
      execFile('openstack', args, { env: { ...process.env, OS_AUTH_TYPE: 'none', OS_ENDPOINT: endpoint, OS_CLOUD: '' }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  return {
    run,
    async json<T>(...args: string[]) {
      const r = await run(...args, '-f', 'json');
      expect(r.code, `openstack ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as T;
    },
    async ok(...args: string[]) {
      const r = await run(...args);
      expect(r.code, `openstack ${args.join(' ')}: ${r.stderr}`).toBe(0);
    },
    async fails(...args: string[]) {
      const r = await run(...args);
      expect(r.code, `openstack ${args.join(' ')} should fail: ${r.stdout}`).toBe(1);
      return r.stderr.trim();
    },
  };
}
