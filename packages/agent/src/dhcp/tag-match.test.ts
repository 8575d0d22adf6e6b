import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
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

  const entry = fc.record({
    code: fc.constantFrom(66, 67, 150),
    tests: fc.uniqueArray(fc.record({ tag: fc.constantFrom('ipxe', 'pxe', 'efi64'), negated: fc.boolean() }), { selector: (t) => t.tag, maxLength: 3 }),
    value: fc.constantFrom('a', 'b', 'c', 'd'),
  });
  test.prop([fc.array(entry, { maxLength: 8 }), fc.subarray(['ipxe', 'pxe', 'efi64'])])(
    'for each code the chosen entry holds for the client, no holding entry of that code has more tests, and a code with a holding entry is chosen',
    (entries, tags) => {
      const list = entries.map((e) => ({ code: e.code, force: false, option: { code: 200, raw: Uint8Array.of(e.value.charCodeAt(0)) }, ...(e.tests.length ? { tags: e.tests } : {}) }));
      const held = new Set(tags);
      const chosen = selectExtraOptions(list, held);
      for (const code of [66, 67, 150]) {
        const holding = list.filter((e) => e.code === code && tagsHold(e.tags, held));
        const pick = chosen.get(code);
        if (holding.length === 0) {
          expect(pick).toBeUndefined();
          continue;
        }
        expect(pick).toBeDefined();
        expect(tagsHold(pick!.tags, held)).toBe(true);
        const most = Math.max(...holding.map((e) => e.tags?.length ?? 0));
        expect(pick!.tags?.length ?? 0).toBe(most);
        // Among the most specific, the last one written.
        expect(pick).toBe(holding.filter((e) => (e.tags?.length ?? 0) === most).at(-1));
      }
    },
  );
});
