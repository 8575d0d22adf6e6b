/**
 * dnsmasq's tag matching for a port's extra_dhcp_opts: an entry written
 * `tag:ipxe,bootfile-name` applies only to a client tagged `ipxe` (by the
 * agent's client classes, client-classes.ts), `tag:!ipxe,...` only to one
 * that is not; every tag test of an entry must hold (dnsmasq's
 * match_netid). Of the entries of one code that apply, the one with the
 * most tag tests wins, as dnsmasq lets a tagged option override an
 * untagged one (option_filter); among equals the later entry wins, as
 * before tags. dnsmasq itself takes the last tagged line that applies
 * whatever its number of tags (harness network-boot-dnsmasq.test.ts shows
 * the two agree when the more specific entry comes later); Neutron returns
 * a port's entries in no promised order, so an answer that depended on
 * their order would be an accident.
 */
import type { DhcpTagTest } from '@leasehold/protocol';
import type { ExtraOption } from './option-names.js';

const NO_TAGS: ReadonlySet<string> = new Set();

/** True when every test holds for a client with `tags`. Pure. */
export function tagsHold(tests: readonly DhcpTagTest[] | undefined, tags: ReadonlySet<string> = NO_TAGS): boolean {
  if (tests === undefined) return true;
  for (const test of tests) if (tags.has(test.tag) === test.negated) return false;
  return true;
}

/** The entry that applies for each code, given the client's tags (see the module comment). Pure. */
export function selectExtraOptions(list: readonly ExtraOption[], tags: ReadonlySet<string> = NO_TAGS): Map<number, ExtraOption> {
  const chosen = new Map<number, ExtraOption>();
  for (const extra of list) {
    if (!tagsHold(extra.tags, tags)) continue;
    const held = chosen.get(extra.code);
    if (held === undefined || (extra.tags?.length ?? 0) >= (held.tags?.length ?? 0)) chosen.set(extra.code, extra);
  }
  return chosen;
}
