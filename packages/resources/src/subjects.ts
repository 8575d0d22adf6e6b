/**
 * Reading an event subject back: `lh.evt.<kind>.<id>` (or `.<id>.<id>` for
 * the two-id kinds: lease, ipam, mac). The one tokenizer every aggregate's
 * parser (`networkIdOf`, `portIdOf`, ...) uses, so no module counts dots in a
 * subject itself. The parsers allocate nothing but the ids they return: folds
 * call them once per event.
 *
 * An id comes back as its subject token: `subjectToken` turned its dots into
 * dashes (an IPv4 address), which no parser can undo.
 */
import { EVENT_SUBJECT_PREFIX, type AggregateKind } from '@leasehold/protocol';

const PREFIX = `${EVENT_SUBJECT_PREFIX}.`;

/** An event subject's kind and id tokens. */
export interface EventSubjectParts {
  readonly kind: string;
  readonly ids: readonly string[];
}

/**
 * The kind and id tokens of any event subject, or undefined for a subject
 * that is not `lh.evt.<kind>.<id>...` with no empty token. For tools that
 * take subjects of every kind (filters, exports); folds use the one-kind
 * parsers below. Pure.
 */
export function eventSubjectParts(subject: string): EventSubjectParts | undefined {
  if (!subject.startsWith(PREFIX)) return undefined;
  const tokens: string[] = [];
  let start = PREFIX.length;
  for (;;) {
    const dot = subject.indexOf('.', start);
    const end = dot < 0 ? subject.length : dot;
    if (end === start) return undefined;
    tokens.push(subject.slice(start, end));
    if (dot < 0) break;
    start = dot + 1;
  }
  if (tokens.length < 2) return undefined;
  return { kind: tokens[0]!, ids: tokens.slice(1) };
}

/** Where the ids of a `kind` subject start, or -1 when `subject` is not of that kind. */
function idStart(kind: AggregateKind, subject: string): number {
  if (!subject.startsWith(PREFIX) || !subject.startsWith(kind, PREFIX.length)) return -1;
  const dot = PREFIX.length + kind.length;
  return subject.charCodeAt(dot) === 46 /* . */ ? dot + 1 : -1;
}

/** The id of a one-id subject `lh.evt.<kind>.<id>`, or undefined for any other subject. Pure. */
export function singleIdOf(kind: AggregateKind, subject: string): string | undefined {
  const start = idStart(kind, subject);
  if (start < 0 || start === subject.length || subject.indexOf('.', start) >= 0) return undefined;
  return subject.slice(start);
}

/** The two ids of a subject `lh.evt.<kind>.<id>.<id>`, or undefined for any other subject. Pure. */
export function pairIdOf(kind: AggregateKind, subject: string): readonly [string, string] | undefined {
  const start = idStart(kind, subject);
  if (start < 0) return undefined;
  const dot = subject.indexOf('.', start);
  if (dot <= start || dot === subject.length - 1 || subject.indexOf('.', dot + 1) >= 0) return undefined;
  return [subject.slice(start, dot), subject.slice(dot + 1)];
}
