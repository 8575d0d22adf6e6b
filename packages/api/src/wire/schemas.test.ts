import { describe, expect, test } from 'vitest';
import { schemas } from './schemas.js';

describe('subnet lease_duration', () => {
  test('is -1 (infinite) or a positive number of seconds; 0, which would expire every lease as it is granted, is refused', () => {
    const create = (lease_duration: number) => schemas.subnetCreate.safeParse({ network_id: 'n1', cidr: '198.18.0.0/24', lease_duration });
    expect([-1, 1, 86_400].map((n) => create(n).success)).toEqual([true, true, true]);
    expect(create(0).error?.issues[0]?.message).toBe('must be -1 (infinite) or at least 1 second, not 0');
    expect(create(-2).success).toBe(false);
  });
});
