/**
 * Neutron's list conventions over a list of resources, all pure:
 * filters by any field (`?name=a&name=b` is either, `?fixed_ips=ip_address=X`
 * looks inside fixed IPs), `sort_key`/`sort_dir`, `limit`/`marker`/
 * `page_reverse` with `<collection>_links`, and `fields=` (also on show).
 * Presentation only: which resources exist and what they hold is the
 * handlers' answer.
 */
import { tagsMatch } from '../attributes.js';
import { ApiError } from '../errors.js';

export type Query = Readonly<Record<string, string | readonly string[] | undefined>>;
type Item = Readonly<Record<string, unknown>>;

const CONTROL = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse']);
/** Neutron's tag filters (comma-separated lists; a repeated key adds to its list), applied by `tagsMatch`. */
const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'] as const;

/** A query parameter's values (repeated keys are a list). */
function values(query: Query, key: string): string[] {
  const v = query[key];
  return v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
}

/** How a filter's text compares with a field's value: booleans as Neutron's True/False/true/1, lists by membership. */
function matches(field: unknown, wanted: string): boolean {
  if (typeof field === 'boolean') return ['true', '1'].includes(wanted.toLowerCase()) === field;
  if (field === null || field === undefined) return wanted === '' || wanted.toLowerCase() === 'none';
  if (Array.isArray(field)) return field.some((entry) => matches(entry, wanted));
  return String(field) === wanted;
}

/** `fixed_ips=ip_address=198.18.0.5` or `fixed_ips=subnet_id=<id>`: a port any of whose fixed IPs matches. */
function matchesFixedIp(item: Item, wanted: string): boolean {
  const at = wanted.indexOf('=');
  if (at < 0) throw new ApiError('VALIDATION_FAILED', `fixed_ips filter ${JSON.stringify(wanted)} wants ip_address=X or subnet_id=Y`, 'fixed_ips');
  const key = wanted.slice(0, at);
  const value = wanted.slice(at + 1);
  const ips = (item.fixed_ips ?? []) as readonly Record<string, unknown>[];
  return ips.some((ip) => String(ip[key]) === value);
}

/** The items every filter of `query` keeps (a field the items do not have matches nothing but an empty value). */
export function filterItems<T extends Item>(items: readonly T[], query: Query): T[] {
  const filters = Object.keys(query).filter((key) => !CONTROL.has(key) && !(TAG_FILTERS as readonly string[]).includes(key));
  const tagFilters = Object.fromEntries(TAG_FILTERS.flatMap((key) => (query[key] === undefined ? [] : [[key, values(query, key).join(',')]])));
  if (filters.length === 0 && Object.keys(tagFilters).length === 0) return [...items];
  return items.filter((item) =>
    tagsMatch(Array.isArray(item.tags) ? (item.tags as string[]) : [], tagFilters) &&
    filters.every((key) => {
      const wanted = values(query, key);
      if (key === 'fixed_ips') return wanted.every((w) => matchesFixedIp(item, w));
      return wanted.some((w) => matches(item[key], w));
    }),
  );
}

const compare = (a: unknown, b: unknown): number => {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = a === null || a === undefined ? '' : typeof a === 'string' ? a : JSON.stringify(a);
  const y = b === null || b === undefined ? '' : typeof b === 'string' ? b : JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Sorted by the `sort_key`s (each with its `sort_dir`, asc by default), then by id. */
export function sortItems<T extends Item>(items: readonly T[], query: Query): T[] {
  const keys = values(query, 'sort_key');
  const dirs = values(query, 'sort_dir');
  for (const dir of dirs) if (dir !== 'asc' && dir !== 'desc') throw new ApiError('VALIDATION_FAILED', `sort_dir ${JSON.stringify(dir)} is not asc or desc`, 'sort_dir');
  const order = [...keys.map((key, i) => ({ key, sign: dirs[i] === 'desc' ? -1 : 1 })), { key: 'id', sign: 1 }];
  // The handlers answer in id order already: then there is nothing to sort.
  if (keys.length === 0 && items.every((item, i) => i === 0 || compare(items[i - 1]!.id, item.id) < 0)) return [...items];
  return [...items].sort((a, b) => {
    for (const { key, sign } of order) {
      const c = compare(a[key], b[key]);
      if (c !== 0) return sign * c;
    }
    return 0;
  });
}

export interface Page<T> {
  readonly items: T[];
  /** Neutron's `<collection>_links` (next and previous), absent without `limit`. */
  readonly links?: { href: string; rel: 'next' | 'previous' }[];
}

/**
 * One page of already sorted items: after (or, with page_reverse, before)
 * the item whose id is `marker`, at most `limit`, with links to the pages
 * around it. `self` is the collection's URL without its query.
 */
export function pageItems<T extends Item>(items: readonly T[], query: Query, self: string): Page<T> {
  const limitText = values(query, 'limit')[0];
  const marker = values(query, 'marker')[0];
  const reverse = values(query, 'page_reverse')[0]?.toLowerCase() === 'true';
  if (limitText === undefined) return { items: [...items] };
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 0) throw new ApiError('VALIDATION_FAILED', `limit ${JSON.stringify(limitText)} is not a non-negative integer`, 'limit');
  const at = marker === undefined ? -1 : items.findIndex((item) => item.id === marker);
  if (marker !== undefined && at < 0) throw new ApiError('NOT_FOUND', `marker ${marker} not found`, 'marker');
  let from: number;
  let to: number;
  if (reverse) {
    to = marker === undefined ? items.length : at;
    from = limit === 0 ? 0 : Math.max(0, to - limit);
  } else {
    from = at + 1;
    to = limit === 0 ? items.length : Math.min(items.length, from + limit);
  }
  const out = items.slice(from, to);
  return { items: out, links: pageLinks(query, self, out, to < items.length, from > 0) };
}

