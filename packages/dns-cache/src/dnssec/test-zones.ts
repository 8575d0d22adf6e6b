/**
 * Test helper (never exported from the index): real signed zones, made by
 * BIND's dnssec-keygen and dnssec-signzone and served by BIND's named in a
 * network namespace the test creates (a veth pair, 198.19.153.0/30), the
 * upstream the DNSSEC tests validate against. Needs root, named and the
 * bind9-utils tools (scripts/setup.mjs installs them).
 *
 * Zones: signed.test (ECDSA P-256, NSEC; a wildcard, a secure child
 * zone child.signed.test with its DS, an insecure delegation to
 * insecure.signed.test without DS), rsa.test (RSA/SHA-256, NSEC3), ed.test
 * (Ed25519), bad.test (signed, then `www` edited: its signature no longer
 * matches) and nosig.test (served unsigned, though an anchor names a key).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const NAMED_ADDRESS = '198.19.153.2';
const HOST_ADDRESS = '198.19.153.1';
/** Signatures valid from 2026-01-01 to 2037-01-01 (BIND's own check refuses later ones), so fixtures made from them stay valid with a fixed clock. */
const INCEPTION = '20260101000000';
const EXPIRATION = '20370101000000';

export interface SignedZones extends AsyncDisposable {
  readonly server: { address: string; port: number; family: 4 };
  /** trust-anchor option values (domain,key-tag,algorithm,2,digest), one per signed zone and nosig.test. */
  readonly anchors: string[];
  stop(): Promise<void>;
}

const soa = (zone: string) => `$TTL 300\n@ SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 300\n@ NS ns.${zone}.\nns.${zone}. A ${NAMED_ADDRESS}\n`;

async function keys(dir: string, zone: string, algorithm: string): Promise<{ include: string; ds: string }> {
  const ksk = (await run('dnssec-keygen', ['-q', '-K', dir, '-a', algorithm, '-f', 'KSK', '-n', 'ZONE', zone])).stdout.trim();
  const zsk = (await run('dnssec-keygen', ['-q', '-K', dir, '-a', algorithm, '-n', 'ZONE', zone])).stdout.trim();
  const ds = (await run('dnssec-dsfromkey', ['-2', join(dir, `${ksk}.key`)])).stdout.trim();
  return { include: `$INCLUDE ${join(dir, `${ksk}.key`)}\n$INCLUDE ${join(dir, `${zsk}.key`)}\n`, ds };
}

async function sign(dir: string, zone: string, text: string, extra: string[] = []): Promise<string> {
  const file = join(dir, `${zone}.zone`);
  writeFileSync(file, text);
  await run('dnssec-signzone', ['-q', '-K', dir, '-d', dir, '-o', zone, '-s', INCEPTION, '-e', EXPIRATION, '-f', `${file}.signed`, ...extra, file]);
  return `${file}.signed`;
}

/** `signed.test. IN DS 123 13 2 ABCD` → `signed.test,123,13,2,abcd`. */
const anchorOf = (ds: string) => {
  const [owner = '', , , tag, alg, digestType, ...digest] = ds.split(/\s+/);
  return `${owner.replace(/\.$/, '')},${tag},${alg},${digestType},${digest.join('').toLowerCase()}`;
};

