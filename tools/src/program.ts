/**
 * The `leasehold` command line, built but not run (main.ts runs it). The
 * process commands (start, api, scheduler, dhcp-agent) come from
 * @leasehold/server; every other command lives in src/commands/.
 */
import { Command } from 'commander';
import { addServeCommands } from '@leasehold/server';
import { decodeCommand } from './commands/decode.js';
import { addResourceCommands } from './commands/resources/index.js';
import { dns } from './commands/dns.js';
import { eventsCommand } from './commands/events/command.js';
import { replayCommand } from './commands/replay/command.js';
import { exportCommand } from './commands/export/command.js';
import { whyCommand } from './commands/why/command.js';
import { historyCommand } from './commands/history/command.js';
import { checkConfigCommand } from './commands/check-config.js';
import { importDnsmasqCommand } from './commands/import-dnsmasq.js';
import { cliReferenceCommand } from './docs/cli-reference.js';
import { briefUsageErrors } from './usage-errors.js';
import { leaseholdVersion } from './version.js';

/** Every command and flag of `leasehold`; pure (builds commander objects, runs nothing). */
export function leaseholdProgram(): Command {
  const program = new Command()
    .name('leasehold')
    .description('Neutron-style DHCP + DNS control plane on NATS JetStream')
    // Not commander's .version(): the commit is read only when asked.
    .option('-V, --version', 'print the version (package.json, and the git commit of a checkout)')
    .on('option:version', () => {
      console.log(leaseholdVersion());
      process.exit(0);
    });

  addServeCommands(program);

  addResourceCommands(program);
  program.addCommand(decodeCommand());
  program.addCommand(eventsCommand());
  program.addCommand(replayCommand());
  program.addCommand(exportCommand());
  program.addCommand(whyCommand());
  program.addCommand(historyCommand());

  program
    .command('dns')
    .description('run the DNS cache alone, with dnsmasq option names: --listen-address A --port N --server IP[#PORT] ... [--conf-file F] [--test] (leasehold dns --help lists them)')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async (_opts: unknown, command: Command) => {
      process.exitCode = await dns(command.args);
    });

  program.addCommand(checkConfigCommand());
  program.addCommand(importDnsmasqCommand());
  // Hidden: it writes docs/cli.md from the definitions above.
  program.addCommand(cliReferenceCommand(program), { hidden: true });
  // Last: every command above, the daemon's and the resources' included.
  briefUsageErrors(program);
  return program;
}
