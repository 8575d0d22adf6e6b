/** Errors of the configuration: each names where the bad value came from, the field, and why. */

/** A configuration value that cannot be used: `file:line: field: reason`, like a compiler (and `dnsmasq --test`). */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
  constructor(
    /** The file, or the environment variable or flag that set the value. */
    readonly source: string,
    /** 1-based line in the file; undefined for the environment, flags, or a file that could not be read. */
    readonly line: number | undefined,
    /** Dotted path of the setting ("scheduler.agents_per_network"), empty for the file as a whole. */
    readonly field: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${line === undefined ? source : `${source}:${line}`}: ${field ? `${field}: ` : ''}${reason}`, options);
  }
}

/** Several problems found in one run (check-config reports them all): the message is theirs, one per line, in file order; the fields are the first's. */
export class ConfigFileErrors extends ConfigFileError {
  override name = 'ConfigFileErrors';
  constructor(readonly problems: readonly ConfigFileError[]) {
    const first = problems[0]!;
    super(first.source, first.line, first.field, first.reason);
    this.message = problems.map((p) => p.message).join('\n');
  }
}

/**
 * One error for a list of problems: the problem itself when alone, else all
 * of them in file order (by line; a value set by the environment or a flag,
 * which has no line, after the file's). Pure.
 */
export function configProblems(problems: readonly ConfigFileError[]): ConfigFileError {
  const flat = problems.flatMap((p) => (p instanceof ConfigFileErrors ? p.problems : [p]));
  if (flat.length === 1) return flat[0]!;
  const sorted = flat.map((p, i) => ({ p, i })).sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || a.i - b.i).map(({ p }) => p);
  return new ConfigFileErrors(sorted);
}
