/**
 * `leasehold check-config [FILE]`: checks a configuration the way the
 * processes would load it (file, then environment), like `dnsmasq --test`:
 * prints "leasehold: syntax check OK." or every problem, one per line in
 * file order, as `file:line: field: reason` (an unknown setting or dns option
 * with the one it most likely meant) and exits 1.
 */
import { Command } from 'commander';
import { checkConfig, ConfigFileError, findConfigFile, loadConfig } from '@leasehold/server';

export interface CheckResult {
  readonly code: number;
  /** The line to print: on stdout when code is 0, else on stderr. */
  readonly line: string;
}

/** Checks `file` (or the file the processes would find) with `env` over it. Reads the file. */
export function checkConfigFile(file: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CheckResult {
  const path = findConfigFile(file, env, cwd);
  try {
    checkConfig(loadConfig({ file: path, env }));
  } catch (error) {
    if (error instanceof ConfigFileError) return { code: 1, line: error.message };
    throw error;
  }
  return { code: 0, line: path ? 'leasehold: syntax check OK.' : 'leasehold: no configuration file (defaults and environment only): syntax check OK.' };
}

export function checkConfigCommand(): Command {
  return new Command('check-config')
    .description('check a configuration file like `dnsmasq --test`: "syntax check OK." or file:line: field: reason (exit 1)')
    .argument('[file]', 'the file to check (default: --config, $LEASEHOLD_CONFIG, else ./leasehold.yaml)')
    .option('--config <file>', 'the file to check, as the process commands take it')
    .action((file: string | undefined, flags: { config?: string }) => {
      const result = checkConfigFile(file ?? flags.config);
      (result.code === 0 ? process.stdout : process.stderr).write(`${result.line}\n`);
      process.exitCode = result.code;
    });
}
