/**
 * `npm run demo` end to end: runs the script the root package.json names
 * (after its set-up step, which the test run has done already) and checks
 * what it tells the user: the lease a real client got, the LeaseBound event
 * behind it, the release, and that it removed its namespace.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('npm run demo', () => {
  test('a real client gets a lease, the output shows it with its LeaseBound event, and nothing is left behind', { timeout: 120_000 }, async () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const command = scripts.demo!.split('&&').at(-1)!.trim();
    const { stdout } = await run('sh', ['-c', command], {
      cwd: root,
      timeout: 110_000,
      env: { ...process.env, NATS_URL: '', PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` },
    });

    const lease = /lease: address (198\.18\.\d+\.\d+)/.exec(stdout);
    expect(lease, stdout).not.toBeNull();
    const ip = lease![1]!;
    const last = Number(ip.split('.')[3]);
    expect(last).toBeGreaterThanOrEqual(100);
    expect(last).toBeLessThanOrEqual(199);
    // The lease's own subject, with its LeaseBound and, after the release, LeaseReleased.
    const subject = `.${ip.replaceAll('.', '-')}`;
    expect(stdout).toMatch(new RegExp(`LeaseBound\\s+lh\\.evt\\.lease\\.[0-9a-f-]+\\${subject}`));
    expect(stdout).toMatch(new RegExp(`LeaseReleased\\s+lh\\.evt\\.lease\\.[0-9a-f-]+\\${subject}`));
    expect(stdout).toMatch(/NetworkScheduled/);

    const ns = /namespace (lhns-[0-9a-f]+)/.exec(stdout)![1]!;
    expect(stdout).toContain(`removed namespace ${ns}`);
    const { stdout: namespaces } = await run('ip', ['netns', 'list']);
    expect(namespaces).not.toContain(ns);
  });
});