/** Makes, signs and serves the test zones; `remove()`/`stop()` undoes everything. */
export async function startSignedZones(): Promise<SignedZones> {
  const dir = mkdtempSync(join(tmpdir(), 'lh-dnssec-'));
  const tag = randomBytes(3).toString('hex');
  const ns = `lhdnssec-${tag}`;
  const hostIf = `lhds${tag}`;
  const zones: [string, string][] = [];

  const child = await keys(dir, 'child.signed.test', 'ECDSAP256SHA256');
  zones.push(['child.signed.test', await sign(dir, 'child.signed.test', `${soa('child.signed.test')}www A 198.18.0.86\n${child.include}`)]);
  // claimed.signed.test: the parent publishes a DS for it, but it is served unsigned (a downgrade, as an attacker would strip it).
  const claimed = await keys(dir, 'claimed.signed.test', 'ECDSAP256SHA256');
  writeFileSync(join(dir, 'claimed.signed.test.zone'), `${soa('claimed.signed.test')}www A 198.18.0.88\n`);
  zones.push(['claimed.signed.test', join(dir, 'claimed.signed.test.zone')]);
  const signed = await keys(dir, 'signed.test', 'ECDSAP256SHA256');
  zones.push([
    'signed.test',
    await sign(
      dir,
      'signed.test',
      `${soa('signed.test')}www A 198.18.0.80\nwww TXT "hello"\n*.wild A 198.18.0.81\nold DNAME signed.test.\n` +
        `insecure NS ns.insecure\nns.insecure A ${NAMED_ADDRESS}\nchild NS ns.child\nns.child A ${NAMED_ADDRESS}\n${child.ds}\n` +
        `claimed NS ns.claimed\nns.claimed A ${NAMED_ADDRESS}\n${claimed.ds}\n${signed.include}`,
    ),
  ]);
  writeFileSync(join(dir, 'insecure.signed.test.zone'), `${soa('insecure.signed.test')}host A 198.18.0.82\n`);
  zones.push(['insecure.signed.test', join(dir, 'insecure.signed.test.zone')]);
  const rsa = await keys(dir, 'rsa.test', 'RSASHA256');
  zones.push(['rsa.test', await sign(dir, 'rsa.test', `${soa('rsa.test')}www A 198.18.0.83\n${rsa.include}`, ['-3', '-', '-H', '0'])]);
  const ed = await keys(dir, 'ed.test', 'ED25519');
  zones.push(['ed.test', await sign(dir, 'ed.test', `${soa('ed.test')}www A 198.18.0.84\n${ed.include}`)]);
  const bad = await keys(dir, 'bad.test', 'ECDSAP256SHA256');
  const badFile = await sign(dir, 'bad.test', `${soa('bad.test')}www A 198.18.0.85\n${bad.include}`);
  // Tampered after signing: the A record's RRSIG is over 198.18.0.85.
  writeFileSync(badFile, readFileSync(badFile, 'utf8').replace('198.18.0.85', '198.18.0.99'));
  zones.push(['bad.test', badFile]);
  // plain.test: unsigned, under no anchor but the root's (which names this server cannot prove anything about).
  writeFileSync(join(dir, 'plain.test.zone'), `${soa('plain.test')}www A 198.18.0.89\n`);
  zones.push(['plain.test', join(dir, 'plain.test.zone')]);
  const nosig = await keys(dir, 'nosig.test', 'ECDSAP256SHA256');
  writeFileSync(join(dir, 'nosig.test.zone'), `${soa('nosig.test')}www A 198.18.0.87\n`);
  zones.push(['nosig.test', join(dir, 'nosig.test.zone')]);

  const conf = join(dir, 'named.conf');
  writeFileSync(
    conf,
    `options { directory "${dir}"; pid-file "${dir}/named.pid"; listen-on port 53 { ${NAMED_ADDRESS}; }; listen-on-v6 { none; }; recursion no; dnssec-validation no; minimal-responses no; };\n` +
      zones.map(([zone, file]) => `zone "${zone}" { type primary; file "${file}"; };\n`).join(''),
  );

  let named: ChildProcess | undefined;
  const stop = async () => {
    if (named !== undefined && named.exitCode === null) {
      const exited = new Promise((resolve) => named!.once('exit', resolve));
      named.kill('SIGTERM');
      await exited;
    }
    await run('ip', ['link', 'del', hostIf]).catch(() => {});
    await run('ip', ['netns', 'del', ns]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await run('ip', ['addr', 'add', `${HOST_ADDRESS}/30`, 'dev', hostIf]);
    await run('ip', ['link', 'set', hostIf, 'up']);
    await run('ip', ['-n', ns, 'addr', 'add', `${NAMED_ADDRESS}/30`, 'dev', 'eth0']);
    await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    named = spawn('ip', ['netns', 'exec', ns, 'named', '-g', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    named.stderr!.on('data', (d) => (log += d));
    const deadline = Date.now() + 15_000;
    while (!log.includes('running')) {
      if (Date.now() > deadline || named.exitCode !== null) throw new Error(`named did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // "running" comes before every zone has loaded: wait for the last one to answer.
    while ((await run('dig', [`@${NAMED_ADDRESS}`, '+norec', '+tries=1', '+time=1', 'www.nosig.test', 'A']).catch(() => ({ stdout: '' }))).stdout.includes('198.18.0.87') === false) {
      if (Date.now() > deadline) throw new Error(`named does not answer: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const anchors = [signed, rsa, ed, bad, nosig].map((k) => anchorOf(k.ds));
  return { server: { address: NAMED_ADDRESS, port: 53, family: 4 }, anchors, stop, [Symbol.asyncDispose]: stop };
}
