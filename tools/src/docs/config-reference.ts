/**
 * The settings table of docs/configuration.md, generated from the zod
 * schema (descriptions, defaults, types) and the environment names, between
 * two marker comments; `leasehold cli-reference --config-doc FILE` rewrites
 * that block and cli-reference.test.ts fails while it is stale.
 */
import { z } from 'zod';
import { configSchema, envNames } from '@leasehold/server';

export const BEGIN = '<!-- BEGIN GENERATED: settings (leasehold cli-reference --config-doc docs/configuration.md) -->';
export const END = '<!-- END GENERATED: settings -->';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
}

const cell = (text: string) => text.replaceAll('|', '\\|');

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map(String).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'object') return 'map';
  const range = s.minimum !== undefined && s.maximum !== undefined && s.maximum < 1e15 ? ` ${s.minimum}..${s.maximum}` : '';
  return `${String(s.type ?? 'value')}${range}`;
}

/** The Markdown block: one table per section with key, type, default, environment variable and meaning. Pure. */
export function renderSettings(): string {
  const json = z.toJSONSchema(configSchema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  const env = new Map(envNames().map(([path, name]) => [path.join('.'), name]));
  const out: string[] = [BEGIN, ''];
  const rows = (props: Record<string, JsonSchema>, path: string[]) => {
    for (const [key, s] of Object.entries(props)) {
      const full = [...path, key];
      if (s.type === 'object' && s.properties) {
        rows(s.properties, full);
        continue;
      }
      const def = s.default === undefined ? '' : `\`${JSON.stringify(s.default)}\``;
      out.push(`| \`${full.slice(1).join('.')}\` | ${cell(typeOf(s))} | ${def} | \`${env.get(full.join('.')) ?? ''}\` | ${cell(s.description ?? '')} |`);
    }
  };
  for (const [section, s] of Object.entries(json.properties ?? {})) {
    out.push(`### ${section}`, '', cell(s.description ?? ''), '');
    if (section === 'dns') {
      out.push(
        'Keys are dnsmasq option names (see `packages/dns-cache/README.md`); the environment sets one with `LEASEHOLD_DNS_<OPTION>` (dashes as underscores, spaces between repeated values).',
        '',
      );
      continue;
    }
    out.push('| key | type | default | environment | meaning |', '|---|---|---|---|---|');
    rows(s.properties ?? {}, [section]);
    out.push('');
  }
  out.push(END);
  return out.join('\n');
}

/** `text` with its generated block replaced by `block`. Pure; throws if the markers are missing. */
export function replaceGenerated(text: string, block: string): string {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error('the file has no generated settings block (the BEGIN/END GENERATED markers)');
  return `${text.slice(0, start)}${block}${text.slice(end + END.length)}`;
}
