import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const bin = fileURLToPath(new URL('../bin/leasehold.mjs', import.meta.url));
/** Runs the real binary (no NATS is reached: every case fails or ends before connecting). */
const leasehold = (...args: string[]) => {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NATS_URL: '', LEASEHOLD_DATA_DIR: '' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};

describe('usage errors', () => {
  test.each([
    [['nosuch'], ["error: unknown command 'nosuch'", "(see 'leasehold --help')"]],
    [['net', 'lst'], ["error: unknown command 'lst'", '(Did you mean list?)', "(see 'leasehold net --help')"]],
    // The misspelt flag is the mistake, not the required one it was meant to be (was: "--network not specified").
    [['port', 'create', '--netwrok', 'demo'], ["error: unknown option '--netwrok'", '(Did you mean --network?)', "(see 'leasehold port create --help')"]],
    [['port', 'create'], ["error: required option '--network <network>' not specified", "(see 'leasehold port create --help')"]],
    [['start', '--interface-mapings', '*:eth1'], ["error: unknown option '--interface-mapings'", '(Did you mean --interface-mappings?)', "(see 'leasehold start --help')"]],
  ])('leasehold %j says what was wrong, the closest valid word and where help is, in at most three lines, and exits 2', (args, lines) => {
    const run = leasehold(...args);
    expect({ code: run.code, stderr: run.stderr.trimEnd().split('\n'), stdout: run.stdout }).toEqual({ code: 2, stderr: lines, stdout: '' });
  });

  test('help asked for still prints the help and exits 0', () => {
    const run = leasehold('port', 'create', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: leasehold port create');
  });

  test('--version prints the version and exits 0', () => {
    const run = leasehold('--version');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^leasehold \d+\.\d+\.\d+/);
  });
});
