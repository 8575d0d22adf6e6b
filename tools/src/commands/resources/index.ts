/** The resource commands (`net`, `subnet`, `port`, `agent`, `binding`, `lease`) over the API's typed client. */
import type { Command } from 'commander';
import { agentCommand, bindingCommand, leaseCommand } from './agent.js';
import { EXIT_USER_ERROR } from './errors.js';
import { networkCommand } from './network.js';
import { portCommand } from './port.js';
import { subnetCommand } from './subnet.js';

/** Adds the resource commands to `program`; a usage mistake (unknown flag, missing value) exits 2, like a 4xx. */
export function addResourceCommands(program: Command): void {
  for (const command of [networkCommand(), subnetCommand(), portCommand(), agentCommand(), bindingCommand(), leaseCommand()]) {
    const usageExit = (c: Command) => {
      c.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USER_ERROR)).showHelpAfterError();
      c.commands.forEach(usageExit);
    };
    usageExit(command);
    program.addCommand(command);
  }
}
