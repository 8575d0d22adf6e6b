/**
 * `leasehold import-dnsmasq FILE [--network-name N] [--dry-run] [-o FILE]`:
 * the migration path for dnsmasq users. Creates the networks, subnets and
 * ports a dnsmasq.conf describes through the API (found as the other CLI
 * commands find it), writes or prints the DNS settings as leasehold.yaml's
 * dns section, and reports every line: what it became or why it could not.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ApiClient } from '@leasehold/api/client';
import { formatCidr, formatIpv4 } from '@leasehold/protocol';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { allocationPools, dnsYaml, planImport, readItems, type LineNote, type Plan, type PlanNetwork } from './import-dnsmasq-plan.js';
import { runWithApi, withConnectionFlags, type ConnectionFlags } from './resources/connection.js';
import { CliError } from './resources/errors.js';

interface ImportFlags extends ConnectionFlags {
  readonly networkName: string;
  readonly dryRun?: boolean;
  readonly output?: string;
}

const range = (r: { first: number; last: number }) => ({ start: formatIpv4(r.first as never), end: formatIpv4(r.last as never) });

/** The API requests of one planned network (with its subnet). Pure. */
export function networkRequests(n: PlanNetwork) {
  const { subnet } = n;
  const gateway = subnet.gateway === undefined ? undefined : subnet.gateway === null ? null : formatIpv4(subnet.gateway);
  const gatewayNumber = subnet.gateway === undefined ? (subnet.cidr.address + 1) : subnet.gateway;
  return {
    network: { name: n.name, ...(n.dnsDomain ? { dns_domain: n.dnsDomain } : {}) },
    subnet: {
      cidr: formatCidr(subnet.cidr),
      name: `${n.name}-v4`,
      ...(gateway !== undefined ? { gateway_ip: gateway } : {}),
      allocation_pools: allocationPools(subnet.cidr, gatewayNumber, subnet.dynamicPools).map(range),
      dynamic_pools: subnet.dynamicPools.map(range),
      ...(subnet.dnsNameservers ? { dns_nameservers: subnet.dnsNameservers } : {}),
      ...(subnet.hostRoutes ? { host_routes: subnet.hostRoutes } : {}),
      lease_duration: subnet.leaseDuration,
      enable_dhcp: true,
    },
  };
}

/** A line of the report: `file:line  status  text  → detail`. Pure. */
export function reportLine(note: LineNote): string {
  const status = { created: 'created ', dns: 'dns     ', agent: 'agent   ', unmapped: 'NOT MAPPED', ignored: 'ignored ' }[note.status];
  return `${note.file}:${note.line}  ${status.padEnd(10)}  ${note.text}${note.detail ? `  → ${note.detail}` : ''}`;
}

/** The summary line. Pure. */
export function summary(plan: Plan, dryRun: boolean): string {
  const count = (s: LineNote['status']) => plan.notes.filter((n) => n.status === s).length;
  const verb = dryRun ? 'would create' : 'created';
  return `${verb} ${plan.networks.length} network(s), ${plan.networks.length} subnet(s), ${plan.ports.length} port(s); ${count('dns')} DNS setting(s), ${count('agent')} agent setting(s); ${count('unmapped')} line(s) not mapped, ${count('ignored')} ignored`;
}

/** Creates what the plan holds; a failed request marks its line and the work goes on. Returns how many requests failed. */
async function apply(client: ApiClient, plan: Plan, progress: (done: number) => void): Promise<number> {
  let failed = 0;
  let done = 0;
  const fail = (note: LineNote | undefined, error: unknown) => {
    failed++;
    if (note) Object.assign(note, { status: 'unmapped', detail: `API refused: ${(error as Error).message}` });
  };
  const ids = new Map<PlanNetwork, { network: string; subnet: string }>();
  for (const n of plan.networks) {
    const req = networkRequests(n);
    const note = plan.notes.find((x) => x.status === 'created' && x.text.startsWith('dhcp-range') && x.detail.includes(`subnet ${req.subnet.cidr}`));
    try {
      const network = await client.networks.create(req.network);
      const subnet = await client.subnets.create({ ...req.subnet, network_id: network.id });
      ids.set(n, { network: network.id, subnet: subnet.id });
      if (note) note.detail = `network ${n.name} (${network.id}), ${note.detail}`;
    } catch (error) {
      fail(note, error);
    }
    progress(++done);
  }
  for (const p of plan.ports) {
    const at = ids.get(p.network);
    try {
      if (!at) throw new Error(`network ${p.network.name} was not created`);
      const port = await client.ports.create({
        network_id: at.network,
        mac_address: p.mac,
        name: p.dnsName ?? p.mac,
        ...(p.ip !== undefined ? { fixed_ips: [{ subnet_id: at.subnet, ip_address: formatIpv4(p.ip) }] } : {}),
        ...(p.dnsName ? { dns_name: p.dnsName } : {}),
        ...(p.extraDhcpOpts.length ? { extra_dhcp_opts: p.extraDhcpOpts } : {}),
      });
      p.note.detail = `${p.note.detail} (${port.id})`;
    } catch (error) {
      fail(p.note, error);
    }
    progress(++done);
  }
  return failed;
}

export function importDnsmasqCommand(): Command {
  return withConnectionFlags(
    new Command('import-dnsmasq')
      .description('create networks, subnets and ports from a dnsmasq configuration (dhcp-range, dhcp-host, dhcp-option, domain) and write its DNS settings (server, address, host-record, ...) as leasehold.yaml')
      .argument('<file>', 'the dnsmasq configuration, e.g. /etc/dnsmasq.conf (conf-file= lines are followed)')
      .option('--network-name <name>', 'name of the network (with several dhcp-ranges: the prefix of each)', 'dnsmasq')
      .option('--dry-run', 'print what would be created; talk to no API')
      .option('-o, --output <file>', 'write the DNS settings to this leasehold.yaml (refuses to overwrite)'),
  ).action(async (file: string, flags: ImportFlags) => {
    const path = resolve(file);
    let plan: Plan;
    try {
      const read = (f: string) => readFileSync(resolve(dirname(path), f), 'utf8');
      plan = planImport(readItems(read(path), file, read), flags.networkName);
    } catch (error) {
      process.stderr.write(`leasehold import-dnsmasq: cannot read ${file}: ${(error as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    if (flags.output && existsSync(flags.output)) {
      process.stderr.write(`leasehold import-dnsmasq: ${flags.output} exists; choose another -o file or merge by hand\n`);
      process.exitCode = 1;
      return;
    }
    const finish = (failed: number) => {
      const yaml = dnsYaml(plan);
      if (flags.output) writeFileSync(flags.output, yaml);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ dry_run: !!flags.dryRun, networks: plan.networks.map(networkRequests), ports: plan.ports.length, lines: plan.notes, leasehold_yaml: yaml }, null, 2)}\n`);
      } else {
        if (flags.dryRun) for (const n of plan.networks) process.stdout.write(`would create ${JSON.stringify(networkRequests(n))}\n`);
        for (const note of plan.notes) process.stdout.write(`${reportLine(note)}\n`);
        process.stdout.write(`${summary(plan, !!flags.dryRun)}${failed ? `; ${failed} request(s) refused by the API` : ''}\n`);
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
      let failed: number;
      try {
        failed = await apply(client, plan, (done) => bar?.update(done));
      } finally {
        bar?.stop();
      }
      if (failed > 0 && failed === total) throw new CliError('IMPORT_FAILED', `the API refused every request: ${plan.notes.find((n) => n.detail.startsWith('API refused'))?.detail ?? ''}`);
      finish(failed);
    });
  });
}
