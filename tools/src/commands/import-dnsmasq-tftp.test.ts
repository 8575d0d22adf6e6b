import { parseConfigText } from '@leasehold/dns-cache';
import { checkConfig, loadConfig } from '@leasehold/server';
import { describe, expect, test } from 'vitest';
import { dnsYaml, planImport } from './import-dnsmasq-plan.js';

const plan = (text: string) => planImport(parseConfigText(text, 'c.conf'), 'boot');
const RANGE = 'dhcp-range=198.18.7.100,198.18.7.200,255.255.255.0\n';
const notes = (p: ReturnType<typeof plan>) => p.notes.slice(1).map((n) => [n.status, n.detail]);

describe('import-dnsmasq: TFTP', () => {
  test('enable-tftp, tftp-root and tftp-max become agent.tftp in leasehold.yaml, which loads as the agent config', () => {
    const p = plan(`${RANGE}enable-tftp\ntftp-root=/srv/boot\ntftp-max=20\n`);
    expect(notes(p)).toEqual([
      ['agent', 'agent.tftp.enabled true (every served network)'],
      ['agent', 'agent.tftp.root /srv/boot'],
      ['agent', 'agent.tftp.max_transfers 20'],
    ]);
    const yaml = dnsYaml(p);
    expect(yaml).toContain('agent:\n  tftp:\n    enabled: true\n    root: "/srv/boot"\n    max_transfers: 20\n');
    const { agent } = checkConfig(loadConfig({ file: 'leasehold.yaml', read: () => yaml, env: {} }));
    expect(agent.tftp).toMatchObject({ enabled: true, root: '/srv/boot', maxTransfers: 20 });
  });

  test('without enable-tftp dnsmasq serves no TFTP: tftp-root is ignored and leasehold.yaml has no tftp', () => {
    const p = plan(`${RANGE}tftp-root=/srv/boot\n`);
    expect(notes(p)).toEqual([['ignored', 'no enable-tftp: dnsmasq serves no TFTP']]);
    expect(dnsYaml(p)).not.toContain('tftp');
  });

  test('what is tied to one of dnsmasq\'s interfaces or has no setting is not mapped; a bad value is an error at its line', () => {
    const p = plan(`${RANGE}enable-tftp\nenable-tftp=eth2\ntftp-root=/srv/a,eth2\ntftp-root=relative\ntftp-max=0\ntftp-secure\n`);
    expect(p.notes.slice(1).map((n) => n.status)).toEqual(['agent', 'unmapped', 'unmapped', 'error', 'error', 'unmapped']);
    expect(p.notes[4]?.detail).toBe('bad tftp-root: "relative" is not an absolute directory');
  });
});
