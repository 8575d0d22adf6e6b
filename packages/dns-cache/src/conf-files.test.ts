import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { confDirFiles, loadDnsConfig, readConfFile } from './conf-files.js';
import { parseDnsArgs } from './options.js';
import { ConfigError } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'lh-conf-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes files under the temp dir; returns the absolute path of the first. */
const write = (files: Record<string, string>) => {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return join(dir, Object.keys(files)[0]!);
};
const dnsmasqTest = (file: string) => spawnSync('dnsmasq', ['--test', `--conf-file=${file}`], { encoding: 'utf8' });

describe('conf-dir suffix rules', () => {
  const names = ['b.conf', 'a.conf', 'old.bak', 'x.conf~', '.hidden.conf', '#draft.conf#', 'notes.txt', '.conf'];

  test('without suffixes every file but backups, dot files and #name# is read, sorted', () => {
    expect(confDirFiles(names, [])).toEqual(['a.conf', 'b.conf', 'notes.txt', 'old.bak']);
  });

  test('a plain suffix skips the files ending in it; a *suffix reads only those', () => {
    expect(confDirFiles(names, ['.bak'])).toEqual(['a.conf', 'b.conf', 'notes.txt']);
    expect(confDirFiles(names, ['*.conf'])).toEqual(['a.conf', 'b.conf']);
    expect(confDirFiles(names, ['*.conf', '*.txt', '.txt'])).toEqual(['a.conf', 'b.conf']);
    // As option.c: the name must be longer than the suffix (a file named b.conf is not skipped by b.conf).
    expect(confDirFiles(names, ['b.conf'])).toContain('b.conf');
  });
});

describe('readConfFile', () => {
  test('conf-file and conf-dir lines are replaced in place by the files they name, each file once', () => {
    const main = write({
      'inc/main.conf': `cache-size=10\nconf-dir=${dir}/inc/d,.bak\nconf-file=${dir}/inc/extra.conf\nconf-file=${dir}/inc/extra.conf\nport=5353\n`,
      'inc/d/10-a.conf': 'local=/lan/\n',
      'inc/d/20-b.conf': 'server=198.18.255.1\n',
      'inc/d/old.bak': 'not-an-option\n',
      'inc/extra.conf': 'neg-ttl=5\n',
    });
    expect(readConfFile(main).map((i) => `${i.name} ${i.file.slice(dir.length)}:${i.line}`)).toEqual([
      'cache-size /inc/main.conf:1',
      'local /inc/d/10-a.conf:1',
      'server /inc/d/20-b.conf:1',
      'neg-ttl /inc/extra.conf:1',
      'port /inc/main.conf:5',
    ]);
    expect(loadDnsConfig({ items: [], confFiles: [main], confDirs: [], test: true })).toMatchObject({ cacheSize: 10, negTtl: 5, port: 5353, domainServers: [{ domain: 'lan', server: 'local' }] });
    // dnsmasq 2.90 reads the same files: the excluded .bak (a bad line) is never seen.
    expect(dnsmasqTest(main).stderr).toContain('syntax check OK');
  });

  test('--conf-dir on the command line (dnsmasq\'s -7) reads the directory as a conf-dir line, with its suffix rules; TFTP lines there are the agent\'s', () => {
    const d = write({
      'cli/d/10-a.conf': 'cache-size=33\nenable-tftp\ntftp-root=/srv/tftp\n',
      'cli/d/20-b.conf': 'server=198.18.255.1\n',
      'cli/d/skip.bak': 'not-an-option\n',
    });
    const confDir = `${d.slice(0, d.lastIndexOf('/'))},.bak`;
    const args = parseDnsArgs(['--conf-dir', confDir, '--port', '5353']);
    expect(args.confDirs).toEqual([confDir]);
    expect(loadDnsConfig(args)).toMatchObject({ cacheSize: 33, port: 5353, servers: [{ address: '198.18.255.1' }] });
    // dnsmasq reads the same directory the same way, TFTP lines included.
    const dnsmasq = spawnSync('/usr/sbin/dnsmasq', ['--test', `--conf-dir=${confDir}`], { encoding: 'utf8' });
    expect(dnsmasq.stderr).toContain('syntax check OK');
    expect(() => loadDnsConfig(parseDnsArgs(['--conf-dir', `${dir}/cli/none`]))).toThrow(/cannot access directory .*none.* at line 1 of command line/);
  });

  test('a missing included file or directory is an error at the line naming it, as dnsmasq refuses it', () => {
    const main = write({ 'missing/main.conf': `cache-size=10\nconf-dir=${dir}/missing/nope\n` });
    expect(() => readConfFile(main)).toThrow(ConfigError);
    expect(() => readConfFile(main)).toThrow(/cannot access directory .*nope.* at line 2 of .*main\.conf/);
    expect(dnsmasqTest(main).status).not.toBe(0);
    const other = write({ 'missing/other.conf': `conf-file=${dir}/missing/none.conf\n` });
    expect(() => readConfFile(other)).toThrow(/cannot read .*none\.conf.* at line 1 of .*other\.conf/);
    expect(dnsmasqTest(other).status).not.toBe(0);
  });
});
