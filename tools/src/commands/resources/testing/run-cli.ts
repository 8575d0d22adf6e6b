/** Runs the real `leasehold` command as a child process, for the CLI's tests. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const LEASEHOLD_BIN = fileURLToPath(new URL('../../../../bin/leasehold.mjs', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `leasehold ...args` to completion. NATS_URL and LEASEHOLD_DATA_DIR are
 * cleared unless `env` sets them, so a developer's environment cannot leak in.
 */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliRun> {
  const child = spawn(process.execPath, [LEASEHOLD_BIN, ...args], {
    env: { ...process.env, NATS_URL: '', LEASEHOLD_DATA_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd ? { cwd } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses a run's stdout as JSON, failing with the run's output when it is not. */
export function jsonOf<T>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout; exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  }
}

/** Splits a table as printed (followed by one newline) into rows of cells, cutting at the rule's column starts. */
export function tableRows(text: string): string[][] {
  const lines = text.replace(/\n$/, '').split('\n');
  const header = lines[0] ?? '';
  const rule = lines[1] ?? '';
  const starts = [...rule.matchAll(/-+/g)].map((m) => m.index);
  const cut = (line: string) => starts.map((s, i) => line.slice(s, starts[i + 1]).trim());
  return [cut(header), ...lines.slice(2).map(cut)];
}
