/**
 * Environment overrides: `LEASEHOLD_<SECTION>_<KEY>` sets `<section>.<key>`
 * (nested keys join with `_` too: LEASEHOLD_AGENT_DNS_PORT is agent.dns.port;
 * in the dns section underscores stand for dnsmasq's dashes:
 * LEASEHOLD_DNS_CACHE_SIZE is dns.cache-size, and a value with spaces is a
 * list). The names the processes read before the config file existed
 * (NATS_URL, LEASEHOLD_DATA_DIR, LEASEHOLD_REPORT_INTERVAL, ...) still work
 * and lose to the sectioned names.
 */
import { OPTIONS } from '@leasehold/dns-cache';
import { z } from 'zod';
import { ConfigFileError } from './errors.js';
import { configSchema } from './schema.js';

/** One value set from outside the file; `source` names it in errors. */
export interface Override {
  readonly path: readonly string[];
  readonly value: unknown;
  readonly source: string;
}

/** The older variable names, each the same as one sectioned name. */
export const LEGACY_ENV: Readonly<Record<string, readonly string[]>> = {
  NATS_URL: ['nats', 'url'],
  LEASEHOLD_DATA_DIR: ['nats', 'data_dir'],
  LEASEHOLD_AGENT_DOWN_TIME: ['api', 'agent_down_time'],
  LEASEHOLD_REPORT_INTERVAL: ['agent', 'report_interval'],
  LEASEHOLD_AGENT_ID: ['agent', 'agent_id'],
  LEASEHOLD_HOST: ['agent', 'host'],
  LEASEHOLD_AVAILABILITY_ZONE: ['agent', 'availability_zone'],
  LEASEHOLD_INTERFACE_MAPPINGS: ['agent', 'interface_mappings'],
  LEASEHOLD_RELAY_INTERFACES: ['agent', 'relay_interfaces'],
  LEASEHOLD_AGENTS_PER_NETWORK: ['scheduler', 'agents_per_network'],
  LEASEHOLD_NETWORK_SCHEDULER: ['scheduler', 'network_scheduler'],
};

/** Variables of the same prefix that other parts read; not settings. */
const NOT_SETTINGS = new Set(['LEASEHOLD_DNS_NATIVE']);

/** The object schema under wrappers (default, prefault, optional, pipe), if there is one. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let current: z.ZodType | undefined = schema;
  for (let depth = 0; current && depth < 10; depth++) {
    if (current instanceof z.ZodObject) return current.shape as Record<string, z.ZodType>;
    const def: { innerType?: z.ZodType; out?: z.ZodType } = (current as unknown as { _zod: { def: { innerType?: z.ZodType; out?: z.ZodType } } })._zod.def;
    current = def.innerType ?? def.out;
  }
  return undefined;
}

/** Every settable leaf as [path, env name], in schema order (the dns section's names come from dnsmasq's options). Pure. */
export function envNames(): [path: string[], name: string][] {
  const out: [string[], string][] = [];
  const walk = (shape: Record<string, z.ZodType>, path: string[]) => {
    for (const [key, schema] of Object.entries(shape)) {
      if (path.length === 0 && key === 'dns') continue;
      const inner = objectShape(schema);
      if (inner) walk(inner, [...path, key]);
      else out.push([[...path, key], `LEASEHOLD_${[...path, key].join('_').toUpperCase()}`]);
    }
  };
  walk(configSchema.shape as Record<string, z.ZodType>, []);
  return out;
}

/** The path a `LEASEHOLD_<SECTION>_<REST>` name sets, or undefined if no setting has that name. Pure. */
function pathOf(section: string, rest: string): string[] | undefined {
  if (section === 'dns') {
    const option = rest.toLowerCase().replaceAll('_', '-');
    return OPTIONS[option] ? ['dns', option] : undefined;
  }
  const shape = objectShape(configSchema.shape[section as keyof typeof configSchema.shape] as z.ZodType);
  const find = (shape: Record<string, z.ZodType>, text: string, path: string[]): string[] | undefined => {
    for (const [key, schema] of Object.entries(shape)) {
      const upper = key.toUpperCase();
      if (text === upper && !objectShape(schema)) return [...path, key];
      const inner = objectShape(schema);
      if (inner && text.startsWith(`${upper}_`)) {
        const found = find(inner, text.slice(upper.length + 1), [...path, key]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return shape ? find(shape, rest, [section]) : undefined;
}

/**
 * The overrides the environment asks for, legacy names first so the
 * sectioned names win. Pure; throws ConfigFileError for a LEASEHOLD_<SECTION>_
 * variable that names no setting (a typo would otherwise be ignored).
 */
export function envOverrides(env: NodeJS.ProcessEnv): Override[] {
  const sections = Object.keys(configSchema.shape);
  const legacy: Override[] = [];
  const sectioned: Override[] = [];
  for (const [name, text] of Object.entries(env)) {
    if (text === undefined || text === '') continue;
    const old = LEGACY_ENV[name];
    if (old) {
      legacy.push({ path: old, value: text, source: `environment ${name}` });
      continue;
    }
    if (NOT_SETTINGS.has(name)) continue;
    const match = /^LEASEHOLD_([A-Z]+)_(.+)$/.exec(name);
    const section = match?.[1]!.toLowerCase();
    if (!match || !section || !sections.includes(section)) continue;
    const path = pathOf(section, match[2]!);
    if (!path) throw new ConfigFileError(`environment ${name}`, undefined, '', `no setting is called ${name} (see docs/configuration.md)`);
    const value = section === 'dns' ? dnsEnvValue(text) : text;
    sectioned.push({ path, value, source: `environment ${name}` });
  }
  return [...legacy, ...sectioned];
}

/** A dns option from the environment: spaces separate repeated values (dnsmasq values hold none). Pure. */
function dnsEnvValue(text: string): string | string[] {
  const parts = text.trim().split(/\s+/);
  return parts.length === 1 ? parts[0]! : parts;
}

/** Sets `value` at `path` in a plain object tree, creating maps on the way. Mutates `target`. */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
}
