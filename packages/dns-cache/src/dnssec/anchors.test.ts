import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../errors.js';
import { applyItems, parseConfigText, parseDnsArgs } from '../options.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'lh-dnssec-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** dnsmasq 2.90's verdict on one config line: 'ok', or its reason. */
async function dnsmasqVerdict(line: string): Promise<string> {
  const file = join(dir, 'dnsmasq.conf');
  writeFileSync(file, `${line}\n`);
  try {
    await run('dnsmasq', ['--test', `--conf-file=${file}`]);
    return 'ok';
  } catch (error) {
    const text = String((error as { stderr?: string }).stderr ?? error);
    return /dnsmasq: (.*?) at line/.exec(text)?.[1] ?? text;
  }
}

function ourVerdict(line: string): string {
  try {
    applyItems(parseConfigText(line, 'dnsmasq.conf'));
    return 'ok';
  } catch (error) {
    if (error instanceof ConfigError) return error.reason;
    throw error;
  }
}

describe('the DNSSEC options, as dnsmasq 2.90 reads them', () => {
  test.each([
    'dnssec',
    'dnssec=yes',
    'dnssec-check-unsigned',
    'dnssec-check-unsigned=no',
    'dnssec-check-unsigned=yes',
    'dnssec-no-timecheck',
    'trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D',
    'trust-anchor=example.test,65535,255,255,ab:cd',
    'trust-anchor=example.test,1,13,2,',
    'trust-anchor=example.test,1,13,2,abc',
    'trust-anchor=example.test,12345,13,2,xyz',
    'trust-anchor=example.test,12345,13',
    'trust-anchor=example.test,65536,13,2,ab',
    'trust-anchor=example.test,1,256,2,ab',
    'trust-anchor=example.test,1x,13,2,ab',
    'trust-anchor=example.test,1,13,2,ab,cd',
    'trust-anchor=IN,example.test,1,13,2,ab',
  ])('%s: the same verdict', async (line) => {
    expect(ourVerdict(line)).toBe(await dnsmasqVerdict(line));
  });

  test('the values: anchors lowercased without the final dot, the root as "", digests as lowercase hex; check-unsigned on unless =no', () => {
    const config = applyItems(
      parseDnsArgs(['--dnssec', '--trust-anchor=.,20326,8,2,E06D44B8', '--trust-anchor=Signed.Test.,1,13,2,ab:CD', '--dnssec-check-unsigned=no', '--dnssec-no-timecheck']).items,
    );
    expect(config).toMatchObject({ dnssec: true, dnssecCheckUnsigned: false, dnssecNoTimecheck: true });
    expect(config.trustAnchors).toEqual([
      { domain: '', keyTag: 20326, algorithm: 8, digestType: 2, digest: 'e06d44b8' },
      { domain: 'signed.test', keyTag: 1, algorithm: 13, digestType: 2, digest: 'abcd' },
    ]);
    expect(applyItems(parseDnsArgs(['--dnssec']).items)).toMatchObject({ dnssec: true, dnssecCheckUnsigned: true, dnssecNoTimecheck: false, trustAnchors: [] });
  });
});
