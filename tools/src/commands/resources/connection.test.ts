import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetworkView } from '@leasehold/api/client';
import { CREDENTIALS_DIR, prepareLocalAccess } from '@leasehold/journal';
import { startTestNats, type TestNats } from '@leasehold/journal/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NATS_URL_FILE } from '@leasehold/server';
import { CliError } from './errors.js';
import { resolveNatsTarget } from './connection.js';
import { jsonOf, LEASEHOLD_BIN, runCli } from './testing/run-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lh-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('which NATS server the CLI uses', () => {
  test('--nats-url wins over NATS_URL, which wins over the nats.url file of the data directory', () => {
    const dataDir = join(dir, 'precedence');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, NATS_URL_FILE), 'nats://127.0.0.1:3\n');
    const env = { NATS_URL: 'nats://127.0.0.1:2', LEASEHOLD_DATA_DIR: dataDir };
    expect(resolveNatsTarget({ natsUrl: 'nats://127.0.0.1:1' }, env).url).toBe('nats://127.0.0.1:1');
    expect(resolveNatsTarget({}, env).url).toBe('nats://127.0.0.1:2');
    expect(resolveNatsTarget({}, { LEASEHOLD_DATA_DIR: dataDir })).toEqual({ url: 'nats://127.0.0.1:3', source: join(dataDir, NATS_URL_FILE) });
    expect(resolveNatsTarget({ dataDir: 'precedence' }, {}, dir).url).toBe('nats://127.0.0.1:3');
  });

  test('the credential: --nats-credentials, else the data directory\'s own seed when the URL came from there (client, or admin for the journal tools), else none here (the environment\'s)', () => {
    const dataDir = join(dir, 'with-credentials');
    prepareLocalAccess(dataDir);
    writeFileSync(join(dataDir, NATS_URL_FILE), 'nats://127.0.0.1:4\n');
    const env = { LEASEHOLD_DATA_DIR: dataDir };
    const seed = (user: string) => join(dataDir, CREDENTIALS_DIR, `${user}.nk`);
    expect(resolveNatsTarget({}, env).credentials).toStrictEqual({ options: { nkeySeedFile: seed('client'), env: {} }, source: seed('client') });
    expect(resolveNatsTarget({}, env, dir, 'admin').credentials?.source).toBe(seed('admin'));
    // A URL given elsewhere is not sent the data directory's credentials.
    expect(resolveNatsTarget({ natsUrl: 'nats://198.18.0.1:14222' }, env).credentials).toBeUndefined();
    expect(resolveNatsTarget({}, { ...env, NATS_URL: 'nats://198.18.0.1:14222' }).credentials).toBeUndefined();
    // The flag wins, relative to the working directory.
    expect(resolveNatsTarget({ natsCredentials: 'with-credentials/credentials/admin.nk' }, env, dir).credentials?.options).toStrictEqual({ nkeySeedFile: seed('admin'), env: {} });
    expect(resolveNatsTarget({ natsUrl: 'nats://198.18.0.1:14222', natsCredentials: seed('client') }, {}).credentials?.source).toBe(seed('client'));
    expect(() => resolveNatsTarget({ natsCredentials: join(dir, 'nope') }, env)).toThrow(/cannot read the credentials file/);
  });

  test('with no URL anywhere the error names the flag, the variable and the file `leasehold start` writes', () => {
    const attempt = () => resolveNatsTarget({}, {}, join(dir, 'nowhere'));
    expect(attempt).toThrow(CliError);
    expect(attempt).toThrow(/--nats-url.*NATS_URL.*leasehold start.*nowhere\/\.leasehold\/nats\.url/);
  });

  test('the CLI run with no URL anywhere exits 2 and says what to do', async () => {
    const run = await runCli(['net', 'list'], {}, dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error NO_NATS_URL \(--nats-url\): no NATS server given: pass --nats-url .* or set NATS_URL, or run `leasehold start`/);
  });

  test('a server nobody listens on exits 1 with UNAVAILABLE and the URL', async () => {
    const run = await runCli(['net', 'list', '--nats-url', 'nats://127.0.0.1:1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error UNAVAILABLE: cannot reach NATS at nats:\/\/127\.0\.0\.1:1 from --nats-url/);
  });

  test('a missing required flag is a usage error: exit 2 and the flag named', async () => {
    const run = await runCli(['subnet', 'create', '--network', 'n', '--nats-url', 'nats://127.0.0.1:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--cidr <cidr>' not specified");
  });
});

describe('against a NATS server', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(() => nats?.stop());

  test('with no API on the server it exits 1 saying no leasehold API answers', async () => {
    const run = await runCli(['port', 'list', '--nats-url', nats.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error UNAVAILABLE: no leasehold API answers on nats:\/\/127\.0\.0\.1:\d+/);
  });

  test('`leasehold start` writes its embedded server\'s NATS URL under the data dir, the CLI finds the API through it, and stopping removes it', async () => {
    const dataDir = join(dir, 'started');
    // Only the owner of an embedded server writes the file (given NATS_URL, start leaves it alone).
    const child = spawn(process.execPath, [LEASEHOLD_BIN, 'start', '--data-dir', dataDir, '--metrics-listen', '127.0.0.1:0'], {
      env: { ...process.env, NATS_URL: '', LEASEHOLD_DATA_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
      await expect.poll(() => out, { timeout: 20_000, interval: 100 }).toMatch(/Press Ctrl-C to stop/);
      const urlFile = join(dataDir, NATS_URL_FILE);
      expect(readFileSync(urlFile, 'utf8').trim()).toBe(/nats\s+(nats:\/\/127\.0\.0\.1:\d+)\s+\(embedded/.exec(out)?.[1]);

      const run = await runCli(['net', 'create', 'via-file', '--json'], { LEASEHOLD_DATA_DIR: dataDir });
      expect(run.stderr).toBe('');
      expect(jsonOf<{ network: NetworkView }>(run).network.name).toBe('via-file');

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(urlFile)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
