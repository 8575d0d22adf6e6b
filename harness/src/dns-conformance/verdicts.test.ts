/**
 * Issue 24 point 2, the verdicts: every configuration of the corpus
 * (cases.ts) given to `dnsmasq --test` (2.90, Debian's) and to
 * `leasehold dns --test` (the real command), with the same flags. Both must
 * give the case's verdict: "syntax check OK." and exit 0, or an error naming
 * the same file and line (for a missing include, which dnsmasq names by its
 * path alone, ours names it and the line that includes it).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LEASEHOLD_BIN } from '../leasehold-bin.js';
import { blocklist, BLOCKLIST_LINES, prepareCorpus, type ConformanceCase } from './cases.js';

const run = promisify(execFile);
const { root, cases } = prepareCorpus();
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Verdict {
  readonly code: number;
  readonly out: string;
}

async function verdictOf(command: string, args: string[]): Promise<Verdict> {
  try {
    const { stdout, stderr } = await run(command, args);
    return { code: 0, out: (stdout + stderr).trim() };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: (e.stdout + e.stderr).trim() };
  }
}

const argsOf = (c: ConformanceCase, confFlag: (file: string) => string[]) => [...c.flags, ...(c.file === undefined ? [] : confFlag(join(root, c.file)))];

/** Both verdicts of every case, four cases at a time (each `leasehold` start costs about half a second of CPU). */
const verdicts = new Map<ConformanceCase, [theirs: Verdict, ours: Verdict]>();
beforeAll(async () => {
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      verdicts.set(c, await Promise.all([
        verdictOf('dnsmasq', ['--test', ...argsOf(c, (f) => [`--conf-file=${f}`])]),
        verdictOf(process.execPath, [LEASEHOLD_BIN, 'dns', '--test', ...argsOf(c, (f) => ['--conf-file', f])]),
      ]));
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}, 120_000);

describe('dnsmasq --test and leasehold dns --test give each configuration of the corpus the same verdict', () => {
  test('the generated blocklist is the same every run and as long as stated', () => {
    const list = blocklist();
    expect(list).toHaveLength(BLOCKLIST_LINES);
    expect(blocklist()).toStrictEqual(list);
    expect(list.filter((l) => l.startsWith('#')).length).toBeGreaterThan(300);
    expect(list.filter((l) => l.startsWith('address=/')).length).toBeGreaterThan(4500);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const [theirs, ours] = verdicts.get(c)!;
    if (c.verdict === 'ok') {
      expect(theirs).toStrictEqual({ code: 0, out: 'dnsmasq: syntax check OK.' });
      expect(ours).toStrictEqual({ code: 0, out: 'leasehold dns: syntax check OK.' });
      return;
    }
    const file = join(root, c.verdict.file);
    expect(theirs.code).not.toBe(0);
    expect(ours.code).toBe(1);
    if (c.verdict.line !== undefined) {
      expect(theirs.out).toContain(`at line ${c.verdict.line} of ${file}`);
      expect(ours.out).toContain(`at line ${c.verdict.line} of ${file}`);
    } else {
      // dnsmasq: "cannot read <include>: No such file or directory"; ours names the include and the line that asks for it.
      const include = /cannot read (\S+):/.exec(theirs.out)?.[1];
      expect(include).toBeDefined();
      expect(ours.out).toContain(`cannot read ${include}`);
      expect(ours.out).toMatch(new RegExp(`at line \\d+ of ${file}$`));
    }
  });
});
