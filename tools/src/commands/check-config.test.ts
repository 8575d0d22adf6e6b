import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkConfigFile } from './check-config.js';
import { runCli } from './resources/testing/run-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lh-check-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('leasehold check-config', () => {
  test('a good file prints "syntax check OK." and exits 0; a bad one prints file:line: field: reason on stderr and exits 1', async () => {
    const good = write('good.yaml', 'scheduler:\n  agents_per_network: 2\ndns:\n  server: 198.18.255.53\n');
    const bad = write('bad.yaml', 'scheduler:\n  agents_per_network: 2\ndns:\n  server: 198.18.255.53\n  address: /ads.example/not-an-ip\n');
    const [ok, fail] = await Promise.all([runCli(['check-config', good]), runCli(['check-config', bad])]);
    expect(ok).toEqual({ code: 0, stdout: 'leasehold: syntax check OK.\n', stderr: '' });
    expect(fail).toEqual({ code: 1, stdout: '', stderr: `${bad}:5: dns.address: bad address\n` });
  });

  test('finds ./leasehold.yaml like the processes do, and checks the environment over it', () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    expect(checkConfigFile(undefined, {}, cwd)).toEqual({ code: 0, line: 'leasehold: no configuration file (defaults and environment only): syntax check OK.' });
    writeFileSync(join(cwd, 'leasehold.yaml'), 'agent:\n  report_interval: 10\n');
    expect(checkConfigFile(undefined, {}, cwd).code).toBe(0);
    expect(checkConfigFile(undefined, { LEASEHOLD_API_AGENT_DOWN_TIME: '10' }, cwd)).toEqual({
      code: 1,
      line: 'environment LEASEHOLD_API_AGENT_DOWN_TIME: api.agent_down_time: must exceed agent.report_interval (10 s)',
    });
    expect(checkConfigFile('missing.yaml', {}, cwd).line).toMatch(/missing\.yaml: cannot read: ENOENT/);
  });
});
