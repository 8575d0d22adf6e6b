/**
 * `leasehold import-dnsmasq FILE [--network-name N] [--dry-run] [--update] [-o FILE]`:
 * the migration path for dnsmasq users. Creates the networks, subnets and
 * ports a dnsmasq.conf (with its conf-file and conf-dir includes) describes
 * through the API (found as the other CLI commands find it), writes or
 * prints the DNS settings as leasehold.yaml's dns section, and reports
 * every line: what it became or why it could not. A line dnsmasq itself
 * would refuse stops the import with exit 1, as `dnsmasq --test` does;
 * importing again shows what differs and changes it only with --update.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { ConfigError, readConfFile } from '@leasehold/dns-cache';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { applyPlan, networkRequests } from './import-dnsmasq-apply.js';
import { dnsYaml, planImport, type LineNote, type Plan } from './import-dnsmasq-plan.js';
import { runWithApi, withConnectionFlags, type ConnectionFlags } from './resources/connection.js';
import { CliError } from './resources/errors.js';

interface ImportFlags extends ConnectionFlags {
  readonly networkName: string;
  readonly dryRun?: boolean;
  readonly output?: string;
  readonly update?: boolean;
}

/** A line of the report: `file:line  status  text  → detail`. Pure. */
export function reportLine(note: LineNote): string {
  const status = { created: 'created ', dns: 'dns     ', agent: 'agent   ', unmapped: 'NOT MAPPED', ignored: 'ignored ', error: 'ERROR' }[note.status];
  return `${note.file}:${note.line}  ${status.padEnd(10)}  ${note.text}${note.detail ? `  → ${note.detail}` : ''}`;
}

/** The summary line: what was created (or with a dry run, would be). Pure. */
export function summary(plan: Plan, created: { networks: number; ports: number } | undefined): string {
  const count = (s: LineNote['status']) => plan.notes.filter((n) => n.status === s).length;
  const verb = created ? 'created' : 'would create';
  const { networks, ports } = created ?? { networks: plan.networks.length, ports: plan.ports.length };
  return `${verb} ${networks} network(s), ${networks} subnet(s), ${ports} port(s); ${count('dns')} DNS setting(s), ${count('agent')} agent setting(s); ${count('unmapped')} line(s) not mapped, ${count('ignored')} ignored`;
}

export function importDnsmasqCommand(): Command {
  return withConnectionFlags(
    new Command('import-dnsmasq')
      .description('create networks, subnets and ports from a dnsmasq configuration (dhcp-range, dhcp-host, dhcp-option, domain) and write its DNS settings (server, address, host-record, ...) as leasehold.yaml')
      .argument('<file>', 'the dnsmasq configuration, e.g. /etc/dnsmasq.conf (conf-file= and conf-dir= lines are followed)')
      .option('--network-name <name>', 'name of the network (with several dhcp-ranges: the prefix of each)', 'dnsmasq')
      .option('--dry-run', 'print what would be created; talk to no API')
      .option('--update', 'when a network of that name exists and differs from the file, change it to match (without it the differences are only shown)')
      .option('-o, --output <file>', 'write the DNS settings to this leasehold.yaml (refuses to overwrite)'),
  ).action(async (file: string, flags: ImportFlags) => {
    let plan: Plan;
    try {
      plan = planImport(readConfFile(file), flags.networkName);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`leasehold import-dnsmasq: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    const errors = plan.notes.filter((n) => n.status === 'error');
    if (errors.length > 0) {
      // As dnsmasq --test: a value dnsmasq would refuse means the file is not what the operator thinks it is; import nothing.
      for (const note of errors) process.stderr.write(`leasehold import-dnsmasq: ${note.detail} at line ${note.line} of ${note.file}: ${note.text}\n`);
      process.stderr.write(`leasehold import-dnsmasq: ${errors.length} line(s) dnsmasq would refuse; nothing imported\n`);
      process.exitCode = 1;
      return;
    }
    if (flags.output && existsSync(flags.output)) {
      process.stderr.write(`leasehold import-dnsmasq: ${flags.output} exists; choose another -o file or merge by hand\n`);
      process.exitCode = 1;
      return;
    }
    const finish = (failed: number, outcome: readonly string[] = [], created?: { networks: number; ports: number }) => {
      const yaml = dnsYaml(plan);
      if (flags.output) writeFileSync(flags.output, yaml);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ dry_run: !!flags.dryRun, networks: plan.networks.map(networkRequests), ports: plan.ports.length, lines: plan.notes, warnings: plan.warnings, outcome, leasehold_yaml: yaml }, null, 2)}\n`);
      } else {
        if (flags.dryRun) for (const n of plan.networks) process.stdout.write(`would create ${JSON.stringify(networkRequests(n))}\n`);
        for (const note of plan.notes) process.stdout.write(`${reportLine(note)}\n`);
        for (const line of outcome) process.stdout.write(`${line}\n`);
        for (const warning of plan.warnings) process.stdout.write(`warning: ${warning}\n`);
        process.stdout.write(`${summary(plan, created)}${failed ? `; ${failed} request(s) refused by the API` : ''}\n`);
        if (flags.output) process.stdout.write(`DNS settings written to ${flags.output}\n`);
        else process.stdout.write(`\n# leasehold.yaml (DNS settings; write it with -o FILE)\n${yaml}`);
      }
      if (failed) process.exitCode = 1;
    };
    if (flags.dryRun) return finish(0);
    await runWithApi(flags, async ({ client }) => {
      const total = plan.networks.length + plan.ports.length;
      const bar = process.stderr.isTTY && !flags.json && total > 0 ? new SingleBar({ format: 'importing [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true }) : undefined;
      bar?.start(total, 0);
      let result;
      try {
        result = await applyPlan(client, plan, !!flags.update, (done) => bar?.update(done));
      } finally {
        bar?.stop();
      }
      const { failed, lines, created } = result;
      if (failed > 0 && failed === total) throw new CliError('IMPORT_FAILED', `the API refused every request: ${plan.notes.find((n) => n.detail.startsWith('API refused'))?.detail ?? ''}`);
      finish(failed, lines, created);
    });
  });
}
