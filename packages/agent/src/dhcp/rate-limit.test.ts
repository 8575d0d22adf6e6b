import { describe, expect, test } from 'vitest';
import { KeyedTokenBuckets } from '@leasehold/protocol';
import { defaultDhcpLimits, dhcpLimits } from './rate-limit.js';

describe('dhcpLimits', () => {
  test('overrides replace single fields and keep the other defaults', () => {
    const limits = dhcpLimits({ perMac: { burst: 3 }, maxLeasesPerMac: 2 });
    expect(limits.perMac).toStrictEqual({ ...defaultDhcpLimits.perMac, burst: 3 });
    expect(limits.perRelay).toStrictEqual(defaultDhcpLimits.perRelay);
    expect(limits.maxLeasesPerMac).toBe(2);
  });

  test('the per-relay default carries 10,000 DORA exchanges per second from one relay (npm run bench:dhcp)', () => {
    const { burst, perSecond } = defaultDhcpLimits.perRelay;
    const buckets = new KeyedTokenBuckets<number>(defaultDhcpLimits.perRelay);
    let granted = 0;
    // Five seconds at 20,000 packets per second, one every 50 µs.
    for (let i = 0; i < 100_000; i++) if (buckets.take(1, i * 0.05)) granted++;
    expect(granted).toBe(100_000);
    expect(perSecond).toBeGreaterThanOrEqual(20_000);
    expect(burst).toBeGreaterThan(0);
  });
});
