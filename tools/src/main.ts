/** The `leasehold` command line. Each command lives in src/commands/. */
import { Command } from 'commander';
import { decodeCommand } from './commands/decode.js';
import { addResourceCommands } from './commands/resources/index.js';
import { dns } from './commands/dns.js';
import { start } from './commands/start.js';

const program = new Command()
  .name('leasehold')
  .description('Neutron-style DHCP + DNS control plane on NATS JetStream')
  .showHelpAfterError();

program
  .command('start')
  .description('run the system; spawns its own nats-server unless NATS_URL is set')
  .option('--data-dir <dir>', 'where the embedded nats-server keeps its store', process.env.LEASEHOLD_DATA_DIR ?? './.leasehold')
  .option('--nats-url <url>', 'use this NATS server instead of an embedded one', process.env.NATS_URL)
  .action(async (opts: { dataDir: string; natsUrl?: string }) => {
    await start({ dataDir: opts.dataDir, natsUrl: opts.natsUrl || undefined });
  });

addResourceCommands(program);
program.addCommand(decodeCommand());

program
  .command('dns')
  .description('run the DNS cache alone, with dnsmasq option names: --listen-address A --port N --server IP[#PORT] ... [--conf-file F] [--test]')
  .allowUnknownOption()
  .allowExcessArguments()
  .helpOption(false)
  .action(async (_opts: unknown, command: Command) => {
    process.exitCode = await dns(command.args);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`leasehold: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
