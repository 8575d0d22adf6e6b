import { describe, expect, test } from 'vitest';
import { parseExtraDhcpOpts } from './option-names.js';
import { selectExtraOptions, tagsHold } from './tag-match.js';

const extras = (...pairs: [string, string][]) => parseExtraDhcpOpts(pairs.map(([optName, optValue]) => ({ optName, optValue }))).options;
const fileOf = (list: ReturnType<typeof extras>, tags: string[]) => {
  const option = selectExtraOptions(list, new Set(tags)).get(67)?.option;
  return option && 'value' in option ? option.value : undefined;
};

describe('tag matching of extra_dhcp_opts', () => {
  test('every tag test must hold; tag:! holds for a client without the tag', () => {
    expect(tagsHold(undefined, new Set())).toBe(true);
    expect(tagsHold([{ tag: 'ipxe', negated: false }], new Set(['ipxe']))).toBe(true);
    expect(tagsHold([{ tag: 'ipxe', negated: false }], new Set())).toBe(false);
    expect(tagsHold([{ tag: 'ipxe', negated: true }], new Set())).toBe(true);
    expect(tagsHold([{ tag: 'ipxe', negated: true }], new Set(['ipxe']))).toBe(false);
    expect(tagsHold([{ tag: 'ipxe', negated: false }, { tag: 'efi64', negated: true }], new Set(['ipxe', 'efi64']))).toBe(false);
  });

  test("Ironic's pair: an iPXE client gets the script, any other the iPXE loader", () => {
    const list = extras(['tag:!ipxe,bootfile-name', 'undionly.kpxe'], ['tag:ipxe,bootfile-name', 'http://198.18.0.2:8080/boot.ipxe']);
    expect(fileOf(list, ['ipxe'])).toBe('http://198.18.0.2:8080/boot.ipxe');
    expect(fileOf(list, [])).toBe('undionly.kpxe');
    expect(fileOf(list, ['pxe'])).toBe('undionly.kpxe');
  });

  test('a tagged entry that holds overrides an untagged one of the same code whatever their order; among equals the later wins', () => {
    const list = extras(['tag:efi64,67', 'ipxe.efi'], ['67', 'pxelinux.0'], ['67', 'lpxelinux.0']);
    expect(fileOf(list, ['efi64'])).toBe('ipxe.efi');
    expect(fileOf(list, [])).toBe('lpxelinux.0');
    const both = extras(['tag:efi64,tag:!ipxe,67', 'ipxe.efi'], ['tag:efi64,67', 'snponly.efi']);
    expect(fileOf(both, ['efi64'])).toBe('ipxe.efi');
    expect(fileOf(both, ['efi64', 'ipxe'])).toBe('snponly.efi');
  });
});