/** Neutron's next and previous links of a page (`more`: items after it; `earlier`: items before it). */
function pageLinks(query: Query, self: string, page: readonly Item[], more: boolean, earlier: boolean): { href: string; rel: 'next' | 'previous' }[] {
  const limit = values(query, 'limit')[0] ?? String(page.length);
  const links: { href: string; rel: 'next' | 'previous' }[] = [];
  if (page.length === 0) return links;
  if (more) links.push({ href: `${self}?${withPaging(query, limit, String(page.at(-1)!.id), false)}`, rel: 'next' });
  if (earlier) links.push({ href: `${self}?${withPaging(query, limit, String(page[0]!.id), true)}`, rel: 'previous' });
  return links;
}

/**
 * The handler's own paging for `query`, when it gives the same page: a
 * limit of 1..10,000, no sorting but by id, forwards, and no filter the
 * handler does not apply itself (`pushed`). The handler then builds views
 * only for the page, which a 10,000-port network needs.
 */
export function handlerPaging(query: Query, pushed: readonly string[]): { limit: number; marker?: string } | undefined {
  const limit = Number(values(query, 'limit')[0]);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return undefined;
  if (values(query, 'sort_key').length > 0 || values(query, 'page_reverse')[0]?.toLowerCase() === 'true') return undefined;
  const filters = Object.keys(query).filter((key) => !CONTROL.has(key));
  if (!filters.every((key) => pushed.includes(key) && typeof query[key] === 'string')) return undefined;
  const marker = values(query, 'marker')[0];
  return { limit, ...(marker !== undefined ? { marker } : {}) };
}

/** A list answer from the handler's own page (see `handlerPaging`): `more` when it gave a next marker. */
export function handlerPageAnswer(collection: string, page: readonly Item[], more: boolean, query: Query, self: string): Record<string, unknown> {
  const links = pageLinks(query, self, page, more, values(query, 'marker').length > 0);
  return { [collection]: page.map((item) => selectFields(item, query)), ...(links.length > 0 ? { [`${collection}_links`]: links } : {}) };
}

function withPaging(query: Query, limit: string, marker: string, pageReverse: boolean): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(query)) {
    if (key === 'limit' || key === 'marker' || key === 'page_reverse') continue;
    for (const v of values(query, key)) params.append(key, v);
  }
  params.set('limit', limit);
  params.set('marker', marker);
  if (pageReverse) params.set('page_reverse', 'True');
  return params.toString();
}

/** Only the `fields=` asked for (all without any). */
export function selectFields(item: Item, query: Query): Record<string, unknown> {
  const fields = values(query, 'fields');
  if (fields.length === 0) return item as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]]));
}

/** Filter, sort, page and select: a list answer `{<collection>: [...], <collection>_links?}`. */
export function listAnswer(collection: string, items: readonly Item[], query: Query, self: string): Record<string, unknown> {
  const { items: page, links } = pageItems(sortItems(filterItems(items, query), query), query, self);
  return { [collection]: page.map((item) => selectFields(item, query)), ...(links && links.length > 0 ? { [`${collection}_links`]: links } : {}) };
}
