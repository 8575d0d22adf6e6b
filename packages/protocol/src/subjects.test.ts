import { describe, expect, test } from 'vitest';
import { aggregateKindSubject, aggregateSubject, isSubjectPattern } from './subjects.js';

describe('subjects', () => {
  test('an IPv4 address becomes one token with dashes', () => {
    expect(aggregateSubject('lease', 'net1', '198.18.0.10')).toBe('lh.evt.lease.net1.198-18-0-10');
  });

  test('an id with a wildcard or a space is refused', () => {
    expect(() => aggregateSubject('network', 'a>')).toThrow(RangeError);
    expect(() => aggregateSubject('network', 'a b')).toThrow(RangeError);
    expect(() => aggregateSubject('network', '*')).toThrow(RangeError);
  });

  test('the kind wildcard covers every aggregate of the kind', () => {
    expect(aggregateKindSubject('agent')).toBe('lh.evt.agent.>');
  });

  test('a pattern has no empty token and ">" only at its end', () => {
    for (const ok of ['lh.evt.>', 'lh.evt.lease.*.198-18-0-5', 'lh', '>']) expect(isSubjectPattern(ok)).toBe(true);
    for (const bad of ['', 'lh..evt', '.lh', 'lh.', 'lh.>.x', 'lh.>.>']) expect(isSubjectPattern(bad)).toBe(false);
  });
});
