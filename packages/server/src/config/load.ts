/**
 * Reading `leasehold.yaml`: find the file, parse it keeping positions, lay
 * the environment and flags over it (flags win), check everything against
 * the schema, and report the first problem as `file:line: field: reason`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { ConfigFileError, configProblems } from './errors.js';
import { didYouMean } from './suggest.js';
import { envOverrides, setPath, type Override } from './env.js';
import { configSchema, type LeaseholdConfig } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'leasehold.yaml';

/**
 * Which file to read: `--config`, else $LEASEHOLD_CONFIG, else
 * ./leasehold.yaml when it exists, else none (defaults only). Reads the file
 * system only to see whether the default file exists.
 */
export function findConfigFile(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const named = flag || env.LEASEHOLD_CONFIG;
  if (named) return resolve(cwd, named);
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

/** A parsed file with its positions, to say on which line a field is. */
export interface ConfigSource {
  /** As the user named it (for messages). */
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

/** Parses YAML text; throws ConfigFileError at the first syntax error's line. Pure. */
export function parseConfigText(text: string, file: string): { source: ConfigSource; raw: Record<string, unknown> } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const reason = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigFileError(file, first.linePos?.[0].line, '', reason);
  }
  const raw = doc.toJS() as unknown;
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigFileError(file, 1, '', 'the file must be a map of sections (nats, api, scheduler, agent, dns, metrics, log)');
  }
  return { source: { file, doc, lines }, raw: (raw ?? {}) as Record<string, unknown> };
}

/** The line of the deepest node on `path` (the key's line for a map entry); undefined if the file has none of it. Pure. */
export function lineOf(source: ConfigSource, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = source.doc.contents;
  let offset: number | undefined = (node as Node | null)?.range?.[0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : source.lines.linePos(offset).line;
}

export interface LoadOptions {
  /** The file to read; undefined: defaults, environment and flags only. */
  readonly file?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Values from flags: applied last. */
  readonly flags?: readonly Override[];
  /** Reads a file (tests pass text). */
  readonly read?: (file: string) => string;
}

export interface LoadedConfig {
  readonly config: LeaseholdConfig;
  /** undefined when no file was read. */
  readonly source: ConfigSource | undefined;
  /** Which source set each overridden path ("a.b" → "environment X" or "--flag"). */
  readonly overridden: ReadonlyMap<string, string>;
}

/**
 * File, then environment, then flags, checked by the schema. Throws
 * ConfigFileError naming the file and line (or the variable or flag) and the
 * field of each problem, all of them in file order (ConfigFileErrors when
 * there are several).
 */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  let source: ConfigSource | undefined;
  let raw: Record<string, unknown> = {};
  if (options.file !== undefined) {
    let text: string;
    try {
      text = (options.read ?? ((f) => readFileSync(f, 'utf8')))(options.file);
    } catch (error) {
      throw new ConfigFileError(options.file, undefined, '', `cannot read: ${(error as Error).message}`, { cause: error });
    }
    ({ source, raw } = parseConfigText(text, options.file));
  }
  const overridden = new Map<string, string>();
  for (const o of [...envOverrides(options.env ?? process.env), ...(options.flags ?? [])]) {
    setPath(raw, o.path, o.value);
    overridden.set(o.path.join('.'), o.source);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw configProblems(parsed.error.issues.flatMap((issue) => issueErrors(issue, source, overridden)));
  return { config: parsed.data, source, overridden };
}

/** Where a field's value came from: the override that set it or an enclosing path, else the file's line. Pure. */
export function locate(path: readonly PropertyKey[], source: ConfigSource | undefined, overridden: ReadonlyMap<string, string>): { source: string; line: number | undefined } {
  for (let n = path.length; n > 0; n--) {
    const by = overridden.get(path.slice(0, n).map(String).join('.'));
    if (by) return { source: by, line: undefined };
  }
  if (!source) return { source: 'defaults', line: undefined };
  return { source: source.file, line: lineOf(source, path) };
}

/** The settings a section (or the file, at the empty path) may hold. Reads the schema. */
function keysAt(path: readonly PropertyKey[]): string[] {
  // Sections are strict objects wrapped in a prefault: unwrap to the object.
  const objectOf = (schema: unknown): { shape: Record<string, unknown> } | undefined => {
    let s = schema as { shape?: Record<string, unknown>; def?: { innerType?: unknown; in?: unknown } } | undefined;
    for (let i = 0; i < 6 && s; i++) {
      if (s.shape) return s as { shape: Record<string, unknown> };
      s = (s.def?.innerType ?? s.def?.in) as typeof s;
    }
    return undefined;
  };
  let object = objectOf(configSchema);
  for (const key of path) object = objectOf(object?.shape[String(key)]);
  return Object.keys(object?.shape ?? {});
}

/** The problems of one schema issue: one per unknown key, with the setting it most likely meant. */
function issueErrors(issue: z.core.$ZodIssue, source: ConfigSource | undefined, overridden: ReadonlyMap<string, string>): ConfigFileError[] {
  if (issue.code === 'unrecognized_keys') {
    const valid = keysAt(issue.path);
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      const where = locate(path, source, overridden);
      const guess = didYouMean(key, valid);
      const reason = `unknown setting${guess || (path.length === 1 ? ` (sections are ${Object.keys(configSchema.shape).join(', ')})` : '')}`;
      return new ConfigFileError(where.source, where.line, path.map(String).join('.'), reason);
    });
  }
  return [issueError(issue, source, overridden)];
}

function issueError(issue: z.core.$ZodIssue, source: ConfigSource | undefined, overridden: ReadonlyMap<string, string>): ConfigFileError {
  const path: PropertyKey[] = [...issue.path];
  let reason = issue.message;
  if (issue.code === 'invalid_value' && 'values' in issue) {
    reason = `must be one of ${issue.values.map(String).join(', ')}`;
  } else if (issue.code === 'invalid_type') {
    reason = `wants ${issue.expected === 'record' || issue.expected === 'object' ? 'a map' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
  }
  const where = locate(path, source, overridden);
  return new ConfigFileError(where.source, where.line, path.map(String).join('.'), reason);
}
