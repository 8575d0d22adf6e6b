import { describe, expect, test } from 'vitest';
import { defaultAgentConfig, defaultAgentId } from './config.js';

describe('the agent configuration', () => {
  test('the default agent id is dhcp-<host>, with the dots of a fully qualified host name (and anything else a subject token cannot hold) turned into dashes', () => {
    expect(defaultAgentId('vm')).toBe('dhcp-vm');
    expect(defaultAgentId('node1.example.org')).toBe('dhcp-node1-example-org');
    expect(defaultAgentId('a b*c>d')).toBe('dhcp-a-b-c-d');
    expect(defaultAgentConfig({ host: 'rack3.dc' })).toMatchObject({ agentId: 'dhcp-rack3-dc', host: 'rack3.dc' });
  });
});
