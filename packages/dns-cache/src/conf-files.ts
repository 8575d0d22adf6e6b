/**
 * Reading a dnsmasq configuration file with the files it includes:
 * `conf-file=F` and `conf-dir=DIR[,suffix...]` lines are replaced, where
 * they stand, by the items of the files they name, as dnsmasq 2.90's
 * option.c does (one_file and LOPT_CONF_DIR). Paths are taken as written
 * (relative ones from the current directory, as dnsmasq's).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { ConfigError } from './errors.js';
import type { DnsCacheConfig } from './config.js';
import { applyItems, parseConfigText, type ConfigItem, type DnsArgs } from './options.js';

/** The file system as the reader needs it; tests give their own. */
export interface ConfFileSystem {
  readonly readFile: (path: string) => string;
  /** The names of a directory's regular files (not subdirectories). */
  readonly regularFiles: (dir: string) => string[];
}

const nodeFiles: ConfFileSystem = {
  readFile: (path) => readFileSync(path, 'utf8'),
  regularFiles: (dir) => readdirSync(dir).filter((name) => statSync(`${dir}/${name}`).isFile()),
};

/**
 * Which files of a directory `conf-dir=DIR,suffixes` reads, in the order it
 * reads them. dnsmasq(8): emacs backups (`~`), dot files and `#name#` are
 * always skipped; a suffix skips files ending in it; a `*suffix` reads only
 * files ending in one of those; names are read in sorted order. Pure.
 */
export function confDirFiles(names: readonly string[], suffixes: readonly string[]): string[] {
  const only = suffixes.filter((s) => s.startsWith('*') && s.length > 1).map((s) => s.slice(1));
  const skip = suffixes.filter((s) => !s.startsWith('*') && s !== '');
  // As option.c: the name must be longer than the suffix, so a file named ".conf" alone never matches.
  const endsIn = (name: string, suffix: string) => name.length > suffix.length && name.endsWith(suffix);
  return names
    .filter((n) => n !== '' && !n.endsWith('~') && !n.startsWith('.') && !(n.startsWith('#') && n.endsWith('#')))
    .filter((n) => only.length === 0 || only.some((s) => endsIn(n, s)))
    .filter((n) => !skip.some((s) => endsIn(n, s)))
    .sort();
}

/**
 * The items of `file` with its conf-file and conf-dir lines expanded in
 * place. A file already read is not read again (dnsmasq skips it too); a
 * file or directory that cannot be read is a ConfigError naming the line
 * that asked for it. Reads the file system (or `fs`).
 */
export function readConfFile(file: string, fs: ConfFileSystem = nodeFiles): ConfigItem[] {
  return readConfSources([], [file], fs);
}

/**
 * The items of the command line's `--conf-file` files and `--conf-dir`
 * directories (dnsmasq's -C and -7), each expanded as a conf-file or
 * conf-dir line would be, files first; a file reached twice is read once.
 * Reads the file system (or `fs`).
 */
function readConfSources(dirs: readonly string[], files: readonly string[], fs: ConfFileSystem = nodeFiles): ConfigItem[] {
  const seen = new Set<string>();
  const visit = (path: string, from: ConfigItem | undefined, depth: number): ConfigItem[] => {
    if (seen.has(path)) return [];
    seen.add(path);
    let text: string;
    try {
      text = fs.readFile(path);
    } catch (error) {
      throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, from?.file ?? path, from?.line ?? 0, from?.name ?? 'conf-file', { cause: error });
    }
    return parseConfigText(text, path).flatMap((item) => include(item, depth));
  };
  const include = (item: ConfigItem, depth: number): ConfigItem[] => {
    if (item.name !== 'conf-file' && item.name !== 'conf-dir') return [item];
    if (!item.value) throw new ConfigError('missing parameter', item.file, item.line, item.name);
    if (depth >= 16) throw new ConfigError('includes nested too deep', item.file, item.line, item.name);
    if (item.name === 'conf-file') return visit(item.value, item, depth + 1);
    const [dir, ...suffixes] = item.value.split(',').map((s) => s.trim());
    const base = dir!.replace(/\/+$/, '') || '/';
    let names: string[];
    try {
      names = fs.regularFiles(base);
    } catch (error) {
      throw new ConfigError(`cannot access directory ${base}: ${(error as Error).message}`, item.file, item.line, item.name, { cause: error });
    }
    return confDirFiles(names, suffixes).flatMap((name) => visit(`${base}/${name}`, item, depth + 1));
  };
  return [
    ...files.flatMap((file) => visit(file, undefined, 0)),
    ...dirs.flatMap((value, i) => include({ name: 'conf-dir', value, file: 'command line', line: i + 1 }, 0)),
  ];
}

/**
 * The config from conf-files (in order, each with what it includes), then
 * command-line items on top, as dnsmasq merges them. Reads the files;
 * throws ConfigError for a bad line or a file that cannot be read.
 */
export function loadDnsConfig(args: DnsArgs, fs: ConfFileSystem = nodeFiles): DnsCacheConfig {
  return applyItems([...readConfSources(args.confDirs, args.confFiles, fs), ...args.items]);
}
