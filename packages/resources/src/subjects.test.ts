import { fc, test } from '@fast-check/vitest';
import { aggregateSubject, type AggregateKind } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { eventSubjectParts, pairIdOf, singleIdOf } from './subjects.js';
import { tokenId } from './testing/index.js';

const kind = fc.constantFrom<AggregateKind>('network', 'port', 'ipam', 'mac', 'lease', 'agent', 'binding');

describe('reading an event subject back', () => {
  test.prop([kind, fc.array(tokenId, { minLength: 1, maxLength: 3 })])('an event subject gives back the kind and ids it was built of', (k, ids) => {
    expect(eventSubjectParts(aggregateSubject(k, ...ids))).toStrictEqual({ kind: k, ids });
  });

  test.prop([kind, tokenId, tokenId])('a one-id or two-id subject gives back its ids, and only to a parser of its kind and arity', (k, a, b) => {
    expect(singleIdOf(k, aggregateSubject(k, a))).toBe(a);
    expect(pairIdOf(k, aggregateSubject(k, a, b))).toStrictEqual([a, b]);
    expect(singleIdOf(k, aggregateSubject(k, a, b))).toBeUndefined();
    expect(pairIdOf(k, aggregateSubject(k, a))).toBeUndefined();
    const other: AggregateKind = k === 'network' ? 'port' : 'network';
    expect(singleIdOf(other, aggregateSubject(k, a))).toBeUndefined();
  });

  test('what is no event subject has no parts and no ids', () => {
    for (const subject of ['', 'lh.evt', 'lh.evt.network', 'lh.evt.network.', 'lh.evt..n1', 'lh.api.v1.networks.create', 'lh.evt.network..x']) {
      expect(eventSubjectParts(subject)).toBeUndefined();
      expect(singleIdOf('network', subject)).toBeUndefined();
    }
    // A kind is a whole token: "networks" is not "network".
    expect(singleIdOf('network', 'lh.evt.networks.n1')).toBeUndefined();
    expect(pairIdOf('ipam', 'lh.evt.ipam.n1.')).toBeUndefined();
  });
});
