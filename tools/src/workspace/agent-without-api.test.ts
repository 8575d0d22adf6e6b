/**
 * The agent does not depend on the API (issue 16): dependencies point down,
 * protocol ← journal, lease-actor, resources, scheduler, dns-cache ← agent,
 * api ← server ← tools, harness, and the agent and the API are siblings that
 * meet only on the wire (the agent's one request, its DHCP port, goes
 * through resources' requestDhcpPort). Not even the agent's tests may load
 * the API: the tests that need the whole control plane live in the harness
 * (harness/src/agent-e2e, with startAgentEnv in harness/src/agent-env).
 * This holds the agent's package.json, tsconfig and every source file to it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const AGENT = join(ROOT, 'packages/agent');
const API = '@leasehold/api';
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies'];

/** The dependency fields of a package.json that name `pkg`, e.g. `['devDependencies']`. Pure. */
function fieldsNaming(manifest: Record<string, unknown>, pkg: string): string[] {
  return DEPENDENCY_FIELDS.filter((field) => {
    const value = manifest[field];
    return Array.isArray(value) ? value.includes(pkg) : typeof value === 'object' && value !== null && pkg in value;
  });
}

/** The module specifiers in `source` that load `pkg` or a subpath of it: `from '…'`, `import '…'`, `import('…')`, `require('…')`. Pure. */
function importsOf(source: string, pkg: string): string[] {
  const escaped = pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const specifier = new RegExp(`(?:\\bfrom\\s*|\\bimport\\s*\\(?\\s*|\\brequire\\s*\\(\\s*)(['"\`])(${escaped}(?:/[^'"\`]*)?)\\1`, 'g');
  return [...source.matchAll(specifier)].map((m) => m[2]!);
}

/** Every source file of the agent (src and native, no build output or dependencies), relative to the repository. */
function agentSources(dir = AGENT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'dist', '.reports'].includes(entry.name) ? [] : agentSources(path);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) ? [relative(ROOT, path)] : [];
  });
}

describe('the agent without the API', () => {
  test("agent's package.json names @leasehold/api in no dependency field, and its tsconfig references no api project", () => {
    const manifest = JSON.parse(readFileSync(join(AGENT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.name).toBe('@leasehold/agent');
    expect(fieldsNaming(manifest, API)).toEqual([]);
    const tsconfig = readFileSync(join(AGENT, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toContain('"../resources"');
    expect(tsconfig).not.toMatch(/"\.\.\/api"/);
  });

  test('no agent source file imports @leasehold/api or a subpath of it', () => {
    const sources = agentSources();
    // The walk finds the agent's code and its tests, so an empty list cannot pass for a clean one.
    expect(sources).toEqual(expect.arrayContaining(['packages/agent/src/agent.ts', 'packages/agent/src/dhcp-port.test.ts', 'packages/agent/src/testing/index.ts']));
    const offenders = sources.flatMap((file) => importsOf(readFileSync(join(ROOT, file), 'utf8'), API).map((specifier) => `${file}: ${specifier}`));
    expect(offenders).toEqual([]);
  });
});

describe('the check itself', () => {
  test('a dependency in any field is found; a package whose name only starts the same is not', () => {
    expect(fieldsNaming({ dependencies: { '@leasehold/resources': '0.1.0' }, devDependencies: { '@leasehold/api': '0.1.0' } }, API)).toEqual(['devDependencies']);
    expect(fieldsNaming({ peerDependencies: { '@leasehold/api': '*' }, bundleDependencies: ['@leasehold/api'] }, API)).toEqual(['peerDependencies', 'bundleDependencies']);
    expect(fieldsNaming({ dependencies: { '@leasehold/api-docs': '1' }, name: '@leasehold/api' }, API)).toEqual([]);
  });

  test('static, type-only, side-effect, dynamic and require imports of the package or a subpath are found; comments and look-alikes are not', () => {
    const source = [
      "import { startTestApi } from '@leasehold/api/testing';",
      "import type { ApiInput } from \"@leasehold/api/client\";",
      "import '@leasehold/api';",
      "const api = await import('@leasehold/api');",
      "const cjs = require('@leasehold/api');",
      "export { ApiClient } from '@leasehold/api/client';",
      '// the API (@leasehold/api) answers the agent on its subject',
      "import { x } from '@leasehold/api-docs';",
      "import { y } from '@leasehold/resources';",
    ].join('\n');
    expect(importsOf(source, API)).toEqual(['@leasehold/api/testing', '@leasehold/api/client', '@leasehold/api', '@leasehold/api', '@leasehold/api', '@leasehold/api/client']);
  });
});
