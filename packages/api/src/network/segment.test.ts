import { fc, test } from '@fast-check/vitest';
import { networkSegment, segmentKey, type NetworkState } from '@leasehold/protocol';
import { describe, expect } from 'vitest';
import { ApiError } from '../errors.js';
import { decideSegment, segmentKeysOf, type ProviderAttributes } from './segment.js';

type Fields = Pick<NetworkState, 'id' | 'physicalNetwork' | 'networkType' | 'segmentationId'>;

/** Provider attributes over a few physical networks and ids, so requests meet. */
const attrsArb: fc.Arbitrary<ProviderAttributes> = fc.record(
  {
    'provider:network_type': fc.constantFrom('flat', 'vlan', 'vxlan'),
    'provider:physical_network': fc.constantFrom('physnet1', 'physnet2', null),
    'provider:segmentation_id': fc.option(fc.integer({ min: 1, max: 3 })),
  },
  { requiredKeys: [] },
);
const opArb = fc.oneof(
  attrsArb.map((attrs) => ({ op: 'create' as const, attrs })),
  fc.tuple(fc.nat(), attrsArb).map(([pick, attrs]) => ({ op: 'update' as const, pick, attrs })),
  fc.nat().map((pick) => ({ op: 'delete' as const, pick })),
);

describe('deciding a segment', () => {
  test.prop([fc.array(opArb, { maxLength: 40 })])(
    'no two live networks share a segment, whatever the order of creates, updates and deletes; a request is refused only for an invalid segment or one another network holds',
    (ops) => {
      const live = new Map<string, Fields>();
      let next = 0;
      for (const o of ops) {
        const ids = [...live.keys()];
        if (o.op === 'delete') {
          if (ids.length > 0) live.delete(ids[o.pick % ids.length]!);
          continue;
        }
        const id = o.op === 'create' || ids.length === 0 ? `n${next++}` : ids[o.pick % ids.length]!;
        const current = o.op === 'update' ? live.get(id) : undefined;
        const keys = segmentKeysOf(live.values(), id);
        try {
          const fields = decideSegment(o.attrs, current, (s) => keys.has(segmentKey(s)));
          live.set(id, { id, ...fields });
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          expect(['VALIDATION_FAILED', 'SEGMENT_IN_USE']).toContain((error as ApiError).code);
          if ((error as ApiError).code === 'SEGMENT_IN_USE') expect(keys.size).toBeGreaterThan(0);
        }
        const held = [...live.values()].flatMap((n) => {
          const s = networkSegment(n);
          return s ? [segmentKey(s)] : [];
        });
        expect(new Set(held).size).toBe(held.length);
      }
    },
  );

  test('an id the caller leaves out is the lowest free one of its type and physical network', () => {
    const taken = new Set(['vlan:physnet1:1', 'vlan:physnet1:2', 'vxlan:1']);
    const isTaken = (s: Parameters<typeof segmentKey>[0]) => taken.has(segmentKey(s));
    expect(decideSegment({ 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1' }, undefined, isTaken).segmentationId).toBe(3);
    expect(decideSegment({ 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet2' }, undefined, isTaken).segmentationId).toBe(1);
    expect(decideSegment({ 'provider:network_type': 'vxlan' }, undefined, isTaken).segmentationId).toBe(2);
  });

  test('an update that names no provider attribute keeps the segment; one that changes the type drops the old id', () => {
    const vlan = { physicalNetwork: 'physnet1', networkType: 'vlan' as const, segmentationId: 7 };
    const free = () => false;
    expect(decideSegment({ 'provider:physical_network': 'physnet2' }, vlan, free)).toStrictEqual({ physicalNetwork: 'physnet2', networkType: 'vlan', segmentationId: 7 });
    expect(decideSegment({ 'provider:network_type': 'flat' }, vlan, free)).toStrictEqual({ physicalNetwork: 'physnet1', networkType: 'flat', segmentationId: null });
    // As a create: a physical network alone is flat, none is untyped.
    const flat = { physicalNetwork: 'physnet1', networkType: 'flat' as const, segmentationId: null };
    expect(decideSegment({ 'provider:physical_network': null }, flat, free)).toStrictEqual({ physicalNetwork: null, networkType: null, segmentationId: null });
    expect(decideSegment({ 'provider:physical_network': null }, { physicalNetwork: 'physnet1' }, free)).toStrictEqual({ physicalNetwork: null, networkType: null, segmentationId: null });
    expect(() => decideSegment({ 'provider:physical_network': null }, vlan, free)).toThrow(/segmentation_id requires physical_network for VLAN/);
    expect(decideSegment({ 'provider:network_type': 'vxlan', 'provider:physical_network': null }, vlan, free)).toStrictEqual({ physicalNetwork: null, networkType: 'vxlan', segmentationId: 1 });
  });
});
