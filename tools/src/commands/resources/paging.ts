/**
 * Lists of any size: the API answers at most one NATS message per request
 * (its max_payload, 1 MiB by default), which 50,000 leases overflow, so the
 * CLI walks the pages itself with `limit`/`marker`. A script can ask for one
 * page with `--limit` (and `--marker`): it gets that page, and the marker of
 * the next in the JSON reply (`next_marker`) and on stderr.
 */
import type { ListPage } from '@leasehold/api/client';
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { parseInteger } from './flags.js';

export interface PagingFlags {
  readonly limit?: string;
  readonly marker?: string;
}

/** Small enough that a page of the largest items (ports with many options) fits one NATS message. */
export const PAGE_SIZE = 1000;
/** The API's own bound on `limit`. */
const MAX_LIMIT = 10_000;

export function withPagingFlags(command: Command): Command {
  return command
    .option('--limit <n>', `only one page of at most n items (1-${MAX_LIMIT}); its next marker is printed on stderr`)
    .option('--marker <marker>', 'the page after this marker (a previous page\'s next marker)');
}

/** Every item, page after page; or, with --limit or --marker, the one page they ask for. */
export async function listPages<T>(fetch: (paging: { limit: number; marker?: string }) => Promise<ListPage<T>>, flags: PagingFlags): Promise<ListPage<T>> {
  if (flags.limit !== undefined || flags.marker !== undefined) {
    const limit = flags.limit === undefined ? PAGE_SIZE : parseInteger('--limit', flags.limit, 1, MAX_LIMIT);
    const page = await fetch(flags.marker === undefined ? { limit } : { limit, marker: flags.marker });
    if (page.next_marker !== undefined) process.stderr.write(`more: --marker ${page.next_marker}\n`);
    return page;
  }
  const items: T[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await fetch(marker === undefined ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, marker });
    items.push(...page.items);
    if (page.next_marker === undefined) return { items };
    // A marker that does not move would loop forever: the API would be broken, so say so.
    if (page.next_marker === marker || page.items.length === 0) throw new CliError('INTERNAL', `the API's paging did not advance past marker ${page.next_marker}`);
    marker = page.next_marker;
  }
}

/** The `next_marker` field of a --json reply: present when a --limit page has more after it. Pure. */
export function nextMarker(page: ListPage<unknown>): { next_marker?: string } {
  return page.next_marker === undefined ? {} : { next_marker: page.next_marker };
}
