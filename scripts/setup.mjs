#!/usr/bin/env node
// Installs what `npm start` and `npm test` need, and nothing when it is all
// there already (idempotent). Runs on whatever Node started npm — the machine's
// may be old — so it uses only long-stable Node APIs.
//
//   node scripts/setup.mjs          nats-server + npm packages + the compiled CLI
//   node scripts/setup.mjs --test   also the real DHCP/DNS peers the tests drive
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wantTestTools = process.argv.includes('--test');

// Debian package for each command we need on PATH.
const runtimeCommands = { 'nats-server': 'nats-server' };
const testCommands = {
  ip: 'iproute2',
  dhclient: 'isc-dhcp-client',
  udhcpc: 'udhcpc',
  dhcpcd: 'dhcpcd-base',
  dig: 'bind9-dnsutils',
  dnsmasq: 'dnsmasq-base',
  // A real signed zone for the DNS cache's DNSSEC tests: BIND signs it (dnssec-keygen, dnssec-signzone) and serves it (named).
  named: 'bind9',
  'dnssec-signzone': 'bind9-utils',
  // A real DNS-over-TLS upstream for the DNS cache's server=tls:// test (packages/dns-cache/src/tls-upstream.test.ts).
  unbound: 'unbound',
  dhcrelay: 'isc-dhcp-relay',
  tcpdump: 'tcpdump',
  // Router advertisements as a host sees them (the agent's RA sender, harness/src/agent-e2e/router-advertisements.test.ts).
  rdisc6: 'ndisc6',
  dnsperf: 'dnsperf',
  busybox: 'busybox',
  openssl: 'openssl',
  // The real OpenStack client, driving the Neutron HTTP API (harness/src/integration/openstack-cli.test.ts).
  openstack: 'python3-openstackclient',
  // A real TFTP client for the agent's TFTP server (network boot).
  tftp: 'tftp-hpa',
  // A real network boot: QEMU (TCG, no KVM needed) with Debian's iPXE ROMs (ipxe-qemu, a dependency) boots from the agent (harness/src/agent-e2e/qemu-boot.test.ts).
  'qemu-system-x86_64': 'qemu-system-x86',
  // Headless Chromium, driven by playwright-core, for the web console's tests.
  chromium: 'chromium',
};

function log(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
    || existsSync(`/usr/sbin/${cmd}`) || existsSync(`/sbin/${cmd}`);
}

function installDebianPackages(commands) {
  const missing = Object.entries(commands).filter(([cmd]) => !onPath(cmd));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    log(`missing commands: ${missing.map(([c]) => c).join(', ')}`);
    log(`install them with:  sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`);
    process.exit(1);
  }
  log(`installing Debian packages: ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env }).status === 0;
  // A fresh machine has no package lists: update first if the install fails.
  if (!run(['install', '-y', '-qq', ...pkgs])) {
    if (!run(['update', '-qq']) || !run(['install', '-y', '-qq', ...pkgs])) {
      log(`apt-get could not install ${pkgs.join(' ')}`);
      process.exit(1);
    }
  }
}

// npm packages: reinstall when node_modules is missing or was installed from
// a different lockfile / set of manifests than the ones checked out now.
function installNpmPackages() {
  // Only what decides the installed tree counts: editing a script must not reinstall.
  const manifests = ['package.json', ...workspaceManifests()];
  const hash = createHash('sha256');
  for (const file of manifests) {
    const path = join(root, file);
    const pkg = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
    const { dependencies, devDependencies, optionalDependencies, peerDependencies, overrides, workspaces } = pkg;
    hash.update(file).update(JSON.stringify({ dependencies, devDependencies, optionalDependencies, peerDependencies, overrides, workspaces }));
  }
  const lockPath = join(root, 'package-lock.json');
  hash.update(existsSync(lockPath) ? readFileSync(lockPath) : '');
  const want = hash.digest('hex');
  const stamp = join(root, 'node_modules', '.leasehold-install');
  const have = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '';
  if (have === want && existsSync(join(root, 'node_modules', '.bin', 'nx'))) return;
  // A fresh tree gets exactly the lockfile (npm ci). A tree that is there already is only
  // brought up to date (npm install keeps what is installed): npm ci would delete
  // node_modules first, under any test, server or build running from it meanwhile.
  const fresh = !existsSync(join(root, 'node_modules', '.bin', 'nx')) || !existsSync(lockPath);
  const args = fresh && existsSync(lockPath) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  log(`installing npm packages (npm ${args[0]})`);
  // Two set-ups at once (npm test and a test that runs npm start) take turns: flock(1) holds
  // a lock beside the tree for the install's length; the second then finds little to do.
  const command = onPath('flock') ? ['flock', join(root, '.setup.lock'), 'npm', ...args] : ['npm', ...args];
  execFileSync(command[0], command.slice(1), { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, want);
}

function workspaceManifests() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const out = [];
  for (const pattern of pkg.workspaces ?? []) {
    if (pattern.endsWith('/*')) {
      const dir = join(root, pattern.slice(0, -2));
      const names = spawnSync('ls', [dir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      for (const name of names.sort()) out.push(join(pattern.slice(0, -2), name, 'package.json'));
    } else {
      out.push(join(pattern, 'package.json'));
    }
  }
  return out.filter((f) => existsSync(join(root, f)));
}

// The small N-API addons (the agent's interface-bound UDP sockets, the DNS
// cache's batched UDP, the journal's data directory lock); each build script
// rebuilds only when its source changed.
function buildNativeAddons() {
  for (const pkg of ['agent', 'dns-cache', 'journal']) {
    const script = join(root, 'packages', pkg, 'native', 'build.mjs');
    if (existsSync(script)) execFileSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
  }
}

// The compiled JavaScript `leasehold` runs (tools/bin/leasehold.mjs): tools/dist
// and the dist of every package it depends on. Nx builds only what is missing
// or stale and restores unchanged builds from its cache; a build is never a
// test result, so the cache is fine here. Quiet unless it fails.
function buildCompiled() {
  const nx = join(root, 'node_modules', '.bin', 'nx');
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
  const run = spawnSync(nx, ['run', '@leasehold/tools:build', '--outputStyle=stream'], { cwd: root, env, encoding: 'utf8' });
  if (run.status !== 0) {
    process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? ''}`);
    log('building the compiled JavaScript failed (nx run @leasehold/tools:build)');
    process.exit(1);
  }
}

installDebianPackages(wantTestTools ? { ...runtimeCommands, ...testCommands } : runtimeCommands);
installNpmPackages();
buildNativeAddons();
buildCompiled();
