import { BootOp, type DhcpMessage, type DhcpOption } from '@leasehold/protocol';
import { describe, expect, test } from 'vitest';
import { ClientClassError, clientClassRules, clientTags, parseClientClassRule } from './client-classes.js';

const request = (...options: DhcpOption[]): DhcpMessage => ({
  op: BootOp.Request,
  htype: 1,
  hops: 0,
  xid: 1,
  secs: 0,
  flags: 0,
  ciaddr: 0,
  yiaddr: 0,
  siaddr: 0,
  giaddr: 0,
  chaddr: Uint8Array.of(2, 0, 0, 0, 0, 1),
  sname: '',
  file: '',
  options: [{ code: 53, value: 1 }, ...options],
});
const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const ipxeEncap: DhcpOption = { code: 175, raw: Uint8Array.of(19, 1, 1) }; // iPXE's feature flags
const ipxeUserClass: DhcpOption = { code: 77, raw: text('iPXE') };
const biosPxe: DhcpOption = { code: 60, value: 'PXEClient:Arch:00000:UNDI:002001' };
const arch = (...archs: number[]): DhcpOption => ({ code: 93, raw: Uint8Array.from(archs.flatMap((a) => [a >> 8, a & 0xff])) });

describe('client classes (dnsmasq dhcp-match, dhcp-userclass, dhcp-vendorclass)', () => {
  test("Neutron's two rules tag an iPXE client ipxe (option 175) and ipxe6 (user class iPXE), and a BIOS PXE ROM neither", () => {
    const rules = clientClassRules();
    expect([...clientTags(request(ipxeEncap, ipxeUserClass), rules)].sort()).toStrictEqual(['ipxe', 'ipxe6']);
    expect([...clientTags(request(ipxeEncap), rules)]).toStrictEqual(['ipxe']);
    expect([...clientTags(request(biosPxe, arch(0)), rules)]).toStrictEqual([]);
  });

  test('dhcp-match without a value tags a client that sends the option at all, by code or by name', () => {
    expect(clientTags(request(ipxeEncap), [parseClientClassRule('dhcp-match', 'set:ipxe,175')]).has('ipxe')).toBe(true);
    expect(clientTags(request(arch(7)), [parseClientClassRule('dhcp-match', 'set:uefi,option:client-arch')]).has('uefi')).toBe(true);
    expect(clientTags(request(), [parseClientClassRule('dhcp-match', 'set:ipxe,175')]).size).toBe(0);
  });

  test('dhcp-match=set:efi64,option:client-arch,7 looks for 7 among the architectures of option 93, two bytes at a time', () => {
    const rules = [parseClientClassRule('dhcp-match', 'set:efi64,option:client-arch,7'), parseClientClassRule('dhcp-match', 'set:bios,option:client-arch,0')];
    expect([...clientTags(request(arch(7)), rules)]).toStrictEqual(['efi64']);
    expect([...clientTags(request(arch(6, 7)), rules)]).toStrictEqual(['efi64']);
    expect([...clientTags(request(arch(0)), rules)]).toStrictEqual(['bios']);
    // 0x0700 holds the bytes 07 00: read as an array of u16, neither 7 nor 0 is in it.
    expect([...clientTags(request(arch(0x0700)), rules)]).toStrictEqual([]);
  });

  test('a value that does not fit the option\'s type is looked for as text, as dnsmasq accepts it', () => {
    const rule = parseClientClassRule('dhcp-match', 'set:x,option:client-arch,seven');
    expect(rule.matcher).toEqual({ kind: 'substring', bytes: Uint8Array.from('seven', (c) => c.charCodeAt(0)) });
  });

  test('a hex value matches the start of the option, * any byte', () => {
    const rule = parseClientClassRule('dhcp-match', 'set:x,77,69:*:58');
    expect(clientTags(request(ipxeUserClass), [rule]).has('x')).toBe(true);
    expect(clientTags(request({ code: 77, raw: text('aPXE') }), [rule]).has('x')).toBe(false);
  });

  test('dhcp-vendorclass and dhcp-userclass look for their text anywhere in option 60 or 77, as dnsmasq does', () => {
    const rules = [parseClientClassRule('dhcp-vendorclass', 'set:pxe,PXEClient'), parseClientClassRule('dhcp-userclass', 'set:ipxe,iPXE'), parseClientClassRule('dhcp-vendorclass', 'arm,Arch:00011')];
    expect([...clientTags(request(biosPxe), rules)]).toStrictEqual(['pxe']);
    expect([...clientTags(request({ code: 60, value: 'PXEClient:Arch:00011:UNDI:003000' }), rules)].sort()).toStrictEqual(['arm', 'pxe']);
    expect([...clientTags(request({ code: 77, raw: Uint8Array.of(4, ...text('iPXE')) }), rules)]).toStrictEqual(['ipxe']);
    expect(clientTags(request({ code: 60, value: 'MSFT 5.0' }), rules).size).toBe(0);
  });

  test('rules dnsmasq refuses, or that have no counterpart, are errors naming the rule', () => {
    const refused: [Parameters<typeof parseClientClassRule>[0], string, RegExp][] = [
      ['dhcp-match', 'set:x,no-such-option', /not a DHCP option name/],
      ['dhcp-match', ',175', /tag to set first/],
      ['dhcp-match', 'set:x,vi-encap:3561', /vi-encap/],
      ['dhcp-vendorclass', 'set:x,enterprise:3561,foo', /enterprise/],
      ['dhcp-userclass', 'set:x', /user class/],
    ];
    for (const [directive, value, reason] of refused) {
      expect(() => parseClientClassRule(directive, value)).toThrow(ClientClassError);
      expect(() => parseClientClassRule(directive, value)).toThrow(reason);
      expect(() => parseClientClassRule(directive, value)).toThrow(`${directive}=${value}`);
    }
  });
});
