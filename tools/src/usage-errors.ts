/**
 * Usage mistakes (an unknown command or flag, a missing or bad value) are
 * two or three lines and exit 2 everywhere: commander's message, its
 * did-you-mean for a near flag or command, and where the help is — never
 * the whole help (it buried the one line that mattered). Exit codes a
 * command sets itself are kept.
 */
import type { Command, CommanderError } from 'commander';

/** Exit status of a usage mistake, as the resource commands had it (a 4xx is 2 too). */
const EXIT_USAGE_ERROR = 2;
/** Commander's own codes that are not mistakes: help or the version asked for. */
const NOT_MISTAKES = new Set(['commander.helpDisplayed', 'commander.version']);

/** The exit status for commander's error: 0 for help asked for, 2 for a usage mistake, else its own. Pure. */
export function usageExitCode(error: CommanderError): number {
  if (error.exitCode === 0 || NOT_MISTAKES.has(error.code)) return error.exitCode;
  return error.code.startsWith('commander.') && error.code !== 'commander.error' && error.code !== 'commander.executeSubCommandAsync' ? EXIT_USAGE_ERROR : error.exitCode;
}

/** Applies the short usage errors to `command` and every command under it. */
export function briefUsageErrors(command: Command, path: string = command.name()): void {
  command
    .showHelpAfterError(`(see '${path} --help')`)
    .showSuggestionAfterError(true)
    .exitOverride((error) => process.exit(usageExitCode(error)));
  unknownFlagsFirst(command);
  for (const sub of command.commands) briefUsageErrors(sub, `${path} ${sub.name()}`);
}

/** The commander 15 internals `unknownFlagsFirst` reaches (tools/package.json: ^15.1.0; checked at run time). */
interface CommanderInternals {
  _allowUnknownOption: boolean;
  _checkForMissingMandatoryOptions(): void;
  unknownOption(flag: string): never;
  args: string[];
}

/**
 * Commander checks required options before unknown ones, so a misspelt
 * required flag (`port create --netwrok demo`) was reported as the right one
 * missing ("--network not specified"); the unknown flag, with its
 * did-you-mean, is the mistake to report.
 */
function unknownFlagsFirst(command: Command): void {
  const internals = command as unknown as CommanderInternals;
  const checkMandatory = internals._checkForMissingMandatoryOptions;
  if (typeof checkMandatory !== 'function') return; // another commander: its own order
  internals._checkForMissingMandatoryOptions = function (this: CommanderInternals) {
    // What commander left unparsed starts at the first flag it did not know.
    const unknown = this._allowUnknownOption ? undefined : this.args.find((a) => a.length > 1 && a.startsWith('-') && a !== '--');
    if (unknown !== undefined) this.unknownOption(unknown);
    checkMandatory.call(this);
  };
}
