/**
 * Which events a tool reads: aggregate type, id, subject wildcard, a start
 * (sequence, instant or duration back from now) and event types. nats-server
 * 2.9 takes one filter subject per consumer, so the most specific subject
 * goes to the server and the rest is checked here, per event.
 */
import { EVENT_SUBJECT_PREFIX, isSubjectPattern, subjectMatches, subjectToken } from '@leasehold/protocol';
import { eventSubjectParts } from '@leasehold/resources';
import { closestName } from '@leasehold/server';
import { badFlag } from '../resources/errors.js';

/** Where reading starts: a stream sequence, or the first event stored at or after an instant. */
export type Start = { readonly seq: number } | { readonly time: number };

export interface EventFilterFlags {
  readonly type?: string;
  readonly id?: string;
  readonly subject?: string;
  readonly since?: string;
  readonly event?: readonly string[];
}

export interface EventFilter {
  /** The subject the server filters on. */
  readonly server: string;
  /** Further subject patterns every event must match (checked here). */
  readonly subjects: readonly string[];
  /** Id tokens that must appear, in order, somewhere after `lh.evt.<kind>` (an `--id` without `--type`). */
  readonly idTokens?: readonly string[];
  /** Event types to keep; empty keeps all. */
  readonly types: ReadonlySet<string>;
  readonly start: Start | undefined;
}

/** How many id tokens each aggregate kind's subject has after `lh.evt.<kind>`. */
export const AGGREGATE_DEPTH: Readonly<Record<string, number>> = {
  network: 1,
  port: 1,
  agent: 1,
  binding: 1,
  lease: 2,
  ipam: 2,
  mac: 2,
  segment: 2,
};

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses `--since`: a stream sequence ("1234"), an ISO 8601 instant
 * ("2026-11-24T10:00:00Z") or a duration back from `now` ("90s", "10m",
 * "1h30m", "2d"). Throws `CliError` (INVALID_FLAG). Pure.
 */
export function parseSince(text: string, now: number): Start {
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    const seq = Number(value);
    if (!Number.isSafeInteger(seq) || seq < 1) throw badFlag('--since', `--since ${text}: a sequence starts at 1`);
    return { seq };
  }
  if (/^(\d+(ms|s|m|h|d|w))+$/.test(value)) {
    let ms = 0;
    for (const [, n, unit] of value.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) ms += Number(n) * DURATION_UNITS[unit!]!;
    return { time: now - ms };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const time = Date.parse(value);
    if (Number.isFinite(time)) return { time };
  }
  throw badFlag('--since', `--since ${text}: give a sequence (1234), an ISO time (2026-11-24T10:00:00Z) or a duration (10m, 1h30m, 2d)`);
}

/** Subject tokens of an id as the CLI takes it: "net-1", "net-1/198.18.0.5" or "net-1.198-18-0-5". Pure. */
export function idTokens(id: string): string[] {
  const parts = id.split(/[/]/).flatMap((part) => (/^\d{1,3}(\.\d{1,3}){3}$/.test(part) ? [part] : part.split('.')));
  try {
    return parts.filter((p) => p.length > 0).map(subjectToken);
  } catch {
    throw badFlag('--id', `--id ${id}: not an aggregate id (letters, digits, - _ :, or an IPv4 address)`);
  }
}

/**
 * The subject pattern of `--type` and `--id`: `lh.evt.<type>.<id tokens>`,
 * ending in `.>` when the id names fewer levels than the kind has (a
 * network id with `--type lease` is every lease of that network). Without
 * `--type`, an id may sit at any level: that pattern is checked here. Pure.
 */
export function aggregatePattern(type: string | undefined, id: string | undefined): { server: string; idTokens?: readonly string[] } {
  if (type !== undefined && AGGREGATE_DEPTH[type] === undefined) {
    // An unknown type matched no subject: the dump printed nothing and exited 0, as if the journal were empty.
    const guess = closestName(type, Object.keys(AGGREGATE_DEPTH));
    throw badFlag('--type', `--type ${type}: not an aggregate type${guess ? ` (did you mean ${guess}?)` : ''}; the types are ${Object.keys(AGGREGATE_DEPTH).join(', ')}`);
  }
  const tokens = id === undefined ? [] : idTokens(id);
  if (type === undefined) {
    if (tokens.length === 0) return { server: `${EVENT_SUBJECT_PREFIX}.>` };
    return { server: `${EVENT_SUBJECT_PREFIX}.>`, idTokens: tokens };
  }
  const depth = AGGREGATE_DEPTH[type];
  const base = [EVENT_SUBJECT_PREFIX, type, ...tokens].join('.');
  if (tokens.length === 0) return { server: `${base}.>` };
  return { server: depth !== undefined && tokens.length >= depth ? base : `${base}.>` };
}

function containsTokens(haystack: readonly string[], needle: readonly string[]): boolean {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((t, j) => haystack[i + j] === t)) return true;
  }
  return false;
}

export { subjectMatches };

/** Builds the filter from the flags; throws `CliError` for a flag it cannot read. Pure given `now`. */
export function eventFilter(flags: EventFilterFlags, now: number): EventFilter {
  const aggregate = aggregatePattern(flags.type, flags.id);
  const subjects: string[] = [];
  let server = aggregate.server;
  if (flags.subject !== undefined) {
    if (!/^[^\s]+$/.test(flags.subject) || !isSubjectPattern(flags.subject)) {
      throw badFlag('--subject', `--subject ${flags.subject}: not a NATS subject (tokens separated by dots, * for one token, > at the end)`);
    }
    // The user's wildcard goes to the server; the type/id pattern, when given too, is checked here.
    if (aggregate.server !== `${EVENT_SUBJECT_PREFIX}.>`) subjects.push(aggregate.server);
    server = flags.subject;
  }
  return {
    server,
    subjects,
    types: new Set(flags.event ?? []),
    start: flags.since === undefined ? undefined : parseSince(flags.since, now),
    ...(aggregate.idTokens ? { idTokens: aggregate.idTokens } : {}),
  };
}

/** True when an event on `subject` of `type` passes the filter's local checks. Pure. */
export function keeps(filter: EventFilter, subject: string, type: string | undefined): boolean {
  if (!filter.subjects.every((pattern) => subjectMatches(pattern, subject))) return false;
  if (filter.idTokens && !containsTokens(eventSubjectParts(subject)?.ids ?? [], filter.idTokens)) return false;
  return filter.types.size === 0 || (type !== undefined && filter.types.has(type));
}
