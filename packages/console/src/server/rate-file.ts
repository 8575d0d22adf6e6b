/**
 * Where the rate charts' samples outlive the process: a small JSON file in
 * the daemon's data directory (one daemon holds its lock, so one writer),
 * rewritten after each sample (write to a temporary file, then rename: a
 * crash leaves the old file or the new one, never half of one). An hour of
 * samples is some 25 KB. A file that does not parse is set aside, counted
 * by `onError`, and the charts start empty: never a crash.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { RateCounters } from './rates.js';

export interface RateSample {
  readonly at: number;
  readonly counters: RateCounters;
  /** The first sample of a process whose earlier samples were loaded: no rate is drawn across the gap before it. */
  readonly restart?: boolean;
}

/** Loads and saves the samples (RateSampler calls it). */
export interface RateStore {
  load(): RateSample[];
  save(samples: readonly RateSample[]): void;
}

const FILE_V = 1;

const counter = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);

/** The samples in `text`, or throws saying what is wrong. Pure. */
export function parseRateFile(text: string): RateSample[] {
  const raw = JSON.parse(text) as { v?: unknown; samples?: unknown };
  if (raw?.v !== FILE_V || !Array.isArray(raw.samples)) throw new Error(`not a version ${FILE_V} rates file`);
  return raw.samples.flatMap((s: { at?: unknown; dhcp?: unknown; dns?: unknown; restart?: unknown }) =>
    typeof s?.at === 'number' && Number.isFinite(s.at) ? [{ at: s.at, counters: { dhcp: counter(s.dhcp), dns: counter(s.dns) }, ...(s.restart === true ? { restart: true } : {}) }] : [],
  );
}

export function rateFile(path: string, onError?: (error: unknown) => void): RateStore {
  let writing = false;
  let pending: readonly RateSample[] | undefined;
  const write = (samples: readonly RateSample[]) => {
    writing = true;
    const text = JSON.stringify({ v: FILE_V, samples: samples.map((s) => ({ at: s.at, dhcp: s.counters.dhcp, dns: s.counters.dns, ...(s.restart ? { restart: true } : {}) })) });
    const temporary = `${path}.tmp`;
    writeFile(temporary, text, { mode: 0o600 })
      .then(() => rename(temporary, path))
      .catch((error: unknown) => onError?.(new Error(`console rates: cannot write ${path}: ${(error as Error).message}`, { cause: error })))
      .finally(() => {
        writing = false;
        const next = pending;
        pending = undefined;
        if (next) write(next);
      });
  };
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onError?.(new Error(`console rates: cannot read ${path}: ${(error as Error).message}`, { cause: error }));
        return [];
      }
      try {
        return parseRateFile(text);
      } catch (error) {
        onError?.(new Error(`console rates: ${path} ignored: ${(error as Error).message}`, { cause: error }));
        return [];
      }
    },
    // One write at a time; a sample taken meanwhile waits for it (only the latest is kept).
    save(samples) {
      if (writing) pending = samples;
      else write(samples);
    },
  };
}
