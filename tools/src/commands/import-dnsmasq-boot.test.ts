import { parseConfigText } from '@leasehold/dns-cache';
import { checkConfig, loadConfig } from '@leasehold/server';
import { describe, expect, test } from 'vitest';
import { dnsYaml, planImport } from './import-dnsmasq-plan.js';

const plan = (text: string) => planImport(parseConfigText(text, 'c.conf'), 'prov');
const RANGE = 'dhcp-range=198.18.7.100,198.18.7.200,255.255.255.0\n';
const HOSTS = 'dhcp-host=52:54:00:00:07:01,198.18.7.11,node1\ndhcp-host=52:54:00:00:07:02,set:lab,198.18.7.12,node2\n';
const statusOf = (p: ReturnType<typeof plan>, line: number) => p.notes.find((n) => n.line === line);

describe('import-dnsmasq: network boot', () => {
  test('dhcp-match, dhcp-userclass and dhcp-vendorclass become agent settings in leasehold.yaml, which loads; Neutron\'s set:ipxe,175 is built in', () => {
    const p = plan(`${RANGE}dhcp-match=set:ipxe,175\ndhcp-match=set:efi64,option:client-arch,7\ndhcp-userclass=set:ipxe,iPXE\ndhcp-vendorclass=set:pxe,PXEClient\n`);
    expect(p.notes.slice(1).map((n) => n.status)).toEqual(['ignored', 'agent', 'agent', 'agent']);
    expect(statusOf(p, 2)?.detail).toMatch(/built in/);
    expect(statusOf(p, 3)?.detail).toBe('agent.dhcp_match set:efi64,option:client-arch,7 (tags clients efi64)');
    expect(p.agent.classes).toEqual([
      ['dhcp-match', 'set:efi64,option:client-arch,7'],
      ['dhcp-userclass', 'set:ipxe,iPXE'],
      ['dhcp-vendorclass', 'set:pxe,PXEClient'],
    ]);
    const yaml = dnsYaml(p);
    expect(yaml).toContain('agent:\n  dhcp_match:\n    - "set:efi64,option:client-arch,7"\n  dhcp_userclass:\n    - "set:ipxe,iPXE"\n  dhcp_vendorclass:\n    - "set:pxe,PXEClient"\n');
    const { agent } = checkConfig(loadConfig({ file: 'leasehold.yaml', read: () => yaml, env: {} }));
    expect(agent.dhcpClientClasses).toEqual(p.agent.classes);
  });

  test('a class rule dnsmasq refuses is an error at its line; vi-encap and enterprise: are not mapped', () => {
    const p = plan(`${RANGE}dhcp-match=set:efi64,option:client-arc,7\ndhcp-match=175\ndhcp-userclass=set:x\ndhcp-match=set:x,vi-encap:3561\ndhcp-vendorclass=set:x,enterprise:3561,foo\n`);
    expect(p.notes.slice(1).map((n) => n.status)).toEqual(['error', 'error', 'error', 'unmapped', 'unmapped']);
    expect(p.agent.classes).toEqual([]);
  });

  test("dhcp-boot with class tags becomes Ironic's tag:ipxe / tag:!ipxe entries on every port; the server name and address too", () => {
    const p = plan(`${RANGE}${HOSTS}dhcp-boot=tag:ipxe,http://198.18.7.2:8080/boot.ipxe\ndhcp-boot=tag:!ipxe,undionly.kpxe,boot,198.18.7.2\n`);
    expect(statusOf(p, 4)).toMatchObject({ status: 'created', detail: expect.stringMatching(/on 2 port\(s\); clients without a dhcp-host get none/) });
    for (const port of p.ports) {
      expect(port.extraDhcpOpts).toEqual([
        { opt_name: 'tag:ipxe,bootfile-name', opt_value: 'http://198.18.7.2:8080/boot.ipxe' },
        { opt_name: 'tag:!ipxe,bootfile-name', opt_value: 'undionly.kpxe' },
        { opt_name: 'tag:!ipxe,tftp-server', opt_value: 'boot' },
        { opt_name: 'tag:!ipxe,server-ip-address', opt_value: '198.18.7.2' },
      ]);
    }
  });

  test('a host tag chooses the ports a dhcp-boot or class-tagged dhcp-option goes on; without a dhcp-host there is nowhere to put it', () => {
    const p = plan(`${RANGE}${HOSTS}dhcp-match=set:efi64,option:client-arch,7\ndhcp-option=tag:lab,tag:efi64,option:bootfile-name,ipxe.efi\ndhcp-option-force=tag:!efi64,tag:lab,66,198.18.7.2\ndhcp-boot=tag:lab,pxelinux.0\n`);
    expect(p.ports[0]!.extraDhcpOpts).toEqual([]);
    expect(p.ports[1]!.extraDhcpOpts).toEqual([
      { opt_name: 'tag:efi64,bootfile-name', opt_value: 'ipxe.efi' },
      { opt_name: 'force:tag:!efi64,66', opt_value: '198.18.7.2' },
      { opt_name: 'bootfile-name', opt_value: 'pxelinux.0' },
    ]);
    const none = plan(`${RANGE}dhcp-boot=tag:ipxe,boot.ipxe\ndhcp-option=tag:ipxe,67,boot.ipxe\n`);
    expect(none.notes.slice(1).map((n) => [n.status, n.detail])).toEqual([
      ['unmapped', expect.stringMatching(/no dhcp-host to put it on/)],
      ['unmapped', expect.stringMatching(/no dhcp-host to put it on/)],
    ]);
  });

  test('dhcp-boot without a file after its tags is an error, an empty one changes nothing, a TFTP server given by name is not mapped', () => {
    const p = plan(`${RANGE}${HOSTS}dhcp-boot=tag:ipxe\ndhcp-boot=\ndhcp-boot=pxelinux.0,boot,tftp.example\n`);
    expect(p.notes.slice(3).map((n) => n.status)).toEqual(['error', 'ignored', 'unmapped']);
  });
});
