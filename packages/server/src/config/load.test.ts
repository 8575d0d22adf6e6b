import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { Override } from './env.js';
import { ConfigFileError } from './errors.js';
import { findConfigFile, lineOf, loadConfig, parseConfigText } from './load.js';

const FILE = `# leasehold.yaml
nats:
  data_dir: /var/lib/leasehold
scheduler:
  agents_per_network: 2
  network_scheduler: az
agent:
  interface_mappings:
    physnet1: eth1
  report_interval: 10
dns:
  server: [198.18.255.1, 198.18.255.9]
  cache-size: 1000
log:
  level: debug
`;

const load = (text: string, env: NodeJS.ProcessEnv = {}, flags: readonly Override[] = []) =>
  loadConfig({ file: 'leasehold.yaml', read: () => text, env, flags });

const errorOf = (run: () => unknown): ConfigFileError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigFileError) return error;
    throw error;
  }
  throw new Error('expected a ConfigFileError');
};

describe('loadConfig', () => {
  test('reads every section and fills what the file leaves out with the defaults', () => {
    const { config } = load(FILE);
    expect(config.nats).toEqual({ data_dir: '/var/lib/leasehold', replay_stall_timeout: 120 });
    expect(config.scheduler).toMatchObject({ agents_per_network: 2, network_scheduler: 'az', allow_automatic_dhcp_failover: true });
    expect(config.agent).toMatchObject({ interface_mappings: { physnet1: 'eth1' }, report_interval: 10, dhcp_port: 67, dns: { enabled: true, port: 53 } });
    expect(config.api.agent_down_time).toBe(75);
    expect(config.dns).toEqual({ server: ['198.18.255.1', '198.18.255.9'], 'cache-size': 1000 });
    expect(config.log).toEqual({ level: 'debug', format: 'auto', dhcp: false, queries: false, transaction_rate: 200 });
  });

  test("quotas default to Neutron's (100 networks, 100 subnets, 500 ports per project), and -1 (unlimited) or an environment override is taken", () => {
    expect(load('').config.quotas).toEqual({ quota_network: 100, quota_subnet: 100, quota_port: 500 });
    expect(load('quotas:\n  quota_port: -1\n').config.quotas).toEqual({ quota_network: 100, quota_subnet: 100, quota_port: -1 });
    expect(loadConfig({ env: { LEASEHOLD_QUOTAS_QUOTA_NETWORK: '7' } }).config.quotas.quota_network).toBe(7);
    expect(errorOf(() => load('quotas:\n  quota_subnet: -2\n')).field).toBe('quotas.quota_subnet');
  });

  test('an empty file and no file are the same: every default', () => {
    expect(load('').config).toEqual(loadConfig({ env: {} }).config);
    expect(load('# only a comment\n').config.agent.report_interval).toBe(30);
  });

  test('a wrong value is reported with the file, its line and the dotted field', () => {
    const error = errorOf(() => load(FILE.replace('agents_per_network: 2', 'agents_per_network: 0')));
    expect(error.message).toBe('leasehold.yaml:5: scheduler.agents_per_network: Too small: expected number to be >=1');
    expect(error).toMatchObject({ source: 'leasehold.yaml', line: 5, field: 'scheduler.agents_per_network' });
  });

  test('an unknown key is named at its own line, and an unknown section lists the sections', () => {
    expect(errorOf(() => load(FILE.replace('  report_interval: 10', '  report_intervall: 10'))).message).toBe(
      'leasehold.yaml:10: agent.report_intervall: unknown setting (did you mean report_interval?)',
    );
    expect(errorOf(() => load(`${FILE}schedular:\n  x: 1\n`)).message).toBe('leasehold.yaml:16: schedular: unknown setting (did you mean scheduler?)');
    expect(errorOf(() => load(`${FILE}zzz:\n  x: 1\n`)).message).toMatch(/^leasehold\.yaml:16: zzz: unknown setting \(sections are nats, history, api/);
  });

  test('every problem is reported in one run, in file order, each with its line', () => {
    const text = 'agent:\n  dhcp_prot: 67\n  dns:\n    domian: example.org\nscheduler:\n  agents_per_network: 0\nlgo:\n  level: info\n';
    expect(errorOf(() => load(text)).message.split('\n')).toEqual([
      'leasehold.yaml:2: agent.dhcp_prot: unknown setting (did you mean dhcp_port?)',
      'leasehold.yaml:4: agent.dns.domian: unknown setting (did you mean domain?)',
      'leasehold.yaml:6: scheduler.agents_per_network: Too small: expected number to be >=1',
      'leasehold.yaml:7: lgo: unknown setting (did you mean log?)',
    ]);
  });

  test('a choice outside the list names the choices', () => {
    expect(errorOf(() => load(FILE.replace('network_scheduler: az', 'network_scheduler: random'))).message).toBe(
      'leasehold.yaml:6: scheduler.network_scheduler: must be one of chance, weight, az',
    );
  });

  test('a YAML syntax error is reported at its line', () => {
    const error = errorOf(() => load('agent:\n  dhcp_port: 67\n  dhcp_port: 68\n'));
    expect(error.source).toBe('leasehold.yaml');
    expect(error.line).toBe(3);
    expect(errorOf(() => load('agent:\n  relay_interfaces: [eth1\nlog: {}\n')).line).toBeGreaterThanOrEqual(2);
  });

  test('a file that is a list, not a map, is refused', () => {
    expect(errorOf(() => load('- a\n- b\n')).message).toMatch(/^leasehold\.yaml:1: the file must be a map of sections/);
  });

  test('the environment beats the file and flags beat both; an error in an override names the variable or flag', () => {
    const env = { LEASEHOLD_SCHEDULER_AGENTS_PER_NETWORK: '3', LEASEHOLD_AGENT_DNS_PORT: '5353', LEASEHOLD_LOG_LEVEL: 'warn' };
    const { config } = load(FILE, env, [{ path: ['log', 'level'], value: 'error', source: '--log-level' }]);
    expect(config.scheduler.agents_per_network).toBe(3);
    expect(config.agent.dns.port).toBe(5353);
    expect(config.log.level).toBe('error');
    expect(errorOf(() => load(FILE, { LEASEHOLD_SCHEDULER_AGENTS_PER_NETWORK: 'two' })).message).toBe(
      'environment LEASEHOLD_SCHEDULER_AGENTS_PER_NETWORK: scheduler.agents_per_network: wants a number',
    );
    expect(errorOf(() => load(FILE, {}, [{ path: ['agent', 'dhcp_port'], value: '70000', source: '--dhcp-port' }])).message).toMatch(
      /^--dhcp-port: agent\.dhcp_port: Too big/,
    );
  });

  test.prop([fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.boolean()])(
    'whatever the file says, a valid override from the environment is the value that counts',
    (inFile, inEnv, failover) => {
      const text = `scheduler:\n  agents_per_network: ${inFile}\n  allow_automatic_dhcp_failover: ${!failover}\n`;
      const { config } = load(text, { LEASEHOLD_SCHEDULER_AGENTS_PER_NETWORK: String(inEnv), LEASEHOLD_SCHEDULER_ALLOW_AUTOMATIC_DHCP_FAILOVER: failover ? 'yes' : 'no' });
      expect(config.scheduler.agents_per_network).toBe(inEnv);
      expect(config.scheduler.allow_automatic_dhcp_failover).toBe(failover);
    },
  );
});

describe('lineOf', () => {
  test.prop([fc.uniqueArray(fc.stringMatching(/^[a-z][a-z_]{0,8}$/), { minLength: 1, maxLength: 12 }), fc.nat(3)])(
    'finds the line of every key of a file, however many blank lines come before it',
    (keys, blank) => {
      const text = keys.map((k, i) => `${'\n'.repeat(blank)}${k}:\n  v: ${i}`).join('\n');
      const { source } = parseConfigText(text, 'f.yaml');
      keys.forEach((k, i) => {
        const keyLine = i * (blank + 2) + blank + 1;
        expect(lineOf(source, [k])).toBe(keyLine);
        expect(lineOf(source, [k, 'v'])).toBe(keyLine + 1);
      });
    },
  );
});

describe('findConfigFile', () => {
  test('takes --config, then LEASEHOLD_CONFIG, then ./leasehold.yaml only when it exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lh-config-'));
    try {
      expect(findConfigFile(undefined, {}, dir)).toBeUndefined();
      writeFileSync(join(dir, 'leasehold.yaml'), '');
      expect(findConfigFile(undefined, {}, dir)).toBe(join(dir, 'leasehold.yaml'));
      expect(findConfigFile(undefined, { LEASEHOLD_CONFIG: 'other.yaml' }, dir)).toBe(join(dir, 'other.yaml'));
      expect(findConfigFile('mine.yaml', { LEASEHOLD_CONFIG: 'other.yaml' }, dir)).toBe(join(dir, 'mine.yaml'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a named file that cannot be read is an error naming it', () => {
    expect(() => loadConfig({ file: '/nonexistent/leasehold.yaml', env: {} })).toThrow(/^\/nonexistent\/leasehold\.yaml: cannot read: ENOENT/);
  });
});
