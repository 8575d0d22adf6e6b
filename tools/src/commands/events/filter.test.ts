import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { aggregatePattern, eventFilter, idTokens, keeps, parseSince, subjectMatches } from './filter.js';

const token = fc.stringMatching(/^[a-z0-9-]{1,6}$/);
const subject = fc.array(token, { minLength: 1, maxLength: 5 }).map((t) => t.join('.'));

describe('subject matching', () => {
  test.prop([subject])('a subject without wildcards matches itself and only itself', (s) => {
    expect(subjectMatches(s, s)).toBe(true);
    expect(subjectMatches(s, `${s}.x`)).toBe(false);
  });

  test.prop([subject, fc.array(token, { minLength: 1, maxLength: 3 })])('a prefix followed by > matches every longer subject and not the prefix itself', (prefix, rest) => {
    expect(subjectMatches(`${prefix}.>`, `${prefix}.${rest.join('.')}`)).toBe(true);
    expect(subjectMatches(`${prefix}.>`, prefix)).toBe(false);
  });

  test.prop([fc.array(token, { minLength: 1, maxLength: 5 }), fc.nat()])('* stands for exactly one token at its place', (tokens, at) => {
    const i = at % tokens.length;
    const pattern = tokens.map((t, j) => (j === i ? '*' : t)).join('.');
    expect(subjectMatches(pattern, tokens.join('.'))).toBe(true);
    expect(subjectMatches(pattern, [...tokens, 'extra'].join('.'))).toBe(false);
  });
});

describe('--since', () => {
  test('a number is a stream sequence', () => {
    expect(parseSince('42', 0)).toEqual({ seq: 42 });
  });

  test('a duration counts back from now, with units combined', () => {
    expect(parseSince('10m', 1_000_000_000)).toEqual({ time: 1_000_000_000 - 600_000 });
    expect(parseSince('1h30m', 10_000_000)).toEqual({ time: 10_000_000 - 5_400_000 });
  });

  test('an ISO instant is taken as it is', () => {
    expect(parseSince('2026-11-24T10:00:00Z', 0)).toEqual({ time: Date.parse('2026-11-24T10:00:00Z') });
  });

  test('anything else is refused naming the flag', () => {
    expect(() => parseSince('yesterday', 0)).toThrow(expect.objectContaining({ code: 'INVALID_FLAG', field: '--since' }));
    expect(() => parseSince('0', 0)).toThrow(expect.objectContaining({ field: '--since' }));
  });
});

describe('aggregate type and id', () => {
  test('an IPv4 address in an id becomes one dashed token', () => {
    expect(idTokens('net-1/198.18.0.5')).toEqual(['net-1', '198-18-0-5']);
    expect(idTokens('net-1.198-18-0-5')).toEqual(['net-1', '198-18-0-5']);
  });

  test('a type with a full id is one subject, with part of an id every subject below it', () => {
    expect(aggregatePattern('network', 'n1').server).toBe('lh.evt.network.n1');
    expect(aggregatePattern('lease', 'n1/198.18.0.5').server).toBe('lh.evt.lease.n1.198-18-0-5');
    expect(aggregatePattern('lease', 'n1').server).toBe('lh.evt.lease.n1.>');
    expect(aggregatePattern('lease', undefined).server).toBe('lh.evt.lease.>');
  });

  test('an id without a type keeps every subject holding its tokens at any level', () => {
    const filter = eventFilter({ id: 'n1' }, 0);
    expect(filter.server).toBe('lh.evt.>');
    expect(keeps(filter, 'lh.evt.network.n1', 'NetworkCreated')).toBe(true);
    expect(keeps(filter, 'lh.evt.lease.n1.198-18-0-5', 'LeaseBound')).toBe(true);
    expect(keeps(filter, 'lh.evt.network.n10', 'NetworkCreated')).toBe(false);
  });

  test('with --subject the wildcard goes to the server and type and event are checked locally', () => {
    const filter = eventFilter({ subject: 'lh.evt.*.n1', type: 'binding', event: ['NetworkScheduled'] }, 0);
    expect(filter.server).toBe('lh.evt.*.n1');
    expect(keeps(filter, 'lh.evt.binding.n1', 'NetworkScheduled')).toBe(true);
    expect(keeps(filter, 'lh.evt.binding.n1', 'NetworkUnscheduled')).toBe(false);
    expect(keeps(filter, 'lh.evt.network.n1', 'NetworkScheduled')).toBe(false);
  });

  test('a malformed subject or type is refused naming the flag', () => {
    expect(() => eventFilter({ subject: 'lh..evt' }, 0)).toThrow(expect.objectContaining({ field: '--subject' }));
    expect(() => eventFilter({ subject: 'lh.>.x' }, 0)).toThrow(expect.objectContaining({ field: '--subject' }));
    expect(() => eventFilter({ type: 'Lease.X' }, 0)).toThrow(expect.objectContaining({ field: '--type' }));
  });

  test('an unknown aggregate type is an error with the closest type (it used to match nothing and print nothing, exit 0)', () => {
    expect(() => eventFilter({ type: 'nosuch' }, 0)).toThrow(expect.objectContaining({ field: '--type', message: expect.stringMatching(/^--type nosuch: not an aggregate type; the types are network, port/) }));
    expect(() => eventFilter({ type: 'leases' }, 0)).toThrow(expect.objectContaining({ message: expect.stringContaining('(did you mean lease?)') }));
    expect(eventFilter({ type: 'segment' }, 0).server).toBe('lh.evt.segment.>');
  });
});
