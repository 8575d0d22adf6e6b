/**
 * NATS subject names. One subject per aggregate: its version is the stream
 * sequence of its last event. Tokens are checked so an id can never add a
 * level or a wildcard to a subject.
 */

/** Prefix of every event subject; the events stream captures `lh.evt.>`. */
export const EVENT_SUBJECT_PREFIX = 'lh.evt';

export type AggregateKind = 'network' | 'port' | 'ipam' | 'mac' | 'segment' | 'lease' | 'lease6' | 'agent' | 'binding' | 'test';

const tokenPattern = /^[A-Za-z0-9_\-:]+$/;

/** Turns a value into a subject token; dots in IPv4 addresses become dashes. Pure. */
export function subjectToken(value: string): string {
  const token = value.replaceAll('.', '-');
  if (!tokenPattern.test(token)) throw new RangeError(`"${value}" cannot be a subject token`);
  return token;
}

/** Subject of one aggregate, e.g. `lh.evt.lease.net1.198-18-0-10`. Pure. */
export function aggregateSubject(kind: AggregateKind, ...ids: string[]): string {
  if (ids.length === 0) throw new RangeError('an aggregate subject needs at least one id');
  return [EVENT_SUBJECT_PREFIX, kind, ...ids.map(subjectToken)].join('.');
}

/** Wildcard subject of every aggregate of one kind. Pure. */
export function aggregateKindSubject(kind: AggregateKind): string {
  return `${EVENT_SUBJECT_PREFIX}.${kind}.>`;
}

/**
 * Whether `subject` (no wildcards) matches the NATS pattern `pattern`
 * (`*` one token, `>` one or more trailing tokens). Pure.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i]!;
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}

/**
 * Whether `pattern` is a NATS subject pattern: no empty token, and `>` only
 * as the last token. Pure.
 */
export function isSubjectPattern(pattern: string): boolean {
  if (pattern.length === 0) return false;
  let start = 0;
  for (;;) {
    const dot = pattern.indexOf('.', start);
    const end = dot < 0 ? pattern.length : dot;
    if (end === start) return false;
    if (dot >= 0 && end - start === 1 && pattern[start] === '>') return false;
    if (dot < 0) return true;
    start = dot + 1;
  }
}
