/**
 * Reads the hosts sources (/etc/hosts unless no-hosts, then addn-hosts and
 * hostsdir): files, or directories whose files are read in alphabetical order
 * (dnsmasq(8) --addn-hosts). A source that is missing or unreadable gives no
 * entries until it can be read, as dnsmasq only logs it. Whether anything
 * changed is decided from each file's size and mtime, so polling is a few
 * stat calls.
 */
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { parseHostsFile, type HostsEntry } from './hosts.js';

export class HostsReader {
  #signature = '';

  constructor(readonly sources: readonly string[]) {}

  /**
   * The entries of every source, or undefined when no file changed since the
   * last call that returned entries (`force` reads regardless). Reads the disk.
   */
  read(force = false): HostsEntry[] | undefined {
    const files = this.#files();
    const signature = files.map((f) => `${f.path}\0${f.mtimeMs}\0${f.size}`).join('\n');
    if (!force && signature === this.#signature) return undefined;
    this.#signature = signature;
    const entries: HostsEntry[] = [];
    for (const file of files) {
      try {
        entries.push(...parseHostsFile(readFileSync(file.path, 'utf8')).entries);
      } catch {
        // Gone or unreadable since the stat: no entries from it this time.
      }
    }
    return entries;
  }

  /** The files to read now, in order: each source, or each file of a source directory, alphabetically. */
  #files(): { path: string; mtimeMs: number; size: number }[] {
    const files: { path: string; mtimeMs: number; size: number }[] = [];
    for (const source of this.sources) {
      const stat = statOrUndefined(source);
      if (stat === undefined) continue;
      if (!stat.isDirectory()) {
        files.push({ path: source, mtimeMs: stat.mtimeMs, size: stat.size });
        continue;
      }
      let names: string[] = [];
      try {
        names = readdirSync(source).sort();
      } catch {
        // An unreadable directory contributes nothing.
      }
      for (const name of names) {
        const path = join(source, name);
        const inner = statOrUndefined(path);
        if (inner?.isFile()) files.push({ path, mtimeMs: inner.mtimeMs, size: inner.size });
      }
    }
    return files;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
