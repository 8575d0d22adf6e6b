import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { aggregateSubject } from '../subjects.js';
import { networkSegment, segmentClaimTokens, segmentKey, segmentProblem, type NetworkSegment } from './segment.js';

const physnet = fc.oneof(fc.constantFrom('physnet1', 'physnet-2', 'p:x', 'h:00'), fc.string({ minLength: 1, maxLength: 8 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }));
/** Valid segments only (segmentProblem passes). */
const segmentArb: fc.Arbitrary<NetworkSegment> = fc.oneof(
  physnet.map((p) => ({ networkType: 'flat' as const, physicalNetwork: p, segmentationId: null })),
  fc.tuple(physnet, fc.integer({ min: 1, max: 4094 })).map(([p, id]) => ({ networkType: 'vlan' as const, physicalNetwork: p, segmentationId: id })),
  fc.integer({ min: 1, max: 2 ** 24 - 1 }).map((id) => ({ networkType: 'vxlan' as const, physicalNetwork: null, segmentationId: id })),
);

describe('network segments', () => {
  test('a network of events written before segments reads as flat on its physical network, or untyped without one', () => {
    expect(networkSegment({ physicalNetwork: 'physnet1' })).toStrictEqual({ networkType: 'flat', physicalNetwork: 'physnet1', segmentationId: null });
    expect(networkSegment({ physicalNetwork: null })).toBeNull();
    expect(networkSegment({ physicalNetwork: null, networkType: null, segmentationId: null })).toBeNull();
    expect(networkSegment({ physicalNetwork: null, networkType: 'vxlan', segmentationId: 9 })).toStrictEqual({ networkType: 'vxlan', physicalNetwork: null, segmentationId: 9 });
  });

  test("Neutron's type-driver rules: flat and vlan need a physical network, vxlan refuses one, ids in their ranges, flat has none", () => {
    const problem = (s: NetworkSegment) => segmentProblem(s)?.message;
    expect(problem({ networkType: 'flat', physicalNetwork: null, segmentationId: null })).toBe('physical_network required for flat provider network');
    expect(problem({ networkType: 'flat', physicalNetwork: 'p', segmentationId: 3 })).toBe('segmentation_id prohibited for flat provider network');
    expect(problem({ networkType: 'vlan', physicalNetwork: null, segmentationId: 3 })).toBe('segmentation_id requires physical_network for VLAN provider network');
    expect(problem({ networkType: 'vlan', physicalNetwork: null, segmentationId: null })).toBe('physical_network required for VLAN provider network');
    expect(problem({ networkType: 'vlan', physicalNetwork: 'p', segmentationId: 0 })).toBe('segmentation_id out of range (1 through 4094)');
    expect(problem({ networkType: 'vlan', physicalNetwork: 'p', segmentationId: 4094 })).toBeUndefined();
    expect(problem({ networkType: 'vxlan', physicalNetwork: 'p', segmentationId: 3 })).toBe('provider:physical_network specified for vxlan network');
    expect(problem({ networkType: 'vxlan', physicalNetwork: null, segmentationId: 2 ** 24 })).toBe('segmentation_id out of range (1 through 16777215)');
    expect(problem({ networkType: 'vxlan', physicalNetwork: null, segmentationId: 1.5 })).toMatch(/out of range/);
  });

  test.prop([segmentArb])('every valid segment passes segmentProblem and its claim tokens make a subject', (s) => {
    expect(segmentProblem(s)).toBeUndefined();
    expect(() => aggregateSubject('segment', ...segmentClaimTokens(s))).not.toThrow();
  });

  test.prop([segmentArb, segmentArb])('two segments share a claim subject exactly when they share a key: whatever the physical network is called, no two segments meet on one subject', (a, b) => {
    const subjectA = aggregateSubject('segment', ...segmentClaimTokens(a));
    const subjectB = aggregateSubject('segment', ...segmentClaimTokens(b));
    expect(subjectA === subjectB).toBe(segmentKey(a) === segmentKey(b));
  });

  test('the same VLAN id on two physical networks, or a VLAN and a VNI of one number, are different segments; two flat networks on one physical network are one', () => {
    expect(segmentKey({ networkType: 'vlan', physicalNetwork: 'a', segmentationId: 5 })).not.toBe(segmentKey({ networkType: 'vlan', physicalNetwork: 'b', segmentationId: 5 }));
    expect(segmentKey({ networkType: 'vlan', physicalNetwork: 'a', segmentationId: 5 })).not.toBe(segmentKey({ networkType: 'vxlan', physicalNetwork: null, segmentationId: 5 }));
    expect(segmentKey({ networkType: 'flat', physicalNetwork: 'a', segmentationId: null })).toBe(segmentKey({ networkType: 'flat', physicalNetwork: 'a', segmentationId: null }));
  });
});
