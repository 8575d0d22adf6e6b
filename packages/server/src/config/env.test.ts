import { describe, expect, test } from 'vitest';
import { envNames, envOverrides, LEGACY_ENV } from './env.js';
import { loadConfig } from './load.js';

describe('environment overrides', () => {
  test('every setting has a LEASEHOLD_<SECTION>_<KEY> name that sets exactly that setting', () => {
    const names = envNames();
    expect(names.length).toBeGreaterThan(15);
    for (const [path, name] of names) {
      expect(envOverrides({ [name]: 'x' })).toEqual([{ path, value: 'x', source: `environment ${name}` }]);
    }
    expect(names.map(([, n]) => n)).toContain('LEASEHOLD_AGENT_DNS_PORT');
  });

  test('dns options take dnsmasq names with underscores for dashes, and spaces separate repeated values', () => {
    expect(envOverrides({ LEASEHOLD_DNS_CACHE_SIZE: '500', LEASEHOLD_DNS_SERVER: '198.18.255.1  198.18.255.9#5353' })).toEqual([
      { path: ['dns', 'cache-size'], value: '500', source: 'environment LEASEHOLD_DNS_CACHE_SIZE' },
      { path: ['dns', 'server'], value: ['198.18.255.1', '198.18.255.9#5353'], source: 'environment LEASEHOLD_DNS_SERVER' },
    ]);
  });

  test('a misspelt variable of a known section is an error, other LEASEHOLD_ variables are left alone', () => {
    expect(() => envOverrides({ LEASEHOLD_SCHEDULER_AGENTS_PER_NETWRK: '2' })).toThrow(
      /^environment LEASEHOLD_SCHEDULER_AGENTS_PER_NETWRK: no setting is called/,
    );
    expect(() => envOverrides({ LEASEHOLD_DNS_NO_SUCH_OPTION: '1' })).toThrow(/no setting/);
    expect(envOverrides({ LEASEHOLD_DNS_NATIVE: '0', LEASEHOLD_CONFIG: 'x.yaml', LEASEHOLD_BIN: 'y', HOME: '/root' })).toEqual([]);
  });

  test('the older names still work and lose to the sectioned names', () => {
    for (const [name, path] of Object.entries(LEGACY_ENV)) {
      expect(envOverrides({ [name]: 'v' })).toEqual([{ path, value: 'v', source: `environment ${name}` }]);
    }
    const { config } = loadConfig({ env: { LEASEHOLD_REPORT_INTERVAL: '5', NATS_URL: 'nats://a:1', LEASEHOLD_NATS_URL: 'nats://b:2' } });
    expect(config.agent.report_interval).toBe(5);
    expect(config.nats.url).toBe('nats://b:2');
    expect(loadConfig({ env: { LEASEHOLD_INTERFACE_MAPPINGS: 'physnet1:eth1,*:eth2', LEASEHOLD_RELAY_INTERFACES: 'eth3, eth4' } }).config.agent).toMatchObject({
      interface_mappings: { physnet1: 'eth1', '*': 'eth2' },
      relay_interfaces: ['eth3', 'eth4'],
    });
  });

  test('empty variables count as unset', () => {
    expect(envOverrides({ NATS_URL: '', LEASEHOLD_LOG_LEVEL: '' })).toEqual([]);
  });
});
